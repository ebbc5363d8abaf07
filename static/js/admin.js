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

/* select2 3.5 (Flask-Admin's relation fields) gives its hidden text input role="button", which
   ARIA does not allow on a text field; it opens a list like a combobox, so it says so. */
(function () {
  function fixFocussers(root) {
    var inputs = (root.querySelectorAll ? root : document).querySelectorAll('input.select2-focusser[role="button"]');
    Array.prototype.forEach.call(inputs, function (input) {
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-expanded", "false");
    });
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      Array.prototype.forEach.call(change.addedNodes, function (node) {
        if (node.nodeType === 1) { fixFocussers(node.parentNode || node); }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();

/* A wide table or chart that scrolls sideways inside its box (.table-responsive) can be
   scrolled with the keyboard: such a box takes the focus and is named (a group, not a
   landmark: its section already is one) after its table's caption or the heading above
   it. A box that fits is left alone. */
(function () {
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var table = box.querySelector("table[aria-label]");
    if (table) { return table.getAttribute("aria-label"); }
    var heading = null;
    for (var node = box; node && !heading; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev && !heading; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) { heading = prev; }
      }
    }
    return heading ? heading.textContent.trim() : document.title;
  }
  function markScrollables() {
    var boxes = document.querySelectorAll(".table-responsive, .chart-scroll");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", nameOf(box));
      } else if (box.getAttribute("role") === "group") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollables);
  window.addEventListener("resize", markScrollables);
})();

/* On a phone a table marked .table-stack shows each row as a card, one labelled value a line
   (static/css/admin.css): a cell with nothing to show is marked so that its label is not
   shown alone. */
document.addEventListener("DOMContentLoaded", function () {
  var cells = document.querySelectorAll(".table-stack td[data-label]");
  Array.prototype.forEach.call(cells, function (cell) {
    if (!cell.textContent.trim() && !cell.querySelector("img, svg, input, select, textarea, button")) {
      cell.classList.add("cell-empty");
    }
  });
});
