"""ECharts options built on the server (plain JSON; static/monitoring/charts.js only draws them)."""
from __future__ import annotations

from decimal import Decimal

BLUE, RED, GREEN, GREY, ORANGE = "#0b4ea2", "#c0392b", "#2e7d32", "#9e9e9e", "#e67e22"


def num(value) -> float | None:
    return None if value is None else float(value)


def line(categories: list[str], series: dict[str, list]) -> dict:
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 20, "top": 20, "bottom": 50},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "scale": True},
        "series": [{"name": name, "type": "line", "data": [num(v) for v in values]} for name, values in series.items()],
    }


def bars(categories: list[str], series: dict[str, list], rotate: int = 0, colors: list[str] | None = None) -> dict:
    option = {
        "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 20, "top": 20, "bottom": 70 if rotate else 50},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"rotate": rotate, "fontSize": 11}},
        "yAxis": {"type": "value"},
        "series": [{"name": name, "type": "bar", "data": [num(v) for v in values]} for name, values in series.items()],
    }
    if colors:
        option["color"] = colors
    return option


def scatter(points: list[tuple[str, Decimal | None, Decimal | None]], x_name: str, y_name: str,
            highlight: str | None = None) -> dict:
    data = [{"name": label, "value": [num(x), num(y)],
             "itemStyle": {"color": RED if label == highlight else BLUE}}
            for label, x, y in points if x is not None and y is not None]
    return {
        "tooltip": {"trigger": "item"},
        # containLabel + the y name along the axis: a long Chinese axis name is never clipped at the edge
        "grid": {"left": 36, "right": 40, "top": 20, "bottom": 50, "containLabel": True},
        "xAxis": {"type": "value", "name": x_name, "nameLocation": "middle", "nameGap": 28, "scale": True},
        "yAxis": {"type": "value", "name": y_name, "nameLocation": "middle", "nameRotate": 90, "nameGap": 40,
                  "scale": True},
        "series": [{"type": "scatter", "symbolSize": 12, "data": data,
                    "label": {"show": True, "formatter": "{b}", "position": "right", "fontSize": 10}},
                   {"type": "line", "markLine": {"silent": True, "symbol": "none", "lineStyle": {"color": GREY},
                                                  "data": [{"yAxis": 1}]}, "data": []}],
    }
