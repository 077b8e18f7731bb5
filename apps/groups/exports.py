"""CSV export of group statistics (interfaces.md §2): plain decimals as stored."""
from __future__ import annotations

from typing import TextIO

from apps.core import exports as safe_csv

from .models import StatsVersion
from .selectors import stats_rows

STATS_COLUMNS = ("code", "n", "mean_cost", "sd", "cv", "stable", "base_points")


def write_stats_csv(version: StatsVersion, handle: TextIO) -> int:
    """Write the version's rows; `stable` is 1/0. Returns the number of rows."""
    writer = safe_csv.writer(handle)
    writer.writerow(STATS_COLUMNS)
    count = 0
    for row in stats_rows(version).values_list("group_code", "n", "mean_cost", "sd", "cv", "stable", "base_points").iterator():
        code, n, mean, sd, cv, stable, bp = row
        writer.writerow([code, n, mean, sd, cv, 1 if stable else 0, bp])
        count += 1
    return count
