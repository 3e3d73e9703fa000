// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Print the FAQ answers too, then put the accordion back as the reader left it.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) {
      details.open = false;
    });
    opened = [];
  });
  // A print button where the page asks for one (a script-free page shows nothing there).
  document.querySelectorAll("[data-print-button]").forEach(function (slot) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "print-button";
    button.textContent = "Print this page";
    button.addEventListener("click", function () {
      window.print();
    });
    slot.appendChild(button);
    slot.hidden = false;
  });
})();
