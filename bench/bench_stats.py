"""Group-statistics benchmark: apps.groups `compute_stats_sql` over the base period against a bare GROUP BY.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_stats.py --year 2025

Needs the base-year cases of the bench region imported first (bench_import.py or `import_cases` on
cases-2022/2023/2024.csv). Both timings are taken in the same run; prints one JSON line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time

from _setup import django_setup, peak_rss_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django_scopes import scope

    from apps.groups.services import group_stats_compute
    from apps.tenants.models import Region

    region = Region.objects.get(code=args.region)
    start, end = dt.date(args.year - 3, 1, 1), dt.date(args.year, 1, 1)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE region_id = %s AND discharge_date >= %s AND discharge_date < %s",
                    [region.pk, start, end])
        base_cases = cur.fetchone()[0]
        started = time.monotonic()
        cur.execute(
            "SELECT drg_code, count(*), avg(total_cost), stddev_samp(total_cost) FROM cases_case "
            "WHERE region_id = %s AND discharge_date >= %s AND discharge_date < %s AND drg_code <> '' GROUP BY drg_code",
            [region.pk, start, end])
        groups = len(cur.fetchall())
        bare = time.monotonic() - started
    with scope(region=[region.pk]):
        started = time.monotonic()
        version = group_stats_compute(actor=None, region=region, year=args.year, sync=True)
        stats = time.monotonic() - started
    print(json.dumps({
        "base_cases": base_cases, "groups": groups, "group_by_seconds": round(bare, 2),
        "stats_seconds": round(stats, 2), "ratio": round(stats / bare, 2) if bare else None,
        "version": {"id": version.pk, "status": version.status, "n_cases": version.n_cases,
                    "n_groups": version.n_groups, "error": version.error},
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }))


if __name__ == "__main__":
    main()
