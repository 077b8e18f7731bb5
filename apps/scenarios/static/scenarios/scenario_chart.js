/* Scenario chart (detail and compare screens): due beside the published/other due, and the difference, per
   hospital; data from the json_script #scenario-chart-data. A static file, so the CSP needs no exception. */
(function () {
  var node = document.getElementById("scenario-chart-data");
  var box = document.getElementById("chart-scenario");
  if (!node || !box || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  if (!data.labels.length) { return; }
  var chart = echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    toolbox: { feature: { dataView: { readOnly: true }, saveAsImage: {} } },
    grid: { left: 90, right: 20, bottom: 90, top: 40 },
    xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 30, fontSize: 11 } },
    yAxis: { type: "value" },
    series: [
      { name: data.series[0], type: "bar", data: data.due.map(Number), itemStyle: { color: "#0b4ea2" } },
      { name: data.series[1], type: "bar", data: data.published.map(Number), itemStyle: { color: "#9aa5b1" } },
      { name: data.series[2], type: "line", data: data.difference.map(Number), itemStyle: { color: "#c0392b" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
