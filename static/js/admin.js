/* Flask-Admin's menus, tabs and pager use href="javascript:void(0)"; its dropdown hack stops
   the click before Bootstrap's preventDefault, so Chromium tries to run the URL and our CSP
   (no 'unsafe-inline' for scripts) logs a violation. Such links never navigate anyway. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
  if (link) {
    event.preventDefault();
  }
}, true);

/* The "Add …" button of inline forms (templates/admin/model/inline_list_base.html): Flask-Admin
   wires it with an inline onclick, which our CSP blocks; the same call, from here. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-inline-add]");
  if (button && window.faForm) {
    event.preventDefault();
    window.faForm.addInlineField(button, button.getAttribute("data-inline-add"));
  }
});

/* Delete buttons of list rows (templates/admin/model/row_actions.html): Flask-Admin asks for
   confirmation with an inline onclick, which our CSP blocks; the same question, from here. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

/* "With selected" bulk actions of list screens (templates/admin/actions.html): Flask-Admin
   runs them from an inline onclick, which our CSP blocks; the same call, from here. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-model-action]");
  if (link && window.modelActions) {
    event.preventDefault();
    window.modelActions.execute(link.getAttribute("data-model-action"));
  }
});
