/*
 * MedRef admin: the author's order of sections and FAQ items.
 *
 * Each inline row gets "Move up" and "Move down" buttons. Moving a row moves it on the page and
 * renumbers every row's position field in the new order, so saving records the order as an
 * edit like any other. A row added with "Add another" goes at the end.
 */
(function () {
  "use strict";

  var GROUPS = [
    { id: "sections-group", noun: "section" },
    { id: "faqs-group", noun: "question" },
  ];

  function rows(group) {
    return Array.prototype.filter.call(
      group.querySelectorAll(".inline-related"),
      function (row) {
        return !row.classList.contains("empty-form") && row.id.indexOf("__prefix__") === -1 &&
          !/-empty$/.test(row.id);
      }
    );
  }

  function positionInput(row) {
    return row.querySelector('input[name$="-position"]');
  }

  function renumber(group) {
    rows(group).forEach(function (row, index) {
      var input = positionInput(row);
      if (input && input.value !== String(index)) {
        input.value = String(index);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    label(group);
  }

  function label(group) {
    var all = rows(group);
    all.forEach(function (row, index) {
      var up = row.querySelector(".medref-move-up");
      var down = row.querySelector(".medref-move-down");
      if (!up || !down) {
        return;
      }
      var noun = group.getAttribute("data-medref-noun");
      up.setAttribute("aria-label", "Move " + noun + " " + (index + 1) + " up");
      down.setAttribute("aria-label", "Move " + noun + " " + (index + 1) + " down");
      up.disabled = index === 0;
      down.disabled = index === all.length - 1;
    });
  }

  function move(group, row, step) {
    var all = rows(group);
    var index = all.indexOf(row);
    var target = all[index + step];
    if (!target) {
      return;
    }
    if (step < 0) {
      target.parentNode.insertBefore(row, target);
    } else {
      target.parentNode.insertBefore(row, target.nextSibling);
    }
    renumber(group);
    var button = row.querySelector(step < 0 ? ".medref-move-up" : ".medref-move-down");
    if (button.disabled) {
      button = row.querySelector(step < 0 ? ".medref-move-down" : ".medref-move-up");
    }
    button.focus();
  }

  function addButtons(group, row) {
    if (row.querySelector(".medref-order") || !positionInput(row)) {
      return;
    }
    var tools = document.createElement("div");
    tools.className = "medref-order";
    [["medref-move-up", "Move up", -1], ["medref-move-down", "Move down", 1]].forEach(
      function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button " + spec[0];
        button.textContent = spec[1];
        button.addEventListener("click", function () {
          move(group, row, spec[2]);
        });
        tools.appendChild(button);
      }
    );
    var heading = row.querySelector("h3") || row.firstElementChild;
    heading.parentNode.insertBefore(tools, heading.nextSibling);
  }

  function start() {
    GROUPS.forEach(function (spec) {
      var group = document.getElementById(spec.id);
      if (!group) {
        return;
      }
      group.setAttribute("data-medref-noun", spec.noun);
      rows(group).forEach(function (row) {
        addButtons(group, row);
      });
      label(group);
    });
  }

  document.addEventListener("formset:added", function (event) {
    var group = event.target.closest(".inline-group");
    if (!group || !group.hasAttribute("data-medref-noun")) {
      return;
    }
    addButtons(group, event.target);
    renumber(group);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
