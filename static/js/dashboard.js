/* The dashboard's live panels (templates/reporting/dashboard.html): htmx asks each panel for itself every 30 s;
   this pauses that while the tab is hidden (no request at all), refreshes every panel at once when the tab comes
   back, and skips a refresh while someone is choosing in the panel (a reassign menu would lose its choice).
   A static file: the Content-Security-Policy forbids inline scripts, and htmx's trigger filters need eval. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-live-panel")) return; // forms inside panels go on
    var active = document.activeElement;
    var choosing = active && elt.contains(active) && active.matches("select, input, textarea");
    if (document.visibilityState !== "visible" || choosing) event.preventDefault();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && window.htmx) window.htmx.trigger(document.body, "dashboard-refresh");
  });
})();
