/* The report form, improved when JavaScript runs (it works without):
   - an extra question that applies only after a given answer is hidden until then;
   - the error summary gets the focus, so screen readers read it first. */
(function () {
  "use strict";

  function answered(form, name, value) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked && input.value === value
          : input.value === value) {
        return true;
      }
    }
    return false;
  }

  function update(form) {
    form.querySelectorAll("[data-show-if-key]").forEach(function (question) {
      var show = answered(form, question.getAttribute("data-show-if-key"),
                          question.getAttribute("data-show-if-value"));
      question.hidden = !show;
      var note = question.querySelector(".condition-note");
      if (note) { note.hidden = true; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.report-form");
    if (form && form.querySelector("[data-show-if-key]")) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    }
    var summary = document.getElementById("error-summary") || document.getElementById("notice");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
      summary.focus();
    }
  });
}());
