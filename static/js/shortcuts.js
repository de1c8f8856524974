/* Keyboard shortcuts of the desk (listed in templates/includes/shortcuts.html, opened with "?").
   Queue pages: j / k move a highlight over the ticket rows, Enter or o opens the highlighted ticket, / searches.
   Ticket page: r public reply, n internal note, c claim, e resolve.
   Never while typing in a field, never with Ctrl, Alt or Meta. Elements are looked up at each key press, because
   htmx swaps the list and the ticket body in place. Loaded with defer from layouts/staff.html. */
(function () {
  "use strict";

  var CURRENT = "is-kbd-current";

  function isTyping(target) {
    if (!target || target === document.body) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function helpDialog() {
    return document.querySelector("[data-shortcuts-help]");
  }

  function toggleHelp(open) {
    var dialog = helpDialog();
    if (!dialog) return;
    var show = open === undefined ? !dialog.open : open;
    if (show && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!show && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }

  // --- Queue pages ---------------------------------------------------------------------------------------------

  function ticketRows() {
    return Array.prototype.filter.call(document.querySelectorAll(".tickets-table tbody tr"), rowLink);
  }

  function rowLink(row) {
    return row.querySelector("a.tickets-table__link") || row.querySelector("a[href]");
  }

  function moveHighlight(step) {
    var rows = ticketRows();
    if (!rows.length) return false;
    var index = rows.findIndex(function (row) { return row.classList.contains(CURRENT); });
    var next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), rows.length - 1);
    rows.forEach(function (row) { row.classList.remove(CURRENT); });
    rows[next].classList.add(CURRENT);
    rows[next].scrollIntoView({ block: "nearest" });
    // Focus follows the highlight, so screen readers announce the ticket and Tab continues from it.
    rowLink(rows[next]).focus({ preventScroll: true });
    return true;
  }

  function openHighlighted() {
    var row = document.querySelector(".tickets-table tbody tr." + CURRENT);
    if (!row) return false;
    rowLink(row).click();
    return true;
  }

  function focusSearch() {
    var search = document.querySelector("form[role=search] input[name=q], input[type=search]");
    if (!search) return false;
    search.focus();
    search.select();
    return true;
  }

  // --- Ticket page ---------------------------------------------------------------------------------------------

  function compose(kind) {
    var composer = document.querySelector("form.composer");
    if (!composer) return false;
    var choice = composer.querySelector("input[name=kind][value=" + kind + "]");
    if (choice && !choice.checked) choice.click();
    var body = composer.querySelector("textarea[name=body]") || composer.querySelector("textarea");
    if (!body) return false;
    body.focus();
    return true;
  }

  function claim() {
    var button = document.querySelector("form[action$='/claim/'] button[type=submit]:not([disabled])");
    if (!button) return false;
    button.click();
    return true;
  }

  function resolve() {
    var form = document.querySelector("form[action$='/update/']");
    var select = form && form.querySelector("select[name=status]");
    if (!select || select.value === "resolved") return false;
    var option = select.querySelector("option[value=resolved]:not([disabled])");
    if (!option) return false;
    select.value = "resolved";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
    return true;
  }

  // --- Keys ----------------------------------------------------------------------------------------------------

  var ACTIONS = {
    j: function () { return moveHighlight(1); },
    k: function () { return moveHighlight(-1); },
    o: openHighlighted,
    Enter: openHighlighted,
    "/": focusSearch,
    r: function () { return compose("reply"); },
    n: function () { return compose("note"); },
    c: claim,
    e: resolve,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target;
    var dialog = helpDialog();
    if (event.key === "Escape" && isTyping(target) && !(dialog && dialog.open)) {
      target.blur();  // leave the field, so the shortcuts work again
      return;
    }
    if (isTyping(target)) return;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (dialog && dialog.open) return;
    // Enter on a focused link or button already does what it says.
    if (event.key === "Enter" && target.closest && target.closest("a, button, summary")) return;
    var action = Object.prototype.hasOwnProperty.call(ACTIONS, event.key) ? ACTIONS[event.key] : null;
    if (action && action()) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) {
      var menu = event.target.closest("details");
      if (menu) menu.removeAttribute("open");
      toggleHelp(true);
    } else if (event.target.closest("[data-shortcuts-close]") || event.target === helpDialog()) {
      toggleHelp(false);  // the close button, or a click on the backdrop around the dialog
    }
  });

  // A new page of rows (htmx) starts without a highlight.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "results") {
      document.querySelectorAll("." + CURRENT).forEach(function (row) { row.classList.remove(CURRENT); });
    }
  });
})();
