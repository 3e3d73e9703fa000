/*
 * MedRef admin: the section and FAQ rows of a monograph's form.
 *
 * The author's order: each row gets "Move up" and "Move down" buttons. Moving a row moves it
 * on the page and renumbers every row's position field in the new order, so saving records the
 * order as an edit like any other. A row added with "Add another" goes at the end.
 *
 * A form that fits a screen: each saved row can be folded to one line (kind, heading and the
 * start of its text). With more than a few rows they start folded, except rows with errors.
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

  function setPosition(row, value) {
    var input = positionInput(row);
    if (input && input.value !== String(value)) {
      input.value = String(value);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function renumber(group) {
    rows(group).forEach(setPosition);
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
    // Swap the two rows' numbers, so only they are saved (and lock-checked) as changed; rows
    // numbered alike (older data) are all numbered afresh instead.
    var mine = positionInput(row).value;
    var theirs = positionInput(target).value;
    if (mine !== theirs && mine !== "" && theirs !== "") {
      setPosition(row, theirs);
      setPosition(target, mine);
      label(group);
    } else {
      renumber(group);
    }
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

  var FOLD_WHEN_MORE_THAN = 3;

  function summary(row) {
    var kind = row.querySelector('select[name$="-kind"]');
    var heading = row.querySelector('input[name$="-heading"], input[name$="-question"]');
    var text = row.querySelector('textarea[name$="-body"], textarea[name$="-answer"]');
    var parts = [];
    if (kind) {
      parts.push(kind.options[kind.selectedIndex] ? kind.options[kind.selectedIndex].text : "");
    }
    if (heading && heading.value.trim()) {
      parts.push(heading.value.trim());
    }
    var excerpt = text ? text.value.replace(/\s+/g, " ").trim() : "";
    if (excerpt.length > 90) {
      excerpt = excerpt.slice(0, 89) + "…";
    }
    return { title: parts.join(": "), excerpt: excerpt };
  }

  function setFolded(row, folded) {
    var toggle = row.querySelector(".medref-fold");
    var line = row.querySelector(".medref-fold-summary");
    Array.prototype.forEach.call(row.children, function (child) {
      if (child.tagName === "FIELDSET") {
        child.hidden = folded;
      }
    });
    if (folded) {
      var parts = summary(row);
      line.textContent = parts.title + (parts.excerpt ? " — " + parts.excerpt : "");
    }
    line.hidden = !folded;
    toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    toggle.textContent = folded ? "Show" : "Fold";
  }

  function addFold(row, folded) {
    if (row.querySelector(".medref-fold") || !row.querySelector("fieldset")) {
      return;
    }
    var tools = row.querySelector(".medref-order");
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button medref-fold";
    var line = document.createElement("p");
    line.className = "medref-fold-summary";
    toggle.addEventListener("click", function () {
      setFolded(row, toggle.getAttribute("aria-expanded") === "true");
    });
    tools.appendChild(toggle);
    tools.parentNode.insertBefore(line, tools.nextSibling);
    setFolded(row, folded);
  }

  function start() {
    GROUPS.forEach(function (spec) {
      var group = document.getElementById(spec.id);
      if (!group) {
        return;
      }
      group.setAttribute("data-medref-noun", spec.noun);
      var all = rows(group);
      all.forEach(function (row) {
        addButtons(group, row);
        var hasErrors = row.querySelector(".errorlist, .errors") !== null;
        addFold(row, all.length > FOLD_WHEN_MORE_THAN && !hasErrors);
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
    addFold(event.target, false);
    // Last, after the highest number given so far; the other rows keep theirs.
    var highest = -1;
    rows(group).forEach(function (row) {
      var value = parseInt(positionInput(row).value, 10);
      if (row !== event.target && !isNaN(value) && value > highest) {
        highest = value;
      }
    });
    setPosition(event.target, highest + 1);
    label(group);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
