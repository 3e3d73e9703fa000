/*
 * MedRef admin: keep the markdown editor's live preview working under a strict CSP.
 *
 * markdownx binds its editors once, on page load. Django clones new inline rows ("Add another
 * section") from a template row that was already bound, so the clone would carry the "bound"
 * mark without any listeners. Unmark the new row's editors and load markdownx again: it binds
 * only unmarked editors. Files dropped or pasted into an editor are refused here, because
 * MedRef exposes no upload endpoint.
 */
(function () {
  "use strict";

  function markdownxScript() {
    return document.querySelector('script[src*="markdownx/js/markdownx"]');
  }

  document.addEventListener("formset:added", function (event) {
    var editors = event.target.querySelectorAll(".markdownx-editor[data-markdownx-init]");
    var original = markdownxScript();
    if (!editors.length || !original) {
      return;
    }
    editors.forEach(function (editor) {
      editor.removeAttribute("data-markdownx-init");
    });
    var script = document.createElement("script");
    script.src = original.src;
    document.head.appendChild(script);
  });

  function refuseFiles(event) {
    var transfer = event.dataTransfer || event.clipboardData;
    if (transfer && transfer.files && transfer.files.length &&
        event.target.closest && event.target.closest(".markdownx")) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  document.addEventListener("drop", refuseFiles, true);
  document.addEventListener("paste", refuseFiles, true);
})();
