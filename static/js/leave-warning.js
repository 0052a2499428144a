// Before leaving a half-filled form, the browser asks whether to leave: a coordinator who
// clicks a link in the middle of a CRF does not lose what was typed. Every form sent by
// POST is watched (not the GET filters and search), unless marked data-no-leave-warning.
// The warning comes only when a field differs from what the page was loaded with, or when
// the page is a refused form ("Nothing was saved": what was typed is not stored yet); never
// once the form is being sent.
(function () {
  var sending = false;

  function watched(form) {
    return (
      form instanceof HTMLFormElement &&
      form.method.toLowerCase() === "post" &&
      !form.hasAttribute("data-no-leave-warning")
    );
  }

  function fieldChanged(field) {
    if (field.type === "hidden" || field.disabled) {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field instanceof HTMLSelectElement) {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    if ("defaultValue" in field) {
      return field.value !== field.defaultValue;
    }
    return false;
  }

  function halfFilled(form) {
    if (form.querySelector(".errors")) {
      return true; // refused: what the coordinator typed is only on this page
    }
    return Array.prototype.some.call(form.elements, fieldChanged);
  }

  document.addEventListener("submit", function (event) {
    if (watched(event.target)) {
      sending = true;
    }
  });

  window.addEventListener("pageshow", function () {
    sending = false; // back from the next page (bfcache): watch again
  });

  window.addEventListener("beforeunload", function (event) {
    if (sending) {
      return;
    }
    var forms = Array.prototype.filter.call(document.forms, watched);
    if (forms.some(halfFilled)) {
      event.preventDefault();
      event.returnValue = ""; // older browsers show the dialog only with this set
    }
  });
})();
