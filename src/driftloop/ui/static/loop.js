/* driftloop UI, the loop's pages: time-series charts (uPlot) from data-chart attributes.
   A figure.loop-chart carries {"x": [seconds], "series": [{"label", "values", "dash"}],
   "alarms": [seconds]}; alarms are drawn as vertical dashed lines. */
(function () {
  "use strict";

  var COLORS = ["#0b57d0", "#c5221f", "#188038", "#9334e6", "#b06000"];
  var ALARM = "#b45309";

  function alarmPlugin(alarms) {
    return {
      hooks: {
        draw: [function (u) {
          if (!alarms.length) { return; }
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = ALARM;
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          alarms.forEach(function (t) {
            var x = Math.round(u.valToPos(t, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) { return; }
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
  }

  function draw(figure) {
    var body = figure.querySelector(".chart-body");
    try {
      var chart = JSON.parse(figure.dataset.chart);
      if (!chart.x.length) {
        body.textContent = "No data.";
        figure.dataset.state = "empty";
        return null;
      }
      var data = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
      var options = {
        width: Math.max(body.clientWidth, 280),
        height: 240,
        scales: { x: { time: true } },
        tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
        axes: [{ stroke: "#1b1f24" }, { stroke: "#1b1f24", label: figure.dataset.yLabel || "" }],
        series: [{ label: "time (UTC)" }].concat(chart.series.map(function (s, i) {
          return {
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            dash: s.dash ? [8, 5] : undefined,
            spanGaps: true,
            points: { show: chart.x.length <= 60, size: 6 }
          };
        })),
        plugins: [alarmPlugin(chart.alarms || [])]
      };
      if (chart.x.length === 1) {
        options.scales.x.auto = false;
        options.scales.x.range = [chart.x[0] - 60, chart.x[0] + 60];
      }
      body.textContent = "";
      var plot = new uPlot(options, data, body);
      figure.dataset.state = "drawn";
      figure.dataset.series = String(chart.series.length);
      figure.dataset.alarms = String((chart.alarms || []).length);
      return plot;
    } catch (error) {
      figure.dataset.state = "error";
      body.textContent = "Could not draw the chart: " + error.message;
      return null;
    }
  }

  function start() {
    var plots = [];
    document.querySelectorAll("figure.loop-chart").forEach(function (figure) {
      var plot = draw(figure);
      if (plot) { plots.push([figure, plot]); }
    });
    var pending = 0;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        plots.forEach(function (pair) {
          var body = pair[0].querySelector(".chart-body");
          pair[1].setSize({ width: Math.max(body.clientWidth, 280), height: 240 });
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
