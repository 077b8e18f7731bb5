"""Screening benchmark: the four rules of domain §11 over a year's cases against one scan of those cases.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_screening.py --year 2025

With the bench region of generate_region.py/bench_import.py loaded (region 990100), it screens that year.
Without it (`--synthetic N`), it builds region 990200 once with N cases of the year straight in SQL (300
hospitals, patients drawn from a pool of N/3 so readmissions occur, groups from 60 ADRGs × severities 1/3/5,
lognormal costs) and publishes group statistics computed from them.

Measured, `--repeat` times each (median reported):
* floor: one scan of the year's cases reading the columns the rules use (`SELECT COUNT(*), SUM(…), …`);
* floor_insert_select: the same scan writing those rows to a temp table (the settlement bench's floor);
* screening: `screen_cases(period=YEAR)` — stage + four rule statements + stale clean-up + counts.
The target (issue 20) is screening ≤ 3× the floor. Prints one JSON line.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--region", default="990100", help="bench region (generate_region.py)")
    parser.add_argument("--synthetic", type=int, default=0, help="build region 990200 with this many cases instead")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_setup()
    import datetime as dt

    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from apps.screening.services import screen_cases
    from apps.tenants.models import Region

    timings: dict = {}
    if args.synthetic:
        region, timings = ensure_synthetic(args.synthetic, args.year)
    else:
        with scopes_disabled():
            region = Region.objects.get(code=args.region)
    start, end = dt.date(args.year, 1, 1), dt.date(args.year + 1, 1, 1)
    floors, copies, runs, result = [], [], [], None
    for _ in range(args.repeat):
        with connection.cursor() as cur:
            t = time.monotonic()
            cur.execute(FLOOR_SQL, [region.pk, start, end])
            n_cases = cur.fetchone()[0]
            floors.append(time.monotonic() - t)
            t = time.monotonic()
            cur.execute(FLOOR_COPY_SQL, [region.pk, start, end])
            copies.append(time.monotonic() - t)
            cur.execute("DROP TABLE bench_floor")
        with scope(region=[region.pk]):
            t = time.monotonic()
            result = screen_cases(actor=None, region=region, period=str(args.year))
            runs.append(time.monotonic() - t)
    floor, copy, run = statistics.median(floors), statistics.median(copies), statistics.median(runs)
    print(json.dumps({"region": region.code, "year": args.year, "cases": n_cases, **timings,
                      "floor_s": round(floor, 3), "screening_s": round(run, 3), "ratio": round(run / floor, 2),
                      "floor_insert_select_s": round(copy, 3), "ratio_insert_select": round(run / copy, 2),
                      "floors": [round(x, 3) for x in floors], "runs": [round(x, 3) for x in runs],
                      "items": result.counts, "peak_rss_mb": round(peak_rss_mb())}, ensure_ascii=False))


if __name__ == "__main__":
    main()
