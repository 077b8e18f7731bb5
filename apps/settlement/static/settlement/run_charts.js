/* Charts of a settlement run (run_detail.html): data from the json_script #chart-data. A static file, not an
   inline script, so the Content-Security-Policy needs no exception. */
(function () {
  var node = document.getElementById("chart-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var bar = echarts.init(document.getElementById("chart-hospitals"));
  bar.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 80, right: 20, bottom: 80, top: 20 },
    xAxis: { type: "category", data: data.hospitals.labels, axisLabel: { rotate: 30, fontSize: 11 } },
    yAxis: { type: "value" },
    series: [{ name: data.hospitals.series, type: "bar", data: data.hospitals.values.map(Number), itemStyle: { color: "#0b4ea2" } }]
  });
  var pie = echarts.init(document.getElementById("chart-types"));
  pie.setOption({
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { bottom: 0, type: "scroll" },
    series: [{ name: data.types.series, type: "pie", radius: ["32%", "60%"], center: ["50%", "44%"],
               label: { formatter: "{c}" }, data: data.types.data }]
  });
  window.addEventListener("resize", function () { bar.resize(); pie.resize(); });
})();
