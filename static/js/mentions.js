// @mention suggestions in the composer: typing "@" and a few letters lists matching colleagues (rendered into
// the page as [data-mention-list]); Enter, Tab or a click inserts the handle. Works on the ticket page only.
(function () {
  "use strict";

  function tokenBeforeCaret(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = /(^|[\s(])@([\w.+-]*)$/.exec(before);
    return match ? { query: match[2].toLowerCase(), start: textarea.selectionStart - match[2].length - 1 } : null;
  }

  function setup(form) {
    var textarea = form.querySelector("textarea");
    var list = form.querySelector("[data-mention-list]");
    if (!textarea || !list || form.dataset.mentionsReady) return;
    form.dataset.mentionsReady = "1";
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    var active = -1;

    function visible() { return items.filter(function (li) { return !li.hidden; }); }
    function close() { list.hidden = true; active = -1; items.forEach(function (li) { li.classList.remove("is-active"); }); }
    function highlight(index) {
      var shown = visible();
      shown.forEach(function (li, i) { li.classList.toggle("is-active", i === index); li.setAttribute("aria-selected", i === index); });
      active = index;
    }
    function insert(li) {
      var token = tokenBeforeCaret(textarea);
      if (!token) return close();
      var handle = "@" + li.dataset.handle + " ";
      var caret = textarea.selectionStart;
      textarea.value = textarea.value.slice(0, token.start) + handle + textarea.value.slice(caret);
      var position = token.start + handle.length;
      textarea.setSelectionRange(position, position);
      textarea.focus();
      close();
      textarea.dispatchEvent(new Event("keyup", { bubbles: true }));  // let the draft autosave see it
    }

    textarea.addEventListener("input", function () {
      var token = tokenBeforeCaret(textarea);
      if (!token) return close();
      var any = false;
      items.forEach(function (li) {
        var match = li.dataset.handle.toLowerCase().indexOf(token.query) === 0 ||
          li.dataset.name.toLowerCase().indexOf(token.query) !== -1;
        li.hidden = !match;
        any = any || match;
      });
      list.hidden = !any;
      if (any) highlight(0);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      var shown = visible();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + shown.length) % shown.length);
      } else if ((event.key === "Enter" || event.key === "Tab") && shown[active]) {
        event.preventDefault();
        insert(shown[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    list.addEventListener("mousedown", function (event) {
      var li = event.target.closest("li");
      if (li) { event.preventDefault(); insert(li); }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function setupAll() { document.querySelectorAll("form.composer").forEach(setup); }
  document.addEventListener("DOMContentLoaded", setupAll);
  document.addEventListener("htmx:afterSettle", setupAll);
})();
