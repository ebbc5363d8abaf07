/* The region list's search narrows the list as one types; without JavaScript the same
   search is done by the server when "Find" is pressed (?q=). */
(function () {
  "use strict";
  function narrow(form, list, status) {
    var text = form.querySelector("input[name=q]").value.trim().toLowerCase();
    var items = list.querySelectorAll("li[data-names]");
    var found = 0;
    items.forEach(function (item) {
      var match = item.getAttribute("data-names").indexOf(text) !== -1;
      item.hidden = !match;
      if (match) { found++; }
    });
    if (!found) { items.forEach(function (item) { item.hidden = false; }); }
    list.querySelectorAll(".region-list").forEach(function (group) {
      var shown = group.querySelector("li:not([hidden])") !== null;
      group.hidden = !shown;
      group.previousElementSibling.hidden = !shown;
    });
    status.textContent = text && !found ? form.getAttribute("data-nothing").replace("{text}", text) : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-region-search]");
    if (!form) { return; }
    var list = form.parentNode;
    var status = document.getElementById("region-q-status");
    form.querySelector("input[name=q]").addEventListener("input", function () { narrow(form, list, status); });
  });
}());
