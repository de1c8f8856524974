// Custom fields limited to some categories (data-categories="<ids>") show only while one of those is chosen
// in the form's category select; without JavaScript every field shows and the server decides what is required.
(function () {
  "use strict";
  function update(form) {
    var select = form.querySelector('select[name="category"]');
    var chosen = select ? select.value : "";
    form.querySelectorAll("[data-categories]").forEach(function (input) {
      var wrapper = input.closest(".field") || input.parentElement;
      var ids = input.getAttribute("data-categories").split(" ");
      wrapper.hidden = ids.indexOf(chosen) === -1;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-categories]")) return;
      var select = form.querySelector('select[name="category"]');
      if (select) select.addEventListener("change", function () { update(form); });
      update(form);
    });
  });
})();
