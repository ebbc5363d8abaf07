/* The half-year report's own words are saved as they are typed (admin/half_year_reports.py):
   two seconds after the last key, the form is sent in the background and the status line
   says when it was saved. Each change is also kept in this browser (localStorage) until
   the server has it, so a closed tab, a lost connection or an expired session loses
   nothing: the next time the page opens, text newer than the server's copy is put back and
   saved. Without JavaScript the "Save" button does the same. */
(function () {
  "use strict";
  var DELAY = 2000;

  function values(fields) {
    var kept = {};
    fields.forEach(function (field) { kept[field.name] = field.value; });
    return kept;
  }

  function init(form) {
    var key = form.getAttribute("data-autosave-key");
    var status = document.getElementById(form.getAttribute("data-status"));
    var fields = Array.prototype.slice.call(form.querySelectorAll("textarea"));
    var timer = null;

    function keep() {
      try { localStorage.setItem(key, JSON.stringify({at: Date.now(), values: values(fields)})); } catch (e) { /* full or off */ }
    }
    function save() {
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"X-Autosave": "1"}})
        .then(function (response) {
          return response.json().then(function (body) {
            status.textContent = body.message;
            if (response.ok) { try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ } }
          });
        })
        .catch(function () { status.textContent = form.getAttribute("data-not-saved"); });
    }
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, DELAY);
    }

    try {
      var kept = JSON.parse(localStorage.getItem(key) || "null");
      if (kept && kept.at > Number(form.getAttribute("data-saved-at") || 0)) {
        fields.forEach(function (field) {
          if (Object.prototype.hasOwnProperty.call(kept.values, field.name)) { field.value = kept.values[field.name]; }
        });
        status.textContent = form.getAttribute("data-restored");
        schedule();
      }
    } catch (e) { /* nothing kept */ }
    form.addEventListener("input", function () { keep(); schedule(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave-key]").forEach(init);
  });
}());
