"""Screening benchmark: the four rules of domain §11 over a year's cases against one scan of those cases.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_screening.py --year 2025

With the bench region of generate_region.py/bench_import.py loaded (region 990100), it screens that year.
Without it (`--synthetic N`), it builds region 990200 once with N cases of the year straight in SQL (300
hospitals, patients drawn from a pool of N/3 so readmissions occur, groups from 60 ADRGs × severities 1/3/5,
lognormal costs) and publishes group statistics computed from them.

Measured in the same run, `--repeat` times each, interleaved (median reported), with the load average:
* floor: one scan of the year's cases (`SELECT COUNT(*), SUM(…), …` — the issue's "single scan");
* floor_rule_columns: the same scan touching every column the rules read (patient, dates, codes, costs);
* floor_insert_select: the year's narrow columns written to a temp table (the settlement bench's floor);
* new / old: `screen_cases(period=YEAR)` with the current engine and with a previous one (`--old`:
  bench/screening_engine_v2.py, the three-scan engine, by default; screening_engine_v1.py the first rewrite's
  predecessor) once the items exist (the steady state: a re-run after an upload); `--new` times another
  module as "new" (`--new screening_engine_v2 --no-old`: a baseline of the previous engine alone);
* first_run: each engine once on an empty item table (every hit inserted); the two must leave the same
  items (`identical_items`: a digest of rule, case, related case and evidence).
The target (issue 20) is screening ≤ 3× the floor. Prints one JSON line.

`--dense N` instead checks the engines agree where the rules' edge cases are dense: region 990300 with N random
cases over 14 months (400 patients × 20 hospitals: overlapping stays, chains, gaps around 15 days, Z51, empty
codes, zero costs, self-pay shares up to 90 %, declared ≠ grouper), statistics published for the payment year
only; for the year, two months and the previous year (no statistics) each engine screens from no items, then
the new engine re-runs over the old engine's items (a no-op), and the digests must be equal.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

from _setup import django_setup, peak_rss_mb

SYNTHETIC_REGION = "990200"

FLOOR_SQL = """
SELECT COUNT(*), SUM(total_cost), SUM(self_pay), SUM(los_days)
  FROM cases_case WHERE region_id = %s AND discharge_date >= %s AND discharge_date < %s
"""

# The settlement bench's kind of floor (architecture.md's INSERT … SELECT): the same scan writing its rows.
FLOOR_COPY_SQL = """
CREATE TEMP TABLE bench_floor AS
SELECT id, hospital_id, patient_hash, admission_date, discharge_date, los_days, principal_dx, drg_code, total_cost,
       self_pay FROM cases_case WHERE region_id = %s AND discharge_date >= %s AND discharge_date < %s
"""

SYNTHETIC_SQL = """
INSERT INTO cases_case
       (region_id, hospital_id, settlement_id, patient_hash, insurance_type, gender, age, admission_date,
        discharge_date, los_days, discharge_method, principal_dx, secondary_dx, principal_proc, other_procs, drg_code,
        total_cost, drug_cost, consumable_cost, exam_cost, self_pay, fund_paid, department, warnings,
        declared_drg_code, grouping_status, grouper_drg_code, grouper_mdc, grouper_adrg, grouper_version,
        grouping_mismatch, content_hash, created_at, updated_at)
SELECT %(region)s, h.ids[1 + ((hashtext(g::text) & 2147483647) %% %(patients)s) %% h.n], 'B' || g, md5('p' || (hashtext(g::text) & 2147483647) %% %(patients)s) ||
       md5('q' || (hashtext(g::text) & 2147483647) %% %(patients)s), CASE WHEN g %% 3 = 0 THEN '390' ELSE '310' END,
       1 + g %% 2, 20 + g %% 60, x.adm, x.adm + x.los, x.los, CASE WHEN g %% 50 = 0 THEN '2' ELSE '1' END,
       'K' || LPAD((x.adrg %% 90 + 10)::text, 2, '0') || '.' || (g %% 9)::text || '00', '{}',
       CASE WHEN g %% 3 = 0 THEN '47.0900' ELSE '' END, '{}', x.code,
       x.cost, round(x.cost * 0.3, 2), round(x.cost * 0.1, 2), round(x.cost * 0.1, 2), x.sp, x.cost - x.sp, '', '{}',
       CASE WHEN g %% 40 = 0 THEN LEFT(x.code, 3) || '1' ELSE '' END, 'ok', x.code, 'MDCE', LEFT(x.code, 3), 'bench',
       g %% 40 = 0, md5(g::text), now(), now()
  FROM generate_series(1, %(n)s) AS g
  CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids, COUNT(*)::int AS n FROM hospitals_hospital
               WHERE region_id = %(region)s) h
  CROSS JOIN LATERAL (
    SELECT %(start)s::date + (g %% 360) AS adm, 1 + (g * 7 %% 12) AS los, g %% 60 AS adrg,
           'E' || chr(65 + (g %% 60) / 10) || ((g %% 60) %% 10)::text || (ARRAY['1', '3', '5'])[1 + g %% 3] AS code,
           round((3000 + 2000 * ((g %% 60) %% 7)) * exp(0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::numeric
                 * (1.6 - 0.3 * (g %% 3)), 2) AS cost,
           0::numeric AS sp0
  ) x0
  CROSS JOIN LATERAL (SELECT x0.*, round(x0.cost * (0.05 + 0.1 * random())::numeric, 2) AS sp) x
"""


DENSE_REGION = "990300"

DENSE_SQL = """
INSERT INTO cases_case
       (region_id, hospital_id, settlement_id, patient_hash, insurance_type, gender, age, admission_date,
        discharge_date, los_days, discharge_method, principal_dx, secondary_dx, principal_proc, other_procs, drg_code,
        total_cost, drug_cost, consumable_cost, exam_cost, self_pay, fund_paid, department, warnings,
        declared_drg_code, grouping_status, grouper_drg_code, grouper_mdc, grouper_adrg, grouper_version,
        grouping_mismatch, content_hash, created_at, updated_at)
SELECT %(region)s, h.ids[1 + floor(random() * h.n)::int], 'D' || g, md5('d' || floor(random() * 400)) || md5('e'),
       '310', 1, 50, x.adm, x.adm + x.los, CASE WHEN random() < 0.1 THEN floor(random() * 4)::int ELSE x.los END,
       (ARRAY['1', '1', '1', '2', '5'])[1 + floor(random() * 5)::int],
       (ARRAY['J18.900', 'J18.100', 'J20.000', 'Z51.100', 'Z51.000', 'K35.800', '', 'I10.x00'])[1 + floor(random() * 8)::int],
       '{}', CASE WHEN random() < 0.6 THEN '' ELSE '47.0900' END,
       CASE WHEN random() < 0.9 THEN '{}'::text[] ELSE '{47.0100}'::text[] END,
       x.code, x.cost, 0, 0, 0, x.sp, x.cost - x.sp, '', '{}',
       (ARRAY['', '', 'ES21', 'ES23', 'ES25', 'EB11', 'EB13', 'GB25', 'XX13'])[1 + floor(random() * 9)::int], 'ok',
       (ARRAY['', 'ES21', 'ES23', 'ES25', 'EB11', 'EB13', 'GB25', 'XX11'])[1 + floor(random() * 8)::int], 'MDCE',
       (ARRAY['', '', 'ES2', 'EB1', 'GB2'])[1 + floor(random() * 5)::int], 'bench', false, md5(g::text), now(), now()
  FROM generate_series(1, %(n)s) AS g
  CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids, COUNT(*)::int AS n FROM hospitals_hospital
               WHERE region_id = %(region)s) h
  CROSS JOIN LATERAL (
    SELECT %(start)s::date - 60 + floor(random() * 440 + g * 0)::int AS adm,
           floor(random() * random() * 40 + g * 0)::int AS los,
           (ARRAY['ES21', 'ES23', 'ES25', 'EB11', 'EB13', 'GB25', '', 'XX13', 'XX15', 'ES2'])[1 + floor(random() * 10 + g * 0)::int]
             AS code,
           CASE WHEN random() < 0.03 THEN 0 ELSE round((random() * 15000 + g * 0)::numeric, 2) END AS cost,
           random() * random() * 0.9 + g * 0 AS share
  ) x0
  CROSS JOIN LATERAL (SELECT x0.*, round(x0.cost * x0.share::numeric, 2) AS sp) x
"""

DENSE_STATS = {"ES21": ("9000.00", "1.5000"), "ES23": ("7200.00", "1.2000"), "ES25": ("6000.00", "1.0000"),
               "EB11": ("12000.00", "2.0000"), "EB13": ("12000.00", "2.0000"), "GB25": ("4000.00", "0.6667"),
               "XX15": ("8000.00", "1.1000")}


def dense_check(n: int, year: int, new_engine, old_engine) -> dict:
    """Build region 990300 once (DENSE_SQL) and compare the engines' items period by period."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from apps.groups.models import Catalogue, GroupStat, StatsVersion
    from apps.hospitals.models import Hospital
    from apps.hospitals.services import hospital_create
    from apps.screening import services
    from apps.tenants.models import Region
    from apps.tenants.services import region_create

    with scopes_disabled():
        region = Region.objects.filter(code=DENSE_REGION).first() or region_create(
            actor=None, code=DENSE_REGION, name="筛查边界市", province_code="990000", province_name="基准省",
            payment_method="DRG")
        if not Hospital.objects.filter(region=region).exists():
            for i in range(20):
                hospital_create(actor=None, region=region, code=f"H99030{i:05d}", name=f"边界医院{i}",
                                level=1 + i % 3, grade="甲", type="general", drg_enabled_from=dt.date(year - 3, 1, 1))
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM cases_case WHERE region_id = %s", [region.pk])
            if cur.fetchone()[0] != n:
                cur.execute("DELETE FROM screening_screeningitem WHERE region_id = %s", [region.pk])
                cur.execute("DELETE FROM cases_case WHERE region_id = %s", [region.pk])
                cur.execute("SELECT setseed(0.42)")
                cur.execute(DENSE_SQL, {"region": region.pk, "n": n, "start": dt.date(year, 1, 1)})
                cur.execute("ANALYZE cases_case")
        if not StatsVersion.objects.filter(region=region, year=year, status="published").exists():
            catalogue, _ = Catalogue.objects.get_or_create(region=region, version="DENSE",
                                                           defaults={"name": "dense", "is_active": True})
            version = StatsVersion.objects.create(region=region, year=year, number=1, catalogue=catalogue,
                                                  status="ready", base_start=year - 3, base_end=year - 1, min_cases=5,
                                                  cv_max="1.0", lln_cases=100)
            GroupStat.objects.bulk_create([GroupStat(
                region=region, version=version, group_code=code, n=50, mean_cost=Decimal(mean), sd=Decimal("1"),
                cv=Decimal("0.1"), stable=True, base_points=Decimal(bp), mean_los=Decimal("5"),
                death_rate=Decimal("0")) for code, (mean, bp) in DENSE_STATS.items()])
            StatsVersion.objects.filter(pk=version.pk).update(status="published")

    app_engine = services.engine

    def screen(engine, period: str) -> str:
        services.engine = engine
        try:
            with scope(region=[region.pk]):
                services.screen_cases(actor=None, region=region, period=period)
        finally:
            services.engine = app_engine
        with connection.cursor() as cur:
            cur.execute(DIGEST_SQL.replace("AND year = %s", ""), [region.pk])
            return cur.fetchone()[0]

    def clear() -> None:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM screening_screeningitem WHERE region_id = %s", [region.pk])

    out = {}
    for period in (str(year), f"{year}-01", f"{year}-07", str(year - 1)):
        clear()
        old = screen(old_engine, period)
        rerun = screen(new_engine, period)  # over the old engine's items: nothing changes
        clear()
        new = screen(new_engine, period)
        with connection.cursor() as cur:
            cur.execute("SELECT rule, COUNT(*) FROM screening_screeningitem WHERE region_id = %s GROUP BY rule "
                        "ORDER BY rule", [region.pk])
            counts = dict(cur.fetchall())
        out[period] = {"identical": old == new == rerun, "items": counts}
    clear()
    return out


def ensure_synthetic(n: int, year: int):
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django_scopes import scopes_disabled

    from apps.groups.models import Catalogue, GroupStat, StatsVersion
    from apps.hospitals.models import Hospital
    from apps.hospitals.services import hospital_create
    from apps.tenants.models import Region
    from apps.tenants.services import region_create

    timings = {}
    with scopes_disabled():
        region = Region.objects.filter(code=SYNTHETIC_REGION).first() or region_create(
            actor=None, code=SYNTHETIC_REGION, name="筛查基准市", province_code="990000", province_name="基准省",
            payment_method="DRG")
        if not Hospital.objects.filter(region=region).exists():
            for i in range(300):
                hospital_create(actor=None, region=region, code=f"H99020{i:05d}", name=f"基准医院{i}",
                                level=3 if i < 30 else 2 if i < 120 else 1, grade="甲", type="general",
                                drg_enabled_from=dt.date(year - 3, 1, 1))
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM cases_case WHERE region_id = %s", [region.pk])
            have = cur.fetchone()[0]
            if have < n:
                started = time.monotonic()
                cur.execute("DELETE FROM screening_screeningitem WHERE region_id = %s", [region.pk])
                cur.execute("DELETE FROM cases_case WHERE region_id = %s", [region.pk])
                cur.execute(SYNTHETIC_SQL, {"region": region.pk, "n": n, "patients": max(n // 3, 1),
                                            "start": dt.date(year, 1, 1)})
                cur.execute("ANALYZE cases_case")
                timings["generate_s"] = round(time.monotonic() - started, 1)
        if not StatsVersion.objects.filter(region=region, year=year, status="published").exists():
            catalogue, _ = Catalogue.objects.get_or_create(region=region, version="BENCH",
                                                           defaults={"name": "bench", "is_active": True})
            version = StatsVersion.objects.create(region=region, year=year, number=1, catalogue=catalogue,
                                                  status="ready", base_start=year - 3, base_end=year - 1,
                                                  min_cases=5, cv_max="1.0", lln_cases=100)
            with connection.cursor() as cur:
                cur.execute("SELECT drg_code, COUNT(*), ROUND(AVG(total_cost), 2) FROM cases_case "
                            "WHERE region_id = %s GROUP BY drg_code", [region.pk])
                rows = cur.fetchall()
            overall = sum(r[2] * r[1] for r in rows) / sum(r[1] for r in rows)
            GroupStat.objects.bulk_create([GroupStat(
                region=region, version=version, group_code=code, n=count, mean_cost=mean, sd=Decimal("1"),
                cv=Decimal("0.5"), stable=True, base_points=round(mean / overall * 100, 4), mean_los=Decimal("5"),
                death_rate=Decimal("0")) for code, count, mean in rows])
            StatsVersion.objects.filter(pk=version.pk).update(status="published")
    return region, timings


RULE_COLUMNS_FLOOR_SQL = """
SELECT COUNT(*), SUM(total_cost), SUM(self_pay), SUM(los_days), COUNT(patient_hash), COUNT(hospital_id),
       COUNT(admission_date), COUNT(discharge_method), COUNT(principal_dx), COUNT(principal_proc), COUNT(other_procs),
       COUNT(drg_code), COUNT(declared_drg_code), COUNT(grouper_drg_code), COUNT(grouper_adrg)
  FROM cases_case WHERE region_id = %s AND discharge_date >= %s AND discharge_date < %s
"""

# One digest of the year's items (rule, case, related case, evidence): the old and the new engine must agree.
DIGEST_SQL = """
SELECT md5(string_agg(rule || ':' || case_id || ':' || COALESCE(related_case_id, 0) || ':' || evidence::text, '|'
                      ORDER BY rule, case_id))
  FROM screening_screeningitem WHERE region_id = %s AND year = %s
"""


def _timed(fn) -> float:
    t = time.monotonic()
    fn()
    return time.monotonic() - t


def publish_stats(region, year: int) -> dict:
    """Upcoding and low standard compare with the year's published group statistics: compute and publish them
    once with the services (from the base years, as bench_scenario.py's `prepare` does)."""
    from apps.groups.selectors import published_stats
    from apps.groups.services import group_stats_compute, group_stats_publish

    if published_stats(region, year) is not None:
        return {}
    started = time.monotonic()
    group_stats_publish(actor=None, version=group_stats_compute(actor=None, region=region, year=year, sync=True))
    return {"stats_published_s": round(time.monotonic() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--region", default="990100", help="bench region (generate_region.py)")
    parser.add_argument("--synthetic", type=int, default=0, help="build region 990200 with this many cases instead")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dense", type=int, default=0, help="check the engines agree on a dense random region")
    parser.add_argument("--no-old", action="store_true", help="skip the previous engine")
    parser.add_argument("--old", default="screening_engine_v2", help="the previous engine's module (bench/)")
    parser.add_argument("--new", default="", help="time this module (bench/) as the new engine instead")
    args = parser.parse_args()
    django_setup()
    import datetime as dt
    import importlib
    import os

    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from apps.screening import services
    from apps.tenants.models import Region

    app_engine = services.engine
    new_engine = importlib.import_module(args.new) if args.new else app_engine
    old_engine = importlib.import_module(args.old)
    if args.dense:
        print(json.dumps({"dense": args.dense, "engines": [new_engine.__name__, old_engine.__name__],
                          "periods": dense_check(args.dense, args.year, new_engine, old_engine)}))
        return
    timings: dict = {}
    if args.synthetic:
        region, timings = ensure_synthetic(args.synthetic, args.year)
    else:
        with scopes_disabled():
            region = Region.objects.get(code=args.region)
            timings = publish_stats(region, args.year)
    start, end = dt.date(args.year, 1, 1), dt.date(args.year + 1, 1, 1)
    load = [os.getloadavg()]

    def scan(sql: str) -> float:
        with connection.cursor() as cur:
            return _timed(lambda: cur.execute(sql, [region.pk, start, end]) or cur.fetchall())

    def copy() -> float:
        with connection.cursor() as cur:
            took = _timed(lambda: cur.execute(FLOOR_COPY_SQL, [region.pk, start, end]))
            cur.execute("DROP TABLE bench_floor")
        return took

    def screen(engine):
        services.engine = engine
        try:
            with scope(region=[region.pk]):
                return services.screen_cases(actor=None, region=region, period=str(args.year))
        finally:
            services.engine = app_engine

    def clear_items() -> None:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM screening_screeningitem WHERE region_id = %s AND year = %s", [region.pk, args.year])

    def digest() -> str:
        with connection.cursor() as cur:
            cur.execute(DIGEST_SQL, [region.pk, args.year])
            return cur.fetchone()[0]

    with connection.cursor() as cur:
        cur.execute(FLOOR_SQL, [region.pk, start, end])
        n_cases = cur.fetchone()[0]
    # First runs (no items of the year yet): every hit is inserted. The old engine's items must be the new one's.
    first: dict = {}
    if not args.no_old:
        clear_items()
        first["old_s"] = round(_timed(lambda: screen(old_engine)), 3)
        old_digest = digest()
    clear_items()
    result = None

    def run_new():
        nonlocal result
        result = screen(new_engine)

    first["new_s"] = round(_timed(run_new), 3)
    new_digest = digest()
    # Re-runs (the steady state: the items exist), interleaved with the floors, `--repeat` times each.
    m: dict[str, list[float]] = {"floor": [], "floor_rule_columns": [], "floor_insert_select": [], "old": [], "new": []}
    for _ in range(args.repeat):
        m["floor"].append(scan(FLOOR_SQL))
        m["floor_rule_columns"].append(scan(RULE_COLUMNS_FLOOR_SQL))
        m["floor_insert_select"].append(copy())
        if not args.no_old:
            m["old"].append(_timed(lambda: screen(old_engine)))
        m["new"].append(_timed(run_new))
    load.append(os.getloadavg())
    med = {k: round(statistics.median(v), 3) for k, v in m.items() if v}
    floor = med["floor"]
    out = {"engines": {"new": new_engine.__name__, "old": None if args.no_old else old_engine.__name__},
           "region": region.code, "year": args.year, "cases": n_cases, **timings, **{f"{k}_s": v for k, v in med.items()},
           "ratio_new": round(med["new"] / floor, 2), "ratio_new_rule_columns": round(med["new"] / med["floor_rule_columns"], 2),
           "ratio_new_insert_select": round(med["new"] / med["floor_insert_select"], 2),
           "first_run": first, "ratio_new_first_run": round(first["new_s"] / floor, 2),
           "all": {k: [round(x, 3) for x in v] for k, v in m.items()}, "load_avg": load,
           "items": result.counts, "peak_rss_mb": round(peak_rss_mb())}
    if not args.no_old:
        out.update(ratio_old=round(med["old"] / floor, 2), ratio_old_first_run=round(first["old_s"] / floor, 2),
                   identical_items=old_digest == new_digest)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
