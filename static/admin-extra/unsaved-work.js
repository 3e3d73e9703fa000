/*
 * MedRef admin: no typed text is lost on a monograph's form.
 *
 * - Leaving the page with unsaved edits asks first (the browser's own "leave site?" prompt).
 * - A form marked `data-requires-saved-form` (the workflow panel's submit and withdraw) acts on
 *   the saved copy, so while the monograph's form has unsaved edits it is stopped, with a
 *   message saying how to keep them ("Save and submit for review" saves and submits in one go).
 * - Every edit is kept in this browser (localStorage, per monograph and version) until a save
 *   succeeds; after a crash, a closed tab or a refused save the form offers it back.
 */
(function () {
  "use strict";

  // The admin loads this in <head>: start once the form and the messages exist.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
    var form = document.getElementById("drug_form");
    var PENDING = "medref:draft-pending";
    var storage = (function () {
      try {
        var probe = "medref:probe";
        window.localStorage.setItem(probe, probe);
        window.localStorage.removeItem(probe);
        return window.localStorage;
      } catch (error) {
        return null;
      }
    })();

    // A save was posted from the previous page: if this page reports success, its draft is safe.
    if (storage) {
      var pending = storage.getItem(PENDING);
      if (pending) {
        storage.removeItem(PENDING);
        var saved = document.querySelector(".messagelist .success");
        var refused = document.querySelector(".errornote, .errorlist");
        if (saved && !refused) {
          storage.removeItem(pending);
        }
      }
    }

    if (!form) {
      return;
    }

    var match = window.location.pathname.match(/\/(\d+)\/change\/$/);
    var drugKey = match ? match[1] : "new";
    var versionInput = form.querySelector('input[name="lock_version"]');
    var version = versionInput ? versionInput.value : "0";
    var prefix = "medref:draft:drug:" + drugKey + ":";
    var draftKey = prefix + version;

    function fields() {
      return Array.prototype.filter.call(form.elements, function (element) {
        if (!element.name || element.disabled || element.name === "csrfmiddlewaretoken") {
          return false;
        }
        if (element.name.indexOf("__prefix__") !== -1) {
          return false;
        }
        return !/^(submit|button|reset|file|image)$/.test(element.type);
      });
    }

    function valueOf(element) {
      if (element.type === "checkbox" || element.type === "radio") {
        return element.checked;
      }
      if (element.multiple) {
        return Array.prototype.filter.call(element.options, function (option) {
          return option.selected;
        }).map(function (option) {
          return option.value;
        });
      }
      return element.value;
    }

    function snapshot() {
      var values = {};
      fields().forEach(function (element) {
        var key = element.type === "radio" ? element.name + "=" + element.value : element.name;
        values[key] = valueOf(element);
      });
      return values;
    }

    function same(a, b) {
      return JSON.stringify(a) === JSON.stringify(b);
    }

    var initial = snapshot();
    var submitting = false;
    // A form the server sent back (invalid, or refused as stale) holds text that is not saved.
    var sentBack = document.querySelector(".errornote, .errorlist") !== null;

    function isDirty() {
      return sentBack || !same(snapshot(), initial);
    }

    // Keep the draft while typing.
    var timer = null;
    function keepDraft() {
      if (!storage || submitting) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (isDirty()) {
          try {
            storage.setItem(
              draftKey,
              JSON.stringify({ savedAt: new Date().toISOString(), values: snapshot() })
            );
          } catch (error) {
            // A full storage only loses the browser copy; the page still guards on leaving.
          }
        } else {
          storage.removeItem(draftKey);
        }
      }, 400);
    }
    form.addEventListener("input", keepDraft);
    form.addEventListener("change", keepDraft);

    form.addEventListener("submit", function () {
      submitting = true;
      window.clearTimeout(timer);
      if (storage && isDirty()) {
        try {
          storage.setItem(
            draftKey,
            JSON.stringify({ savedAt: new Date().toISOString(), values: snapshot() })
          );
          storage.setItem(PENDING, draftKey);
        } catch (error) {
          // As above.
        }
      }
    });

    window.addEventListener("beforeunload", function (event) {
      if (!submitting && isDirty()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    // Moves that act on the saved copy wait until the typed text is saved.
    document.querySelectorAll("form[data-requires-saved-form]").forEach(function (other) {
      other.addEventListener("submit", function (event) {
        if (!isDirty()) {
          submitting = true;
          return;
        }
        event.preventDefault();
        var old = other.querySelector(".medref-unsaved");
        if (old) {
          old.remove();
        }
        var note = document.createElement("p");
        note.className = "medref-unsaved";
        note.setAttribute("role", "alert");
        note.textContent =
          "This monograph has unsaved changes in the form below. Nothing was sent: save them " +
          "first, or use “Save and submit for review” to save and submit them together.";
        other.insertBefore(note, other.firstChild);
      });
    });

    // Offer back what was typed and not saved.
    function restore(values) {
      fields().forEach(function (element) {
        var key = element.type === "radio" ? element.name + "=" + element.value : element.name;
        if (!Object.prototype.hasOwnProperty.call(values, key)) {
          return;
        }
        var value = values[key];
        if (element.type === "checkbox" || element.type === "radio") {
          element.checked = Boolean(value);
        } else if (element.multiple) {
          Array.prototype.forEach.call(element.options, function (option) {
            option.selected = value.indexOf(option.value) !== -1;
          });
        } else {
          element.value = value;
        }
        element.dispatchEvent(new Event("input", { bubbles: true }));
        element.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    function offer(key, draft) {
      var banner = document.createElement("div");
      banner.className = "medref-draft-offer";
      banner.setAttribute("role", "region");
      banner.setAttribute("aria-label", "Unsaved draft");
      var text = document.createElement("p");
      var when = new Date(draft.savedAt);
      var older = key !== draftKey;
      text.textContent =
        "This browser kept edits you made on " + when.toLocaleString() + " that were never " +
        "saved" + (older ? ", on an earlier version: someone has saved this monograph since, so " +
        "check their changes in the history before saving." : ".");
      var restoreButton = document.createElement("button");
      restoreButton.type = "button";
      restoreButton.className = "button";
      restoreButton.textContent = "Restore my unsaved edits";
      var discardButton = document.createElement("button");
      discardButton.type = "button";
      discardButton.className = "button";
      discardButton.textContent = "Discard them";
      restoreButton.addEventListener("click", function () {
        restore(draft.values);
        if (older) {
          storage.removeItem(key);
        }
        keepDraft();
        banner.remove();
      });
      discardButton.addEventListener("click", function () {
        storage.removeItem(key);
        banner.remove();
      });
      banner.appendChild(text);
      banner.appendChild(restoreButton);
      banner.appendChild(discardButton);
      form.parentNode.insertBefore(banner, form);
    }

    if (storage) {
      var offered = null;
      for (var index = 0; index < storage.length; index += 1) {
        var key = storage.key(index);
        if (key && key.indexOf(prefix) === 0) {
          var draft = null;
          try {
            draft = JSON.parse(storage.getItem(key));
          } catch (error) {
            draft = null;
          }
          if (draft && draft.values && !same(draft.values, initial)) {
            if (!offered || key === draftKey || draft.savedAt > offered.draft.savedAt) {
              offered = { key: key, draft: draft };
            }
          }
        }
      }
      if (offered) {
        offer(offered.key, offered.draft);
      }
    }
  }
})();
