// Progressive enhancement only: every page works without this file.
// 1. The authorization checklist updates as the form is filled in.
// 2. A "Print" button prints (inline handlers are forbidden by the CSP).
// 3. Each table cell carries its column's name, shown above it when a phone
//    stacks the table's rows.
(function () {
  "use strict";
  function checked(form, name) { return form.querySelectorAll('input[name="' + name + '"]:checked').length > 0; }
  function value(form, name) { var el = form.elements[name]; return el && el.value.trim() !== ""; }
  function refresh(form, list) {
    var state = {
      description: checked(form, "categories"),
      recipient: value(form, "recipient_kind"),
      purpose: checked(form, "purposes"),
      expiration: value(form, "expires_on") || value(form, "expiry_event"),
      signature: value(form, "signed_by"),
      date: value(form, "signed_on"),
      right_to_revoke: checked(form, "right_to_revoke"),
      no_conditioning: checked(form, "no_conditioning"),
      redisclosure: checked(form, "redisclosure")
    };
    list.querySelectorAll("li[data-check]").forEach(function (li) {
      var ok = state[li.getAttribute("data-check")];
      li.className = ok ? "present" : "missing";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("auth-form");
    var list = document.getElementById("checklist");
    if (form && list) {
      form.addEventListener("input", function () { refresh(form, list); });
      form.addEventListener("change", function () { refresh(form, list); });
    }
    document.querySelectorAll("main table").forEach(function (table) {
      var names = [];
      table.querySelectorAll("thead th").forEach(function (th) { names.push(th.textContent.trim()); });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (names[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", names[i]); }
        });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
