/*
 * MedRef editorial, every admin page: give the autocomplete widgets' search boxes (select2, as
 * used by the admin's autocomplete fields) the label select2 leaves out, so screen readers
 * announce what they search.
 */
(function () {
  "use strict";

  function label(root) {
    root.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (field) {
      var container = field.closest(".select2-container");
      var select = container && container.previousElementSibling;
      var labelElement = select && select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
      var name = labelElement ? labelElement.textContent.replace(/:$/, "").trim() : "options";
      field.setAttribute("aria-label", "Search " + name.toLowerCase());
    });
  }

  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          label(node.parentNode || node);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  document.addEventListener("DOMContentLoaded", function () {
    label(document);
  });
})();
