/* Tessera's small behaviours: dismissable notices, the phone navigation drawer, closing open menus, the queue
   page's views row on phones.
   Loaded with defer from layouts/base.html; no inline scripts or handlers anywhere (the Content-Security-Policy
   forbids them). */
(function () {
  "use strict";

  function setNav(app, open) {
    app.classList.toggle("nav-open", open);
    app.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    if (open) {
      var first = app.querySelector(".sidebar a, .sidebar button");
      if (first) first.focus();
    }
  }

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var notice = dismiss.closest("[data-notice]");
      if (notice) notice.remove();
      return;
    }
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var app = toggle.closest("[data-app]");
      if (app) setNav(app, !app.classList.contains("nav-open"));
      return;
    }
    var close = event.target.closest("[data-nav-close]");
    if (close) {
      var shell = close.closest("[data-app]");
      if (shell) {
        setNav(shell, false);
        var opener = shell.querySelector(".topbar [data-nav-toggle]");
        if (opener) opener.focus();
      }
      return;
    }
    closeMenus(event.target.closest("details.menu"));
  });

  // Forms that ask before they act (data-confirm="question"), and read-only fields selected on focus (a secret
  // to copy): handlers live here, never in the markup, which the Content-Security-Policy forbids.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var openApp = document.querySelector("[data-app].nav-open");
    if (openApp) {
      setNav(openApp, false);
      var opener = openApp.querySelector(".topbar [data-nav-toggle]");
      if (opener) opener.focus();
    }
    var openMenu = document.querySelector("details.menu[open]");
    if (openMenu) {
      openMenu.removeAttribute("open");
      openMenu.querySelector("summary").focus();
    }
  });
})();
