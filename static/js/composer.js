/* The ticket composer's behaviours: canned responses inserted at the cursor, the draft restored after a reload,
   "typing" signals for colleagues on the same ticket, and goodbye when the tab goes away.
   Autosave and the presence poll are htmx attributes in the markup; this file only does what htmx cannot.
   Loaded with defer from templates/tickets/ticket.html; no inline scripts anywhere. */
(function () {
  "use strict";
  if (window.tesseraComposer) return;
  window.tesseraComposer = true;

  var TYPING_EVERY_MS = 2500;
  var lastTyping = 0;

  function composerOf(element) {
    return element && element.closest ? element.closest("form[data-composer]") : null;
  }

  function bodyOf(form) {
    return form.querySelector("[data-composer-body]");
  }

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function kindOf(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "reply";
  }

  function post(url, form, fields, beacon) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf(form));
    Object.keys(fields).forEach(function (key) { data.append(key, fields[key]); });
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon(url, data);
      return;
    }
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf(form) } })
      .catch(function () { /* presence is best effort */ });
  }

  // --- Draft: put the saved draft back into an empty composer (after a reload, a crash, or a swap) -------------
  function restoreDraft(form) {
    var body = bodyOf(form);
    if (!body || body.value.trim() || form.dataset.draftChecked) return;
    form.dataset.draftChecked = "1";
    fetch(form.dataset.draftUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (draft) {
        if (!draft || !draft.body || body.value.trim()) return;
        body.value = draft.body;
        var radio = form.querySelector('input[name=kind][value="' + (draft.kind === "note" ? "note" : "reply") + '"]');
        if (radio) radio.checked = true;
        form.classList.add("composer--restored");
        var note = form.querySelector("[data-draft-note]");
        if (note) note.hidden = false;
      })
      .catch(function () { /* nothing to restore */ });
  }

  function init() {
    document.querySelectorAll("form[data-composer]").forEach(restoreDraft);
  }

  // --- Canned responses -------------------------------------------------------------------------------------------
  function closePicker(picker) {
    if (!picker) return;
    var results = picker.querySelector("[data-canned-results]");
    if (results) results.innerHTML = "";
  }

  function insertCanned(button) {
    var form = composerOf(button);
    var body = form && bodyOf(form);
    if (!body) return;
    var text = button.dataset.cannedText || "";
    var start = typeof body.selectionStart === "number" ? body.selectionStart : body.value.length;
    var end = typeof body.selectionEnd === "number" ? body.selectionEnd : body.value.length;
    body.setRangeText(text, start, end, "end");
    var status = button.dataset.cannedStatus;
    var select = form.querySelector("select[name=status]");
    if (status && select && select.querySelector('option[value="' + status + '"]')) select.value = status;
    var picker = button.closest("[data-canned-picker]");
    var search = picker && picker.querySelector("input[type=search]");
    if (search) search.value = "";
    closePicker(picker);
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
    body.dispatchEvent(new CustomEvent("canned-inserted", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-canned-text]");
    if (choice) {
      event.preventDefault();
      insertCanned(choice);
      return;
    }
    var close = event.target.closest("[data-canned-close]");
    if (close) {
      var picker = close.closest("[data-canned-picker]");
      closePicker(picker);
      var search = picker && picker.querySelector("input[type=search]");
      if (search) search.focus();
      return;
    }
    // A click elsewhere closes an open list.
    document.querySelectorAll("[data-canned-picker]").forEach(function (picker) {
      if (!picker.contains(event.target)) closePicker(picker);
    });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-canned-picker] input[type=search]")) {
      var picker = target.closest("[data-canned-picker]");
      var first = picker.querySelector("[data-canned-text]");
      // Enter picks the first match instead of sending the reply.
      if (event.key === "Enter") {
        event.preventDefault();
        if (first) insertCanned(first);
      } else if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      } else if (event.key === "Escape") {
        closePicker(picker);
      }
      return;
    }
    if (target.matches && target.matches("[data-canned-text]")) {
      var items = Array.prototype.slice.call(target.closest("[data-canned-picker]").querySelectorAll("[data-canned-text]"));
      var index = items.indexOf(target);
      if (event.key === "ArrowDown" && index < items.length - 1) {
        event.preventDefault();
        items[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index > 0) items[index - 1].focus();
        else target.closest("[data-canned-picker]").querySelector("input[type=search]").focus();
      } else if (event.key === "Escape") {
        var owner = target.closest("[data-canned-picker]");
        closePicker(owner);
        owner.querySelector("input[type=search]").focus();
      }
    }
  });

  // --- Typing: tell colleagues on the ticket, at most every few seconds -----------------------------------------
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-composer-body]")) return;
    var form = composerOf(event.target);
    var now = Date.now();
    if (!form || now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    post(form.dataset.presenceUrl, form, { typing: "1", kind: kindOf(form) });
  });

  // --- Leaving: say goodbye so colleagues stop seeing us at once (the cache entry expires anyway) --------------
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("form[data-composer]").forEach(function (form) {
      post(form.dataset.presenceUrl, form, { leave: "1" }, true);
    });
  });

  // --- Presence poll: stop when it no longer answers for this ticket (signed out, ticket gone) ------------------
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-presence]")) return;
    var xhr = event.detail.xhr;
    var answered = xhr.responseURL ? new URL(xhr.responseURL).pathname : "";
    if (xhr.status !== 200 || answered.indexOf("/presence/") === -1) {
      event.detail.shouldSwap = false;
      elt.remove(); // htmx stops polling an element that left the page
    }
  });

  // After htmx swaps the ticket body in (a sent reply, a held one), a fresh composer checks for a draft once.
  document.addEventListener("htmx:afterSettle", init);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
