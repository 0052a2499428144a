// While the worker draws the CONSORT figure, ask for it every few seconds and show the page
// again once it is ready (the download answers 202 until then).
(function () {
  var figure = document.getElementById("consort-figure");
  if (!figure || !figure.dataset.poll) return;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(figure.dataset.poll, { credentials: "same-origin" }).then(function (response) {
      if (response.status === 200) {
        window.location.reload();
      } else if (tries < 60) {
        window.setTimeout(poll, 3000);
      }
    });
  }
  window.setTimeout(poll, 2000);
})();
