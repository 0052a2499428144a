// A select marked data-submit-on-change sends its filter form as soon as it changes.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-submit-on-change]")) {
    event.target.form.submit();
  }
});
