/* Screening statistics chart (stats.html): data from the json_script #chart-data; a static file so the
   Content-Security-Policy needs no exception. The table below the chart holds the same numbers. */
(function () {
  var node = document.getElementById("chart-data");
  var target = document.getElementById("chart-rules");
  if (!node || !target || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var colors = { open: "#8a94a6", answered: "#e0a100", confirmed: "#c0392b", cleared: "#2e8b57" };
  var chart = echarts.init(target);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 60, right: 20, bottom: 50, top: 20 },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "items", data: s.values, itemStyle: { color: colors[s.key] } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
