// Draws every chart of the report: each <script class="rai-chart"> holds a Vega-Lite
// specification (JSON, written by reports/_charts.py); vegaEmbed comes from the inlined bundle.
// ast: true evaluates Vega expressions with its interpreter, so the page's Content-Security-Policy
// needs no 'unsafe-eval'. A chart that fails says so in place instead of leaving a gap.
(function () {
  "use strict";
  var config = {
    font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: "normal", gridOpacity: 0.5, labelLimit: 220 },
    legend: { labelFontSize: 11, labelLimit: 200 },
    title: { anchor: "start", fontSize: 13, subtitleFontSize: 11, subtitleColor: "#5b6475" }
  };
  var holders = document.querySelectorAll("script.rai-chart");
  var pending = holders.length;
  function done() {
    pending -= 1;
    if (pending === 0) { document.documentElement.setAttribute("data-charts", "drawn"); }
  }
  if (pending === 0) { document.documentElement.setAttribute("data-charts", "drawn"); }
  holders.forEach(function (holder) {
    var target = document.createElement("div");
    holder.parentNode.appendChild(target);
    var spec;
    try {
      spec = JSON.parse(holder.textContent);
    } catch (error) {
      target.textContent = "This chart could not be read: " + error.message;
      done();
      return;
    }
    vegaEmbed(target, spec, { mode: "vega-lite", renderer: "svg", actions: false, ast: true, config: config })
      .catch(function (error) { target.textContent = "This chart could not be drawn: " + error.message; })
      .then(done);
  });
})();
