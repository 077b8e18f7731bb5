"""Import benchmark: the full settlement-list import (all quality checks) against a plain COPY of the same file.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_import.py var/bench/cases-2025.csv

Baseline: `COPY` of the same CSV into an empty, unindexed table of text columns (the database
floor). Then `case_import_run` (the same service the screen, API and command use) into the region (the
cases stay, so run it once per base year to prepare bench_stats), then the identical file again (all
rows unchanged: the idempotent re-upload).
Prints one JSON line: seconds (the import job's own time, from its start to its finish; the grouping and
screening it starts afterwards are `after_import_seconds`, skipped with `--import-only`), ratio to COPY, the
steps (`ImportJob.preview["timings"]`), peak RSS of this process (resource.getrusage).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
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


def backend_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a database backend process, when the server runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_import(path: Path, region, statements: bool = False) -> tuple[float, dict]:
    from django.db import connection
    from django_scopes import scope

    from apps.cases.services import case_import_run, case_import_start

    slow: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            if (took := time.monotonic() - started) >= 0.1:
                slow.append((round(took, 2), " ".join(str(sql).split())[:160]))

    with scope(region=[region.pk]), path.open("rb") as fh:
        job = case_import_start(actor=None, region=region, file=fh, filename=path.name, enqueue=False)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]
        cpu_before = backend_cpu_seconds(backend)
        started = time.monotonic()
        if statements:
            with connection.execute_wrapper(timed):
                job = case_import_run(job)
        else:
            job = case_import_run(job)
        elapsed = time.monotonic() - started
    # the import itself (claim → finish); the grouping and screening that case_import_run starts afterwards are
    # reported apart ("after_import_seconds")
    summary = {"after_import_seconds": round(elapsed - (job.finished_at - job.started_at).total_seconds(), 2)}
    if cpu_before is not None:
        # CPU the import's own database session used (helper sessions of the typing pass not included): unlike
        # the wall time, it does not depend on what else the machine runs
        summary["main_session_cpu_seconds"] = round(backend_cpu_seconds(backend) - cpu_before, 2)
    elapsed = (job.finished_at - job.started_at).total_seconds()
    summary.update({k: getattr(job, k) for k in ("status", "total", "created", "updated", "unchanged", "rejected")})
    summary["step_seconds"] = job.preview.get("timings", {})
    if statements:
        summary["statements_over_0.1s"] = slow
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--region", default="990100")
    parser.add_argument("--fresh-year", type=int, help="first delete the region's cases of this discharge year "
                        "(and VACUUM), so that the first import inserts the whole file again")
    parser.add_argument("--import-only", action="store_true", help="skip the grouping and screening that follow "
                        "an import (they have their own benches)")
    parser.add_argument("--statements", action="store_true", help="also list every SQL statement of the import "
                        "that took 0.1 s or more (COPY streams are not listed)")
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django_scopes import scopes_disabled

    from apps.tenants.models import Region

    if args.import_only:
        from apps.cases import services

        services._group_imported_cases = lambda job, sync=False: None
        services._screen_imported_cases = lambda job: None
    path = Path(args.file)
    region = Region.objects.get(code=args.region)
    with scopes_disabled(), connection.cursor() as cur:
        if args.fresh_year:
            year_cases = ("SELECT id FROM cases_case WHERE region_id = %s AND discharge_date >= make_date(%s, 1, 1) "
                          "AND discharge_date < make_date(%s + 1, 1, 1)")
            params = [region.pk, args.fresh_year, args.fresh_year]
            # rows of other apps that point at these cases by a SQL foreign key (screening items, disputes, …)
            # would block the delete: a bench database only, so they go too
            cur.execute("SELECT conrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a "
                        "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                        "WHERE c.contype = 'f' AND c.confrelid = 'cases_case'::regclass")
            for table, column in cur.fetchall():
                cur.execute(f'DELETE FROM {table} WHERE "{column}" IN ({year_cases})', params)
            cur.execute(f"DELETE FROM cases_case WHERE id IN ({year_cases})", params)
            cur.execute("VACUUM ANALYZE cases_case")
        cur.execute("SELECT count(*) FROM cases_case WHERE region_id = %s", [region.pk])
        before = cur.fetchone()[0]
    copy_s = plain_copy(path)
    first_s, first = run_import(path, region, args.statements)
    again_s, again = run_import(path, region, args.statements)
    print(json.dumps({
        "file": str(path), "rows": first["total"], "cases_before": before,
        "copy_seconds": round(copy_s, 2),
        "import_seconds": round(first_s, 2), "import_ratio": round(first_s / copy_s, 2), "import": first,
        "reimport_seconds": round(again_s, 2), "reimport_ratio": round(again_s / copy_s, 2), "reimport": again,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }))


if __name__ == "__main__":
    main()
