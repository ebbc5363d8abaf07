/* The "Print" button of the confirmation page; hidden without JavaScript, where the
   browser's own print command works with the same print stylesheet. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
}());
