// A form marked data-focus-first-error, sent back refused (a field marked invalid), puts
// the keyboard on its first invalid field, in the page's order: the coordinator corrects
// it at once instead of tabbing from the top. Nothing happens on a fresh form.
document.addEventListener("DOMContentLoaded", function () {
  var forms = document.querySelectorAll("form[data-focus-first-error]");
  for (var i = 0; i < forms.length; i++) {
    var field = forms[i].querySelector(
      ".field.invalid input:not([type=hidden]), .field.invalid select, .field.invalid textarea"
    );
    if (field) {
      field.focus();
      return;
    }
  }
});
