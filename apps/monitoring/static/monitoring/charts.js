/* Draws every [data-chart] element with the ECharts option in the JSON script it names (built on the server). */
(function () {
  if (typeof echarts === "undefined") { return; }
  var drawn = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var node = document.getElementById(el.getAttribute("data-chart"));
    if (!node) { return; }
    var chart = echarts.init(el);
    chart.setOption(JSON.parse(node.textContent));
    drawn.push(chart);
  });
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
})();
