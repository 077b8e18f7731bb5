"""Import benchmark: the full settlement-list import (all quality checks) against a plain COPY of the same file.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_import.py var/bench/cases-2025.csv

Baseline: `COPY` of the same CSV into an empty, unindexed table of text columns (the database
floor). Then `case_import_run` (the same service the screen, API and command use) into the region (the
cases stay, so run it once per base year to prepare bench_stats), then the identical file again (all
rows unchanged: the idempotent re-upload).
Prints one JSON line: seconds, ratio to COPY, peak RSS of this process (resource.getrusage).
"""
from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from _setup import django_setup, peak_rss_mb


def plain_copy(path: Path) -> float:
    from django.db import connection

    # The table takes the file's own header: the generator may write more columns than the export does.
    with path.open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_plain_copy")
        cur.execute("CREATE TABLE bench_plain_copy (" + ", ".join(f'"{c}" text' for c in header) + ")")
    started = time.monotonic()
    with connection.cursor().cursor.copy("COPY bench_plain_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    elapsed = time.monotonic() - started
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_plain_copy")
    return elapsed


def run_import(path: Path, region) -> tuple[float, dict]:
    from django_scopes import scope

    from apps.cases.services import case_import_run, case_import_start

    with scope(region=[region.pk]), path.open("rb") as fh:
        job = case_import_start(actor=None, region=region, file=fh, filename=path.name, enqueue=False)
        started = time.monotonic()
        job = case_import_run(job)
        elapsed = time.monotonic() - started
    summary = {k: getattr(job, k) for k in ("status", "total", "created", "updated", "unchanged", "rejected")}
    summary["step_seconds"] = job.preview.get("timings", {})
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--region", default="990100")
    parser.add_argument("--fresh-year", type=int, help="first delete the region's cases of this discharge year "
                        "(and VACUUM), so that the first import inserts the whole file again")
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django_scopes import scopes_disabled

    from apps.tenants.models import Region

    path = Path(args.file)
    region = Region.objects.get(code=args.region)
    with scopes_disabled(), connection.cursor() as cur:
        if args.fresh_year:
            cur.execute(
                "DELETE FROM cases_case WHERE region_id = %s AND discharge_date >= make_date(%s, 1, 1) "
                "AND discharge_date < make_date(%s + 1, 1, 1)", [region.pk, args.fresh_year, args.fresh_year])
            cur.execute("VACUUM ANALYZE cases_case")
        cur.execute("SELECT count(*) FROM cases_case WHERE region_id = %s", [region.pk])
        before = cur.fetchone()[0]
    copy_s = plain_copy(path)
    first_s, first = run_import(path, region)
    again_s, again = run_import(path, region)
    print(json.dumps({
        "file": str(path), "rows": first["total"], "cases_before": before,
        "copy_seconds": round(copy_s, 2),
        "import_seconds": round(first_s, 2), "import_ratio": round(first_s / copy_s, 2), "import": first,
        "reimport_seconds": round(again_s, 2), "reimport_ratio": round(again_s / copy_s, 2), "reimport": again,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }))


if __name__ == "__main__":
    main()
