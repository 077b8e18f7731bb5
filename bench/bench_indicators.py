"""Monitoring benchmark: the indicators of domain §8 for a 1M-case year (apps.monitoring.engine).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_indicators.py --year 2025

Needs the bench region with its cases (generate_region.py + bench_import.py). Makes sure the year's group
statistics are published (computed and published if not, timed). Then, `--repeat` times each:

* floor: a bare `GROUP BY hospital` over the year's cases joined to the published statistics (COUNT, AVG of
  cost, AVG of base points), as `CREATE TEMP TABLE … AS` — one scan and one join, the least any indicator
  computation must do;
* year: `indicators_compute(period=YYYY, sync=True)` — risk classes, per-group same-period means, the
  per hospital / level / region indicators (GROUPING SETS) and the reform coverage, all stored;
* quarter (YYYY-Q2) and month (YYYY-06) likewise, and the quarter's ranking (`ranking_compute`).

The engine's statements are timed with a connection execute_wrapper. `--compare` then proves the stored figures
unchanged: each period's rows (coverage, group means, every indicator and input) as the engine stored them,
against the same period recomputed by the previous engine (bench/indicators_engine_v1.py), field by field; the
current engine's rows are put back afterwards. Prints one JSON line (with the load average before and after).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time

from _setup import django_setup, peak_rss_mb


class StatementTimer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            text = " ".join(sql.split())
            label = "other"
            for key, name in (("CREATE TEMP TABLE monitoring_hg", "scan (hospital × group)"),
                              ("INSERT INTO monitoring_periodgroup", "groups INSERT"),
                              ("CREATE TEMP TABLE monitoring_h ", "indicators: per hospital"),
                              ("INSERT INTO monitoring_indicator", "indicators INSERT"),
                              ("ANALYZE monitoring_hg", "ANALYZE"),
                              ("UPDATE monitoring_indicatorperiod p", "coverage UPDATE"),
                              ("DELETE FROM monitoring_", "delete old rows")):
                if text.startswith(key):
                    label = name
            self.steps[label] = round(self.steps.get(label, 0.0) + time.monotonic() - started, 2)


def stored(period_id: int) -> dict:
    """Every stored figure of a period: its coverage, its groups and its indicator rows (values as text)."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        cur.execute("SELECT cases, hospitals_total, hospitals_covered, cases_total, cases_covered, fund_total, "
                    "fund_covered FROM monitoring_indicatorperiod WHERE id = %s", [period_id])
        out["period"] = [str(v) for v in cur.fetchone()]
        cur.execute("SELECT group_code, cases, mean_cost, mean_los, deaths, base_points, risk_class "
                    "FROM monitoring_periodgroup WHERE period_id = %s", [period_id])
        out.update({("group", r[0]): [str(v) for v in r[1:]] for r in cur.fetchall()})
        cur.execute("SELECT scope, hospital_id, level, cases, bp_sum, cost_ratio_sum, los_ratio_sum, los_sum, "
                    "cost_sum, drug_sum, consumable_sum, exam_sum, deaths, risk_cases, risk_deaths, cmi, cost_index, "
                    "time_index, group_count, alos, avg_cost, drug_share, consumable_share, exam_share, "
                    "lowrisk_mortality FROM monitoring_indicator WHERE period_id = %s", [period_id])
        out.update({("row", r[0], r[1], r[2]): [str(v) for v in r[3:]] for r in cur.fetchall()})
    return out


def compare(region, period: str) -> dict:
    """The period as the current engine stored it against the previous engine's figures; puts the current back."""
    import indicators_engine_v1
    from django_scopes import scopes_disabled

    from apps.monitoring.engine import compute_period_sql
    from apps.monitoring.models import IndicatorPeriod

    with scopes_disabled():
        item = IndicatorPeriod.objects.get(region=region, period=period)
        new = stored(item.pk)
        indicators_engine_v1.compute_v1(item)
        old = stored(item.pk)
        differ = sorted(str(k) for k in set(new) | set(old) if new.get(k) != old.get(k))
        IndicatorPeriod.objects.filter(pk=item.pk).update(status="failed")  # computed again by the current engine
        item.refresh_from_db()
        compute_period_sql(item)
    return {"keys": len(new), "differences": len(differ), "first": differ[:5]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--old", action="store_true",
                        help="also time the year with the previous engine (indicators_engine_v1), same run")
    parser.add_argument("--compare", action="store_true",
                        help="compare the stored figures with the previous engine's (indicators_engine_v1)")
    args = parser.parse_args()
    django_setup()
    from django.db import connection, transaction
    from django_scopes import scope, scopes_disabled

    from apps.groups.models import StatsVersion
    from apps.groups.selectors import published_stats
    from apps.groups.services import group_stats_compute, group_stats_publish
    from apps.monitoring.engine import compute_period_sql
    from apps.monitoring.services import indicators_compute, ranking_compute
    from apps.tenants.models import Region

    year = args.year
    result: dict = {"year": year, "prepare": {}, "load_before": [round(v, 2) for v in os.getloadavg()]}
    with scopes_disabled():
        region = Region.objects.get(code=args.region)
    with scope(region=[region.pk]):
        stats = published_stats(region, year)
        if stats is None:
            ready = StatsVersion.objects.filter(region=region, year=year, status="ready").order_by("-number").first()
            if ready is None:
                started = time.monotonic()
                ready = group_stats_compute(actor=None, region=region, year=year, sync=True)
                result["prepare"]["stats_compute_seconds"] = round(time.monotonic() - started, 2)
            stats = group_stats_publish(actor=None, version=ready)
        result["prepare"]["stats_version"] = {"id": stats.pk, "n_groups": stats.n_groups, "n_cases": stats.n_cases}

    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE region_id = %s AND discharge_date >= %s "
                    "AND discharge_date < %s", [region.pk, start, end])
        result["year_cases"] = cur.fetchone()[0]
        cur.execute("ANALYZE cases_case")

    def floor() -> float:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL enable_nestloop = off")
            started = time.monotonic()
            cur.execute(
                "CREATE TEMP TABLE bench_ind_floor ON COMMIT DROP AS "
                "SELECT c.hospital_id, COUNT(*) AS n, AVG(c.total_cost) AS avg_cost, AVG(s.base_points) AS bp "
                "  FROM cases_case c JOIN groups_groupstat s ON s.version_id = %s AND s.group_code = c.drg_code "
                " WHERE c.region_id = %s AND c.discharge_date >= %s AND c.discharge_date < %s "
                " GROUP BY c.hospital_id", [stats.pk, region.pk, start, end])
            return round(time.monotonic() - started, 2)

    def compute(period: str, old: bool = False) -> dict:
        from unittest import mock

        import indicators_engine_v1

        timer = StatementTimer()
        engine = indicators_engine_v1.compute_period_sql if old else compute_period_sql
        started = time.monotonic()
        with scopes_disabled(), connection.execute_wrapper(timer), \
                mock.patch("apps.monitoring.engine.compute_period_sql", engine):
            item = indicators_compute(actor=None, region=region, period=period, sync=True)
        seconds = round(time.monotonic() - started, 2)
        if item.status != "ready":
            raise SystemExit(f"{period}: {item.status} {item.error}")
        return {"seconds": seconds, "cases": item.cases, "statements": timer.steps,
                "coverage": [str(item.hospitals_share), str(item.cases_share), str(item.fund_share)]}

    runs: dict[str, list] = {"floor": [], "year": [], "quarter": [], "month": [], "ranking": []}
    if args.old:
        runs["year_old_engine"] = []
    for _ in range(args.repeat):
        runs["floor"].append(floor())
        if args.old:
            runs["year_old_engine"].append(compute(str(year), old=True))
        runs["year"].append(compute(str(year)))
        runs["quarter"].append(compute(f"{year}-Q2"))
        runs["month"].append(compute(f"{year}-06"))
        started = time.monotonic()
        with scopes_disabled():
            ranking = ranking_compute(actor=None, region=region, quarter=f"{year}-Q2")
        runs["ranking"].append({"seconds": round(time.monotonic() - started, 2), "id": ranking.pk})
    result["runs"] = runs
    best_floor = min(runs["floor"])
    best_year = min(r["seconds"] for r in runs["year"])
    result["best"] = {"floor": best_floor, "year": best_year,
                      "quarter": min(r["seconds"] for r in runs["quarter"]),
                      "month": min(r["seconds"] for r in runs["month"]),
                      "ranking": min(r["seconds"] for r in runs["ranking"]),
                      "year_over_floor": round(best_year / best_floor, 2) if best_floor else None}
    if args.old:
        best_old = min(r["seconds"] for r in runs["year_old_engine"])
        result["best"]["year_old_engine"] = best_old
        result["best"]["year_old_engine_over_floor"] = round(best_old / best_floor, 2) if best_floor else None
    if args.compare:
        result["compare"] = {p: compare(region, p) for p in (str(year), f"{year}-Q2", f"{year}-06")}
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["load_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
