/* The knowledge base's behaviours, loaded with defer by the KB editor and by the ticket page's KB panel (an htmx
   fragment; the guard below keeps one copy of the listeners). No inline scripts anywhere (CSP).
   - Ticket page: "Insert link" / "Insert text" put an article into the reply composer at the cursor, then tell
     the server, which records it on the ticket.
   - Editor: an image chosen in the editor is uploaded and its Markdown inserted at the cursor. */
(function () {
  "use strict";
  if (window.tesseraKb) return;
  window.tesseraKb = true;

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function insertAtCursor(field, text) {
    var start = field.selectionStart || 0;
    var end = field.selectionEnd || 0;
    var before = field.value.slice(0, start);
    var after = field.value.slice(end);
    var spacer = before && !/\s$/.test(before) ? "\n\n" : "";
    field.value = before + spacer + text + after;
    var caret = (before + spacer + text).length;
    field.focus();
    field.setSelectionRange(caret, caret);
    // The composer's autosave and "typing" signals listen for input.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function composerBody() {
    return document.querySelector("form[data-composer] [data-composer-body]") ||
      document.querySelector("form[data-composer] textarea");
  }

  function insertArticle(button) {
    var body = composerBody();
    if (!body) return;
    var item = button.closest(".kb-agent-item");
    var list = button.closest("[data-kb-link-url]");
    var kind = button.dataset.kbInsert;
    var text;
    if (kind === "link") {
      text = button.dataset.title + ": " + button.dataset.url;
    } else {
      var template = item.querySelector("template[data-kb-text]");
      text = template ? template.content.textContent.trim() : "";
    }
    insertAtCursor(body, text);
    var data = new FormData();
    data.append("article", button.dataset.article);
    data.append("as", kind);
    fetch(list.dataset.kbLinkUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
    }).then(function (response) {
      if (response.ok) {
        button.textContent = kind === "link" ? "Link inserted" : "Text inserted";
        button.disabled = true;
      }
    }).catch(function () { /* the text is in the reply; only the record failed */ });
  }

  function uploadImage(input) {
    var file = input.files && input.files[0];
    if (!file) return;
    var status = document.querySelector("[data-kb-upload-status]");
    var source = input.closest("form").querySelector("textarea[name=body_markdown]");
    var data = new FormData();
    data.append("image", file);
    if (input.dataset.article) data.append("article", input.dataset.article);
    if (status) status.textContent = "Uploading…";
    fetch(input.dataset.url, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (answer.markdown) {
        insertAtCursor(source, answer.markdown);
        if (status) status.textContent = "Image added.";
      } else if (status) {
        status.textContent = answer.error || "The image could not be uploaded.";
      }
      input.value = "";
    }).catch(function () {
      if (status) status.textContent = "The image could not be uploaded.";
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-kb-insert]");
    if (button) {
      event.preventDefault();
      insertArticle(button);
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-kb-image-upload]")) uploadImage(event.target);
  });
})();
