// A calendar button beside each date (and date-time) text input (casebook/date_inputs.py).
// Typing dd/mm/yyyy works without this script: it only offers the browser's own calendar,
// then writes the chosen day back as dd/mm/yyyy (hh:mm), whatever the browser's locale.
// No inline script or style: the Content-Security-Policy allows only files from 'self'.
(function () {
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // "03/04/2026" or "03/04/2026 14:05" (or ISO) -> the native input's value, else "".
  function toIso(text, withTime) {
    var m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2}))?/.exec(text);
    var iso = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?/.exec(text);
    var y, mo, d, h, mi;
    if (m) {
      d = +m[1]; mo = +m[2]; y = m[3]; h = m[4]; mi = m[5];
    } else if (iso) {
      y = iso[1]; mo = +iso[2]; d = +iso[3]; h = iso[4]; mi = iso[5];
    } else {
      return "";
    }
    var date = y + "-" + pad(mo) + "-" + pad(d);
    if (!withTime) {
      return date;
    }
    return date + "T" + (h === undefined ? "00:00" : pad(+h) + ":" + mi);
  }

  // The native input's value -> what the coordinator would have typed.
  function fromIso(value, withTime) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value);
    if (!m) {
      return "";
    }
    var text = m[3] + "/" + m[2] + "/" + m[1];
    return withTime && m[4] ? text + " " + m[4] + ":" + m[5] : text;
  }

  function enhance(input) {
    if (input.dataset.calendar === "ready" || input.disabled || input.readOnly) {
      return;
    }
    input.dataset.calendar = "ready";
    var withTime = input.dataset.dateInput === "datetime";
    var native = document.createElement("input");
    native.type = withTime ? "datetime-local" : "date";
    native.tabIndex = -1;
    native.setAttribute("aria-hidden", "true");
    native.setAttribute("aria-label", input.dataset.calendarLabel || "Calendar");
    native.className = "date-input-native";
    // Out of sight but rendered, so that the browser can open its picker from it.
    native.style.position = "absolute";
    native.style.width = "1px";
    native.style.height = "1px";
    native.style.opacity = "0";
    native.style.pointerEvents = "none";

    var button = document.createElement("button");
    button.type = "button";
    button.className = "date-input-calendar";
    button.textContent = input.dataset.calendarLabel || "Calendar";
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      native.value = toIso(input.value, withTime);
      try {
        native.showPicker();
      } catch (error) {
        input.focus();
      }
    });
    native.addEventListener("change", function () {
      var text = fromIso(native.value, withTime);
      if (text) {
        input.value = text;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    var after = input.nextSibling;
    input.parentNode.insertBefore(button, after);
    input.parentNode.insertBefore(native, after);
  }

  function start() {
    if (!("showPicker" in HTMLInputElement.prototype)) {
      return; // Typing stays the way in: no button that would do nothing.
    }
    document.querySelectorAll("input[data-date-input]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
