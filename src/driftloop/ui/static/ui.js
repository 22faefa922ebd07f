/* driftloop UI: metric charts (uPlot), loaded when they scroll into view. No framework. */
(function () {
  "use strict";

  var COLORS = ["#0b57d0", "#c5221f", "#188038", "#9334e6", "#b06000", "#007b83", "#b80672", "#3c4043"];
  var AXIS_LABELS = { step: "step", time: "time", relative: "seconds since first point" };
  var cache = new Map();
  var plots = new Map();

  function history(runId, key) {
    var id = runId + "\u0000" + key;
    if (!cache.has(id)) {
      var url = "/runs/" + encodeURIComponent(runId) + "/metric-history?key=" + encodeURIComponent(key);
      cache.set(id, fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        }));
    }
    return cache.get(id);
  }

  function xValues(series, mode) {
    if (mode === "step") { return series.steps; }
    var t0 = series.timestamps.length ? series.timestamps[0] : 0;
    return series.timestamps.map(function (t) { return mode === "time" ? t / 1000 : (t - t0) / 1000; });
  }

  /* uPlot wants one shared x array: the union of every series' x, with nulls where a series has no point. */
  function align(seriesList, mode) {
    var maps = seriesList.map(function (series) {
      var xs = xValues(series, mode);
      var byX = new Map();
      for (var i = 0; i < xs.length; i++) { byX.set(xs[i], series.values[i]); }
      return byX;
    });
    var all = new Set();
    maps.forEach(function (byX) { byX.forEach(function (_, x) { all.add(x); }); });
    var xs = Array.from(all).sort(function (a, b) { return a - b; });
    var data = [xs];
    maps.forEach(function (byX) {
      data.push(xs.map(function (x) { return byX.has(x) ? byX.get(x) : null; }));
    });
    return data;
  }

  function mode() {
    var select = document.querySelector("select.x-axis");
    return select ? select.value : "step";
  }

  function draw(figure) {
    var body = figure.querySelector(".chart-body");
    var runs = JSON.parse(figure.dataset.runs);
    var labels = JSON.parse(figure.dataset.labels);
    var key = figure.dataset.key;
    var xMode = mode();
    figure.dataset.state = "loading";
    return Promise.all(runs.map(function (runId) { return history(runId, key); }))
      .then(function (seriesList) {
        var data = align(seriesList, xMode);
        var few = data[0].length <= 60;
        var old = plots.get(figure);
        if (old) { old.destroy(); }
        body.textContent = "";
        var options = {
          width: Math.max(body.clientWidth, 280),
          height: 240,
          scales: { x: { time: xMode === "time" } },
          cursor: { drag: { x: true, y: false } },
          axes: [{ label: AXIS_LABELS[xMode], stroke: "#1b1f24" }, { stroke: "#1b1f24" }],
          series: [{ label: AXIS_LABELS[xMode] }].concat(labels.map(function (label, i) {
            return {
              label: label,
              stroke: COLORS[i % COLORS.length],
              width: 2,
              spanGaps: true,
              points: { show: few, size: 7 }
            };
          }))
        };
        if (data[0].length === 1) {
          var only = data[0][0];
          var half = xMode === "step" ? 1 : 60;
          options.scales.x.auto = false;
          options.scales.x.range = [only - half, only + half];
        }
        var plot = new uPlot(options, data, body);
        plots.set(figure, plot);
        figure.dataset.state = "drawn";
        figure.dataset.series = String(labels.length);
        figure.dataset.points = String(data[0].length);
      })
      .catch(function (error) {
        figure.dataset.state = "error";
        body.textContent = "Could not load " + key + ": " + error.message;
      });
  }

  function start() {
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure.chart"));
    if (!figures.length) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          draw(entry.target);
        }
      });
    }, { rootMargin: "200px" });
    figures.forEach(function (figure) { observer.observe(figure); });
    var select = document.querySelector("select.x-axis");
    if (select) {
      select.addEventListener("change", function () {
        plots.forEach(function (_, figure) { draw(figure); });
      });
    }
    var pending = 0;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        plots.forEach(function (plot, figure) {
          var body = figure.querySelector(".chart-body");
          plot.setSize({ width: Math.max(body.clientWidth, 280), height: 240 });
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
