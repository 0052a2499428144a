// The analyses page: while a run is pending, ask for its status every second and show its
// progress (queued → running → done); once it is done, reload the page to show its results.
// A failed run stops the polling and shows why. The run's box carries the status URL.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) {
    return;
  }
  var status = document.getElementById("run-status");
  var error = document.getElementById("run-error");
  var steps = document.querySelectorAll("#run-steps [data-step]");
  var show = function (run) {
    status.textContent = run.status_label;
    if (error) {
      error.textContent = run.error ? " · " + run.error : "";
    }
    box.dataset.runStatus = run.status;
    steps.forEach(function (step) {
      if (step.dataset.step === run.status) {
        step.setAttribute("aria-current", "step");
      } else {
        step.removeAttribute("aria-current");
      }
    });
    if (run.status === "failed") {
      box.classList.add("warning");
    }
  };
  var poll = function () {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("status " + answer.status);
        }
        return answer.json();
      })
      .then(function (run) {
        show(run);
        if (run.status === "done") {
          window.location.reload();
        } else if (run.status !== "failed") {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        setTimeout(poll, 5000); // the server restarting: try again a little later
      });
  };
  setTimeout(poll, 1000);
})();
