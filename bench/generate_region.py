"""Generate a large city for the benchmarks: 300 hospitals, 1M cases a year, 3 base years + a payment year.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/generate_region.py \
        --cases-per-year 1000000 --out var/bench

Creates (idempotently) region 990100 with 300 hospitals paying on the CHS-DRG 1.1 grouper (`--version`; its
DRG list is the payment catalogue), then writes one CSV per year (`cases-<year>.csv`, the interfaces.md format)
with the set-based generator of apps.cases.demo: cases drawn from the version's per-DRG templates, so each fits
its declared group (a few percent upcoded or mis-declared on purpose).
Run `manage.py migrate` on the bench database first.

    DATABASE_URL=… .venv/bin/python bench/generate_region.py --realistic-year 2025

once the year is imported and grouped (and before any screening run) reshapes that year in place so that every
screening rule of domain §11 has a realistic share of hits (`REALISTIC_SQL`): the template generator draws
patients from a pool of 0.8 × N over 300 hospitals (4 readmission pairs in 1M cases), self-pay shares of
10–30 % (a group's share is ~20 %: never over twice it) and a lognormal cost spread that puts 14 % of the
severity 1/3 cases below their ADRG's without-CC mean. In place because re-importing and regrouping 1M cases
takes far longer than the screening bench itself; the changes are set-based, deterministic (hashes of the
settlement id) and keep every case consistent (costs scaled with their parts, fund = total − self pay,
length of stay kept). `content_hash` is left as imported: re-uploading the CSV would restore the old values.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _setup import django_setup

BENCH_REGION = "990100"

# One pass per rule the template year lacks (run once on a freshly imported year; %(…)s = the year's bounds):
# 1. upcoding near 1–2 % (with the ~0.8 % declared above the grouper's group): a severity 1/3 case below its
#    ADRG's without-CC mean (the published statistics of the year) is moved to 1.02–1.42 × that mean, all its
#    costs scaled alike, except one in fifteen;
# 2. cost shifting: 0.3 % of the cases get a self-pay share of 30–80 % (the group's is ~20 %: most of them hit);
# 3. split admission: 0.6 % of the cases become the readmission of the previous case (by discharge) of the same
#    hospital and ADRG: the earlier case's patient, admitted 0–21 days after its discharge (about 3 in 4 within
#    15 days), length of stay kept; never when the later discharge would leave the year.
REALISTIC_SQL = [
    """
UPDATE cases_case c
   SET total_cost = n.total, drug_cost = round(c.drug_cost * n.f, 2), consumable_cost = round(c.consumable_cost * n.f, 2),
       exam_cost = round(c.exam_cost * n.f, 2), self_pay = round(c.self_pay * n.f, 2),
       fund_paid = n.total - round(c.self_pay * n.f, 2)
  FROM (
    SELECT c.id, round(w.mean_cost * (1.02 + 0.4 * ((hashtext(c.settlement_id || 'v') & 2147483647) %% 1000) / 1000.0), 2)
             AS total,
           w.mean_cost * (1.02 + 0.4 * ((hashtext(c.settlement_id || 'v') & 2147483647) %% 1000) / 1000.0) / c.total_cost
             AS f
      FROM cases_case c
      JOIN groups_groupstat w ON w.version_id = %(stats)s
                             AND w.group_code = LEFT(c.drg_code, 3) || '5'
     WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
       AND length(c.drg_code) = 4 AND RIGHT(c.drg_code, 1) IN ('1', '3') AND c.total_cost > 0
       AND c.total_cost < w.mean_cost AND (hashtext(c.settlement_id || 'u') & 2147483647) %% 15 <> 0
  ) n
 WHERE c.id = n.id
""",
    """
UPDATE cases_case c
   SET self_pay = n.sp, fund_paid = c.total_cost - n.sp
  FROM (
    SELECT c.id, round(c.total_cost * (0.30 + 0.5 * ((hashtext(c.settlement_id || 'w') & 2147483647) %% 1000) / 1000.0), 2)
             AS sp
      FROM cases_case c
     WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
       AND (hashtext(c.settlement_id || 's') & 2147483647) %% 1000 < 3
  ) n
 WHERE c.id = n.id
""",
    """
UPDATE cases_case c
   SET patient_hash = n.patient_hash, admission_date = n.adm, discharge_date = n.adm + (c.discharge_date - c.admission_date)
  FROM (
    SELECT x.id, x.prev_patient AS patient_hash, x.prev_disc + (hashtext(x.settlement_id || 'g') & 2147483647) %% 22 AS adm
      FROM (
        SELECT c.id, c.settlement_id, c.admission_date, c.discharge_date,
               (hashtext(c.settlement_id || 'r') & 2147483647) %% 1000 < 6 AS later,
               LAG((hashtext(c.settlement_id || 'r') & 2147483647) %% 1000 < 6) OVER w AS prev_later,
               LAG(c.patient_hash) OVER w AS prev_patient, LAG(c.discharge_date) OVER w AS prev_disc
          FROM cases_case c
         WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
        WINDOW w AS (PARTITION BY c.hospital_id, COALESCE(NULLIF(c.grouper_adrg, ''), LEFT(c.drg_code, 3))
                     ORDER BY c.discharge_date, c.id)
      ) x
     WHERE x.later AND NOT x.prev_later
  ) n
 WHERE c.id = n.id AND n.adm + (c.discharge_date - c.admission_date) < %(end)s
""",
]


def realistic_year(region, year: int) -> dict:
    """Reshape the imported `year` of the bench region (REALISTIC_SQL) and return the rows each step changed."""
    import datetime as dt

    from bench_screening import publish_stats
    from django.db import connection, transaction

    from apps.groups.selectors import published_stats

    publish_stats(region, year)  # upcoding (b) is decided against the published without-CC means
    stats = published_stats(region, year)
    params = {"region": region.pk, "start": dt.date(year, 1, 1), "end": dt.date(year + 1, 1, 1), "stats": stats.pk}
    changed = {}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("ANALYZE groups_groupstat")
        cur.execute("SET LOCAL enable_nestloop = off")  # one hash join, never a scan of the year per group
        for name, sql in zip(("costs_above_without_cc", "self_pay_shares", "readmissions"), REALISTIC_SQL, strict=True):
            cur.execute(sql, params)
            changed[name] = cur.rowcount
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE cases_case")
    return changed


def ensure_region(hospitals: int, version: str = "", years: tuple[int, ...] = ()):
    from django_scopes import scopes_disabled

    from apps.groups.services import catalogue_load_shipped
    from apps.hospitals.models import Hospital
    from apps.hospitals.services import hospital_create
    from apps.tenants.models import Region
    from apps.tenants.services import region_create

    with scopes_disabled():
        region = Region.objects.filter(code=BENCH_REGION).first() or region_create(
            actor=None, code=BENCH_REGION, name="基准市", province_code="990000", province_name="基准省", payment_method="DRG")
        have = set(Hospital.objects.filter(region=region).values_list("code", flat=True))
        for i in range(1, hospitals + 1):
            code = f"H{BENCH_REGION}{i:05d}"
            if code not in have:
                level = 3 if i <= 30 else 2 if i <= 120 else 1
                hospital_create(actor=None, region=region, code=code, name=f"基准医院{i:03d}", level=level,
                                grade="甲" if level > 1 else "未定级", type="general")
        catalogue_load_shipped(actor=None, region=region)
        if version:  # the region pays on a portal grouper version: its DRG list is the payment catalogue
            from apps.groups.grouper_demo import ensure_loaded, version_catalogue
            from apps.groups.services import catalogue_activate
            from apps.tenants.services import policy_get_or_create, policy_set

            ensure_loaded(version, region)
            catalogue = version_catalogue(region, version)
            if not catalogue.is_active:
                catalogue_activate(actor=None, catalogue=catalogue)
            for year in years:
                policy_get_or_create(region=region, year=year)
                policy_set(actor=None, region=region, year=year, reason="bench",
                           values={"catalogue": catalogue.version, "grouper_version": version})
    return region


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hospitals", type=int, default=300)
    parser.add_argument("--cases-per-year", type=int, default=1_000_000)
    parser.add_argument("--years", default="2022,2023,2024,2025", help="3 base years and the payment year")
    parser.add_argument("--out", default="var/bench")
    parser.add_argument("--realistic-year", type=int, default=0,
                        help="reshape this imported year in place so every screening rule has hits (REALISTIC_SQL)")
    parser.add_argument("--version", default="chs-drg-1.1",
                        help="grouper version the region pays on; cases are built from its templates so each fits "
                             "its declared group ('' = random codes of the CHS-DRG 2.0 catalogue)")
    args = parser.parse_args()
    django_setup()
    from apps.cases.demo import write_synthetic_csv

    if args.realistic_year:
        from django_scopes import scopes_disabled

        from apps.tenants.models import Region

        with scopes_disabled():
            region = Region.objects.get(code=BENCH_REGION)
            print(json.dumps({"region": region.code, "year": args.realistic_year,
                              "changed": realistic_year(region, args.realistic_year)}))
        return
    years = [int(y) for y in args.years.split(",")]
    region = ensure_region(args.hospitals, args.version, tuple(years))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for year in years:
        started = time.monotonic()
        path = out / f"cases-{year}.csv"
        write_synthetic_csv(path, region, [year], args.cases_per_year, seed=1, version=args.version or None)
        files[year] = {"file": str(path), "rows": args.cases_per_year, "seconds": round(time.monotonic() - started, 2),
                       "mb": round(path.stat().st_size / 1e6, 1)}
    print(json.dumps({"region": region.code, "hospitals": args.hospitals, "files": files}))


if __name__ == "__main__":
    main()
