/* Copy buttons: <button data-copy="#input-id" data-copied-label="Copied"> copies the input's value.
   Loaded with defer by the pages that have one; without JavaScript the value stays selectable. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var label = button.textContent;
    function done() {
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }
    source.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
