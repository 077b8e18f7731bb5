"""`group_cases --region C [--version V] [--period YYYY|YYYY-MM] [--all]` (interfaces.md §2): one JSON line.

Runs the region's grouper over the cases without a portal grouping (or all of them) in id-range chunks:
here, on every core without needing a worker (default: one process per core over disjoint id ranges,
`--workers N` to choose), or with `--queue` as parallel Celery tasks on the workers while this command follows
the progress. Prints counts per status and how many differ from the declared drg_code (and their shares).
"""
from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from apps.cases.enums import GroupingScope
from apps.cases.models import GroupingJob
from apps.cases.services import grouping_job_start
from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Group a region's cases with the portal grouper; prints one JSON line with the counts per status."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # our --version (a grouper rule-set version) replaces Django's --version flag
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--version", dest="grouper_version", default=None,
                            help="grouper rule set (default: the region's catalogue version if loaded, else the newest)")
        parser.add_argument("--period", default=None, help="discharge period YYYY or YYYY-MM")
        parser.add_argument("--all", action="store_true", help="regroup every case (default: cases not grouped yet)")
        parser.add_argument("--queue", action="store_true",
                            help="run the chunks as parallel Celery tasks and wait for them")
        parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait with --queue")
        parser.add_argument("--workers", type=int, default=None,
                            help="processes to group in without --queue (default: one per core)")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']!r}")
        started = time.monotonic()
        with scope(region=[region.pk]):
            try:
                job = grouping_job_start(actor=None, region=region, version=opts["grouper_version"],
                                         scope=GroupingScope.ALL if opts["all"] else GroupingScope.PENDING,
                                         period=opts["period"], sync=not opts["queue"], workers=opts["workers"])
            except DomainError as err:
                raise CommandError(str(err.message))
            while not job.finished:
                if time.monotonic() - started > opts["timeout"]:
                    raise CommandError(f"grouping run {job.pk} not finished after {opts['timeout']} s "
                                       f"({job.done}/{job.total}); is a Celery worker running?")
                sys.stderr.write(f"\rgrouping {job.done}/{job.total} ({job.progress}%)")
                time.sleep(1)
                job = GroupingJob.objects.get(pk=job.pk)
            if job.status == Lifecycle.FAILED:
                raise CommandError(f"grouping failed: {job.error_message}")
        summary = job.summary()
        seconds = time.monotonic() - started
        cases = summary.get("cases") or 0
        summary["seconds"] = round(seconds, 2)
        summary["cases_per_second"] = round(cases / seconds) if seconds and cases else 0
        summary["differ_pct"] = round(100 * summary["differ_from_declared"] / cases, 2) if cases else 0.0
        summary["ungroupable_or_invalid_pct"] = (
            round(100 * (summary["ungroupable"] + summary["invalid"]) / cases, 2) if cases else 0.0)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
