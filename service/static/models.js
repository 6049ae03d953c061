// Model pages: live progress of a training run, and the threshold explorer.
// Loaded as a file (no inline script) so a strict Content-Security-Policy can forbid inline code.
(function () {
  "use strict";

  function pollRun(box) {
    var url = box.getAttribute("data-url");
    var bar = box.querySelector("progress");
    function show(field, text) {
      var node = box.querySelector('[data-field="' + field + '"]');
      if (node) { node.textContent = text; }
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          bar.value = run.percent;
          show("status", run.status);
          show("step", run.step);
          show("percent", String(run.percent));
          if (run.finished) {
            show("outcome", run.error ? "Failed: " + run.error
              : run.version + (run.promoted ? " promoted" : " kept as a candidate (the guard refused it)"));
            window.setTimeout(function () { window.location.reload(); }, 1500);
          } else {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }

  function explore(fieldset) {
    var table = JSON.parse(fieldset.getAttribute("data-table") || "[]");
    var input = fieldset.querySelector('input[type="range"]');
    if (!table.length || !input) { return; }
    function percent(x) { return (x * 100).toFixed(1); }
    input.addEventListener("input", function () {
      var value = parseFloat(input.value);
      var row = table.reduce(function (best, r) {
        return Math.abs(r.threshold - value) < Math.abs(best.threshold - value) ? r : best;
      });
      var out = function (name, text) {
        var node = fieldset.querySelector('[data-field="' + name + '"]');
        if (node) { node.textContent = text; }
      };
      out("threshold", row.threshold.toFixed(2));
      out("held", percent(row.held));
      out("held_any", percent(row.held_any));
      out("missed", percent(row.missed));
      out("precision", row.precision.toFixed(3));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("training-run");
    if (box && box.getAttribute("data-finished") === "no") { pollRun(box); }
    Array.prototype.forEach.call(document.querySelectorAll("#explorer fieldset[data-table]"), explore);
  });
})();
