// The analyses page: while a run is pending, ask for its status every two seconds and
// reload the page once it is done (the run's box carries the status URL).
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) {
    return;
  }
  var poll = function () {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (answer) {
        return answer.json();
      })
      .then(function (run) {
        document.getElementById("run-status").textContent =
          run.status_label + (run.error ? " · " + run.error : "");
        if (run.status === "done") {
          window.location.reload();
        } else if (run.status !== "failed") {
          setTimeout(poll, 2000);
        }
      });
  };
  setTimeout(poll, 1500);
})();
