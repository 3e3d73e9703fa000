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

// Search suggestions: every site search box becomes a WAI-ARIA 1.2 combobox with a listbox
// popup. Without this script it is the plain search form. Suggestions arrive as JSON and are
// put into the page as text nodes only.
(function () {
  "use strict";
  var MIN_CHARS = 2;
  var DELAY_MS = 120;
  var serial = 0;

  function enhance(input) {
    var form = input.form;
    var id = input.id || "search-q-" + (serial += 1);
    input.id = id;
    var listbox = document.createElement("ul");
    listbox.id = id + "-suggestions";
    listbox.className = "suggestions";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Suggested drugs");
    listbox.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.classList.add("has-suggestions");
    form.appendChild(listbox);
    form.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    var endpoint = new URL("suggest/", new URL(form.getAttribute("action"), window.location.href));
    var answers = new Map();
    var options = [];
    var active = -1;
    var timer = 0;
    var pending = null;

    function setActive(index) {
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
      }
      active = index;
      if (active >= 0) {
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      setActive(-1);
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function open() {
      if (options.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function announce(count) {
      status.textContent = count
        ? count + (count === 1 ? " suggestion" : " suggestions") +
          " available. Use the up and down arrow keys to choose, Enter to open."
        : "No suggestions.";
    }

    function show(suggestions) {
      listbox.replaceChildren();
      options = suggestions.map(function (suggestion, index) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = suggestion.url;
        option.appendChild(document.createTextNode(suggestion.name));
        if (suggestion.matched) {
          var matched = document.createElement("span");
          matched.className = "suggestion-matched";
          matched.appendChild(document.createTextNode(suggestion.matched));
          option.appendChild(document.createTextNode(" "));
          option.appendChild(matched);
        }
        return option;
      });
      options.forEach(function (option) {
        listbox.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      announce(options.length);
      if (options.length) {
        open();
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < MIN_CHARS) {
        show([]);
        status.textContent = "";
        return;
      }
      if (answers.has(text)) {
        show(answers.get(text));
        return;
      }
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      endpoint.searchParams.set("q", text);
      fetch(endpoint, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (answer) {
          answers.set(text, answer.suggestions);
          if (input.value.trim() === text) {
            show(answer.suggestions);
          }
        })
        .catch(function () {
          // Aborted by a newer keystroke, or offline: the plain search still works.
        });
    }

    function go(option) {
      window.location.assign(option.dataset.url);
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var expanded = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) {
          return;
        }
        event.preventDefault();
        if (!expanded) {
          open();
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= options.length) {
          next = 0;
        } else if (next < 0) {
          next = options.length - 1;
        }
        setActive(next);
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) {
          event.preventDefault();
          go(options[active]);
        }
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          show([]);
          status.textContent = "";
        }
      }
    });
    input.addEventListener("blur", function () {
      close();
    });
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box
    });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        go(option);
      }
    });
  }

  document
    .querySelectorAll('form[role="search"][action] input[name="q"]')
    .forEach(enhance);
})();
