/* Quick exit: leave for a neutral site at once. The link works without JavaScript; this
   script also opens the neutral site in a new tab (the one a person looking over the
   shoulder sees first, as domestic-abuse support sites do), replaces this page in the
   history (so "Back" does not return here), and answers the Esc key pressed twice within
   a second. */
(function () {
  "use strict";
  function leave(target) {
    try { document.body.style.visibility = "hidden"; } catch (e) { /* nothing to hide */ }
    try { window.open(target, "_blank", "noopener"); } catch (e) { /* a blocked pop-up: still leave */ }
    window.location.replace(target);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var link = document.querySelector("[data-quick-exit]");
    if (!link) { return; }
    var target = link.href;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      leave(target);
    });
    var last = 0;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" && event.key !== "Esc") { return; }
      var now = Date.now();
      if (now - last < 1000) { leave(target); }
      last = now;
    });
  });
}());
