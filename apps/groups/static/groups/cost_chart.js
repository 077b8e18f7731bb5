/* Cost-distribution histogram of one group (data from the page's #cost-data JSON). */
(function () {
  var node = document.getElementById("cost-data");
  var target = document.getElementById("cost-chart");
  if (!node || !target || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var chart = echarts.init(target);
  chart.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, bottom: 90, top: 20 },
    xAxis: { type: "category", data: data.labels, name: data.x_axis, nameLocation: "middle", nameGap: 75,
             axisLabel: { rotate: 45, fontSize: 10 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.series, type: "bar", barCategoryGap: "2%", data: data.counts, itemStyle: { color: "#0b4ea2" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
