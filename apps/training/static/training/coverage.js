// Coverage bar chart per hospital (trained and attended shares, %); data from the json_script block.
(function () {
  "use strict";
  var node = document.getElementById("coverage-data");
  var target = document.getElementById("coverage-chart");
  if (!node || !target || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var chart = echarts.init(target);
  var lang = document.documentElement.lang || "";
  var zh = lang.indexOf("zh") === 0;
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v.toFixed(1) + "%"; } },
    legend: { data: [zh ? "考核合格" : "Passed", zh ? "参训" : "Attended"] },
    grid: { left: 48, right: 16, bottom: 110, top: 40 },
    xAxis: { type: "category", data: data.names, axisLabel: { rotate: 35, interval: 0 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: zh ? "考核合格" : "Passed", type: "bar", data: data.passed, itemStyle: { color: "#1f6feb" } },
      { name: zh ? "参训" : "Attended", type: "bar", data: data.attended, itemStyle: { color: "#9ec5fe" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
