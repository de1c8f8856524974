/* Bulk actions on the queue page: select rows (or all on the page, or all matching), keep the action bar and the
   merge-target list in step with the selection, and save a view with the filters currently in the address bar.
   Event delegation on the document, so the list re-rendered by htmx needs no re-binding. No inline scripts. */
(function () {
  "use strict";

  function rows(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-bulk-row]"));
  }

  function update(form) {
    if (!form) return;
    var all = rows(form);
    var checked = all.filter(function (box) { return box.checked; });
    form.querySelectorAll("[data-bulk-all]").forEach(function (every) {
      every.checked = all.length > 0 && checked.length === all.length;
      every.indeterminate = checked.length > 0 && checked.length < all.length;
    });
    all.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
    var matching = form.querySelector("[data-bulk-matching]");
    var scope = form.querySelector("[data-bulk-scope]");
    var allOnPage = all.length > 0 && checked.length === all.length;
    if (matching) matching.hidden = !allOnPage;
    if (scope && !allOnPage) scope.checked = false;
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      if (scope && scope.checked) {
        count.textContent = "All matching tickets selected";
      } else {
        count.textContent = checked.length ? checked.length + " selected" : "Select tickets, then:";
      }
    }
    var idle = checked.length === 0;
    form.classList.toggle("is-idle", idle);
    form.querySelectorAll("[data-bulk-bar] button[type=submit]").forEach(function (button) {
      button.disabled = idle;
    });
    if (idle) {
      form.querySelectorAll(".bulk-menu[open]").forEach(function (menu) { menu.removeAttribute("open"); });
    }
    // Merge targets: only the selected tickets (every row when all matching are selected).
    var target = form.querySelector("[data-bulk-merge-target]");
    if (target) {
      var chosen = {};
      checked.forEach(function (box) { chosen[box.value] = true; });
      var firstVisible = null;
      Array.prototype.forEach.call(target.options, function (option) {
        var show = (scope && scope.checked) || chosen[option.value] === true;
        option.hidden = !show;
        option.disabled = !show;
        if (show && firstVisible === null) firstVisible = option;
      });
      if (target.selectedOptions.length && target.selectedOptions[0].disabled && firstVisible) {
        firstVisible.selected = true;
      }
    }
  }

  function updateAll() {
    document.querySelectorAll("[data-bulk-form]").forEach(update);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-bulk-form]");
    if (!form) return;
    if (event.target.matches("[data-bulk-all]")) {
      rows(form).forEach(function (box) { box.checked = event.target.checked; });
    }
    update(form);
  });

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-bulk-dismiss]");
    if (dismiss) {
      var summary = dismiss.closest("[data-bulk-summary]");
      if (summary) summary.remove();
    }
  });

  // A saved view keeps the filters as they are now: htmx may have changed them since the page was rendered.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-saved-view-form]");
    if (!form) return;
    var query = form.querySelector("[data-saved-view-query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  });

  document.addEventListener("htmx:afterSettle", updateAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
})();
