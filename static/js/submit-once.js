// A form marked data-submit-once sends once: its submit button is disabled when it is
// pressed (the server refuses a second randomization anyway; this spares the click).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form[data-submit-once]")) {
    return;
  }
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "yes";
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    setTimeout(function () {
      button.disabled = true;
    }, 0);
  });
});
