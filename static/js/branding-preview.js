// Settings → Branding: show the portal's header and buttons with the name and colour being typed, before
// they are saved. The page works without it; the preview only follows the form.
(function () {
  "use strict";

  function start() {
    var preview = document.querySelector("[data-branding-preview]");
    if (!preview) return;
    var name = document.getElementById("id_display_name");
    var colour = document.getElementById("id_accent_colour");
    var logo = document.getElementById("id_logo");
    var fallback = preview.getAttribute("data-tenant-name") || "";

    function showName() {
      var text = (name && name.value.trim()) || fallback;
      preview.querySelectorAll("[data-preview-name]").forEach(function (node) {
        node.textContent = text;
      });
    }

    function showColour() {
      if (colour && /^#[0-9a-fA-F]{6}$/.test(colour.value)) {
        preview.style.setProperty("--accent", colour.value);
      }
    }

    function showLogo() {
      var note = preview.querySelector("[data-preview-logo]");
      if (!note || !logo) return;
      var file = logo.files && logo.files[0];
      // The page's content security policy shows images from this site only: a new logo appears once saved.
      note.hidden = !file;
      note.textContent = file ? "New logo “" + file.name + "” appears here once you save." : "";
    }

    if (name) name.addEventListener("input", showName);
    if (colour) colour.addEventListener("input", showColour);
    if (logo) logo.addEventListener("change", showLogo);
    showName();
    showColour();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
