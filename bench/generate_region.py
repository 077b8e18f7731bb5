"""Generate a large city for the benchmarks: 300 hospitals, 1M cases a year, 3 base years + a payment year.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/generate_region.py \
        --cases-per-year 1000000 --out var/bench

Creates (idempotently) region 990100 with 300 hospitals paying on the CHS-DRG 1.1 grouper (`--version`; its
DRG list is the payment catalogue), then writes one CSV per year (`cases-<year>.csv`, the interfaces.md format)
with the set-based generator of apps.cases.demo: cases drawn from the version's per-DRG templates, so each fits
its declared group (a few percent upcoded or mis-declared on purpose).
Run `manage.py migrate` on the bench database first.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _setup import django_setup

BENCH_REGION = "990100"


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
    parser.add_argument("--version", default="chs-drg-1.1",
                        help="grouper version the region pays on; cases are built from its templates so each fits "
                             "its declared group ('' = random codes of the CHS-DRG 2.0 catalogue)")
    args = parser.parse_args()
    django_setup()
    from apps.cases.demo import write_synthetic_csv

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
