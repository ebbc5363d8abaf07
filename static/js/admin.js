/* Flask-Admin's menus, tabs and pager use href="javascript:void(0)"; its dropdown hack stops
   the click before Bootstrap's preventDefault, so Chromium tries to run the URL and our CSP
   (no 'unsafe-inline' for scripts) logs a violation. Such links never navigate anyway. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
  if (link) {
    event.preventDefault();
  }
}, true);
