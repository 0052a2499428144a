// A button marked data-print prints the page (the randomization confirmation).
document.addEventListener("click", function (event) {
  if (event.target.closest("button[data-print]")) {
    window.print();
  }
});
