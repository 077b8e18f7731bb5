"""Settlement benchmark: monthly run and annual clearing (apps.settlement) against a bare INSERT … SELECT.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_settlement.py --year 2025

Needs the bench region with its cases (generate_region.py + bench_import.py) and the base-period group
statistics computed (bench_stats.py). For the payment year it makes sure that, in this order:
the hospitals are DRG-paid (`hospital_update`, drg_enabled_from = 1 Jan of the first case year, only
where empty), the year's group statistics are published, published coefficients exist (computed and
published if not), and a fund budget is set (1.02 × Σ fund_paid of the previous year, if zero) — each
preparation step is timed when it does something. Then, `--repeat` times each:

* floor: `CREATE TEMP TABLE … AS SELECT` of the year's cases joined to the published group statistics,
  points = ROUND(cost / mean × base points, 4) (what architecture.md calls the INSERT … SELECT);
* monthly: `settlement_run_start(kind="monthly", period=YYYY-06, sync=True)` (~85k cases);
* annual: `settlement_run_start(kind="annual", period=YYYY, sync=True)` (1M cases).

The engine's statements are timed with a connection execute_wrapper (no change to the engine); the rest
of a run's wall time is the service around it and the commit. `--explain` also prints EXPLAIN (ANALYZE,
BUFFERS) of the annual case INSERT inside a rolled-back transaction. The runs are left `ready` (not
published), so the database stays usable: the portal shows them as new run versions. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from _setup import django_setup, peak_rss_mb


class StatementTimer:
    """execute_wrapper: wall time of each statement, keyed by its first words."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            self.steps.append((self.label(sql), time.monotonic() - started))

    @staticmethod
    def label(sql: str) -> str:
        text = " ".join(sql.split())
        if "INSERT INTO settlement_caseresult" in text:
            return "cases INSERT"
        if "INSERT INTO settlement_hospitalresult" in text:
            return "hospitals INSERT"
        if text.startswith("UPDATE settlement_settlementrun r"):
            return "totals UPDATE"
        if text.startswith("DELETE FROM settlement_caseresult"):
            return "delete caseresult"
        if text.startswith("SELECT COUNT(*), COALESCE(SUM(adjusted_points)"):
            return "count/sum check"
        return "other"

    def summary(self) -> dict:
        out: dict[str, float] = {}
        for label, seconds in self.steps:
            out[label] = out.get(label, 0.0) + seconds
        return {k: round(v, 2) for k, v in out.items()}


@contextmanager
def timed_statements():
    from django.db import connection

    timer = StatementTimer()
    with connection.execute_wrapper(timer):
        yield timer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--month", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-annual", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.db import connection, transaction
    from django.db.models import F, Sum
    from django_scopes import scope, scopes_disabled

    from apps.cases.models import Case
    from apps.core.lifecycle import Lifecycle
    from apps.groups.models import StatsVersion
    from apps.groups.selectors import published_stats
    from apps.groups.services import group_stats_compute, group_stats_publish
    from apps.hospitals.models import Hospital
    from apps.hospitals.services import hospital_update
    from apps.settlement.engine import CASES_SQL, approved_adjustments_sql, confirmed_deductions_sql, run_params
    from apps.settlement.selectors import published_coefficients
    from apps.settlement.services import coefficients_compute, coefficients_publish, settlement_run_start
    from apps.tenants.models import Region
    from apps.tenants.services import policy_get_or_create, policy_set

    year = args.year
    result: dict = {"year": year, "prepare": {}}
    with scopes_disabled():
        region = Region.objects.get(code=args.region)
    prep = result["prepare"]

    with scope(region=[region.pk]):
        # 1. hospitals DRG-paid from the first case year (generate_region leaves drg_enabled_from empty)
        unpaid = list(Hospital.objects.filter(region=region, drg_enabled_from__isnull=True))
        if unpaid:
            started = time.monotonic()
            first = dt.date(year - 4, 1, 1)
            for hospital in unpaid:
                hospital_update(actor=None, hospital=hospital, drg_enabled_from=first,
                                reason="bench: DRG-paid from the first case year")
            prep["hospitals_enabled"] = {"n": len(unpaid), "from": str(first),
                                         "seconds": round(time.monotonic() - started, 2)}
        # 2. published group statistics of the year
        stats = published_stats(region, year)
        if stats is None:
            ready = (StatsVersion.objects.filter(region=region, year=year, status="ready").order_by("-number").first())
            if ready is None:
                started = time.monotonic()
                ready = group_stats_compute(actor=None, region=region, year=year, sync=True)
                prep["stats_compute_seconds"] = round(time.monotonic() - started, 2)
            started = time.monotonic()
            stats = group_stats_publish(actor=None, version=ready)
            prep["stats_publish_seconds"] = round(time.monotonic() - started, 2)
        prep["stats_version"] = {"id": stats.pk, "number": stats.number, "n_cases": stats.n_cases,
                                 "n_groups": stats.n_groups, "all_avg": str(stats.all_avg)}
        # 3. published coefficients of the year
        coef = published_coefficients(region, year)
        if coef is None:
            started = time.monotonic()
            coef = coefficients_compute(actor=None, region=region, year=year, sync=True)
            prep["coefficients_compute_seconds"] = round(time.monotonic() - started, 2)
            if coef.status != Lifecycle.READY:
                raise SystemExit(f"coefficients failed: {coef.status} {coef.error}")
            started = time.monotonic()
            coef = coefficients_publish(actor=None, version=coef)
            prep["coefficients_publish_seconds"] = round(time.monotonic() - started, 2)
        prep["coefficient_version"] = {"id": coef.pk, "number": coef.number}
    # 4. fund budget
    policy = policy_get_or_create(region=region, year=year)
    if not policy.fund_budget or policy.fund_budget <= 0:
        with scopes_disabled():
            paid = Case.objects.filter(
                region=region, discharge_date__year=year - 1, hospital__active=True,
                hospital__drg_enabled_from__isnull=False, hospital__drg_enabled_from__lte=F("discharge_date"),
            ).aggregate(s=Sum("fund_paid"))["s"]
            budget = (paid * Decimal("1.02")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            policy = policy_set(actor=None, region=region, year=year, values={"fund_budget": budget},
                                reason=f"bench: 1.02 × the {year - 1} DRG fund paid")
    prep["fund_budget"] = str(policy.fund_budget)

    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    m_start = dt.date(year, args.month, 1)
    m_end = dt.date(year + (args.month == 12), args.month % 12 + 1, 1)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE region_id = %s AND discharge_date >= %s "
                    "AND discharge_date < %s", [region.pk, start, end])
        result["year_cases"] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_case WHERE region_id = %s AND discharge_date >= %s "
                    "AND discharge_date < %s", [region.pk, m_start, m_end])
        result["month_cases"] = cur.fetchone()[0]

    def floor(serial: bool = False) -> dict:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_floor")
            # Same planner setting as the engine: groups_groupstat has no statistics right after a publish
            # (estimate: 1 row) and the default plan is a nested loop over case_region_drg (13 s, not 1.2 s).
            cur.execute("SET LOCAL enable_nestloop = off")
            if serial:  # an INSERT … SELECT never runs in parallel in PostgreSQL 15: the floor without workers
                cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            started = time.monotonic()
            cur.execute(
                "CREATE TEMP TABLE bench_floor ON COMMIT DROP AS "
                "SELECT c.id AS case_id, c.hospital_id, c.drg_code, c.total_cost, "
                "       ROUND(c.total_cost / s.mean_cost * s.base_points, 4) AS points "
                "  FROM cases_case c JOIN groups_groupstat s ON s.version_id = %s AND s.group_code = c.drg_code "
                " WHERE c.region_id = %s AND c.discharge_date >= %s AND c.discharge_date < %s AND s.mean_cost > 0",
                [stats.pk, region.pk, start, end])
            rows = cur.rowcount
            seconds = time.monotonic() - started
        return {"rows": rows, "seconds": round(seconds, 2)}

    def run(kind: str, period: str) -> dict:
        commits: list[float] = []
        real_commit = connection.commit

        def timed_commit():  # the commit of the engine's transaction runs the deferred FK checks
            started = time.monotonic()
            try:
                return real_commit()
            finally:
                commits.append(time.monotonic() - started)

        connection.commit = timed_commit
        try:
            with scope(region=[region.pk]), timed_statements() as timer:
                started = time.monotonic()
                r = settlement_run_start(actor=None, region=region, kind=kind, period=period, sync=True)
                seconds = time.monotonic() - started
        finally:
            del connection.commit
        steps = timer.summary()
        steps["commits"] = round(sum(commits), 2)
        engine = sum(v for k, v in steps.items() if k != "other")
        return {"run_id": r.pk, "version": r.version, "status": r.status, "error": r.error, "cases": r.cases,
                "point_value": str(r.point_value), "seconds": round(seconds, 2), "steps": steps,
                "rest_seconds": round(seconds - engine, 2), "peak_rss_mb": round(peak_rss_mb(), 1)}

    result["floor"], result["floor_serial"], result["monthly"], result["annual"] = [], [], [], []
    for _ in range(args.repeat):
        result["floor"].append(floor())
        result["floor_serial"].append(floor(serial=True))
        result["monthly"].append(run("monthly", f"{year}-{args.month:02d}"))
        if not args.skip_annual:
            result["annual"].append(run("annual", str(year)))
        print(json.dumps(result), flush=True)  # partial results, in case the run is interrupted

    if args.explain and result["annual"]:
        from apps.settlement.models import SettlementRun

        with scopes_disabled():
            last = SettlementRun.objects.get(pk=result["annual"][-1]["run_id"])
        params = run_params(last)
        sql = CASES_SQL.format(adjustments=approved_adjustments_sql(), deductions=confirmed_deductions_sql())
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL enable_nestloop = off")
                cur.execute("DELETE FROM settlement_caseresult WHERE run_id = %s", [last.pk])
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING) " + sql, params)
                plan = "\n".join(row[0] for row in cur.fetchall())
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
        result["explain_annual_cases_insert"] = plan
        # The commit: the four DEFERRABLE INITIALLY DEFERRED foreign keys of settlement_caseresult are
        # checked row by row at commit; SET CONSTRAINTS ALL IMMEDIATE runs those checks now, to time them.
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL enable_nestloop = off")
                cur.execute("DELETE FROM settlement_caseresult WHERE run_id = %s", [last.pk])
                started = time.monotonic()
                cur.execute(sql, params)
                insert = time.monotonic() - started
                started = time.monotonic()
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                fk = time.monotonic() - started
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
        result["annual_insert_then_fk_checks"] = {"insert_seconds": round(insert, 2), "fk_check_seconds": round(fk, 2)}

    annual = [a["seconds"] for a in result["annual"]]
    for name in ("floor", "floor_serial"):
        floors = [f["seconds"] for f in result[name]]
        result[f"ratio_annual_to_{name}"] = [round(a / f, 1) for a, f in zip(annual, floors, strict=False)]
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
