"""`import_cases --region C FILE [--errors OUT.csv]` (interfaces.md §2): one JSON summary line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from apps.cases.services import case_import_run, case_import_start, private_path
from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Import a settlement-list file (CSV UTF-8 or XLSX) for a region; prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("file")
        parser.add_argument("--errors", help="write the per-row errors to this CSV")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--group", action="store_true",
                            help="group the new and changed cases here (default: queued Celery chunks)")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']}")
        source = Path(opts["file"])
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        with scope(region=[region.pk]):
            try:
                with source.open("rb") as fh:
                    job = case_import_start(actor=None, region=region, file=fh, filename=source.name,
                                            dry_run=opts["dry_run"], enqueue=False)
            except DomainError as err:
                raise CommandError(str(err.message))
            job = case_import_run(job, group_sync=opts["group"])
            if job.status == Lifecycle.FAILED:
                raise CommandError(job.error_message)
            if opts["errors"]:
                target = Path(opts["errors"])
                if job.error_file:
                    shutil.copyfile(private_path(job.error_file), target)
                else:
                    target.write_text("row,settlement_id,field,code,message\n", encoding="utf-8")
        self.stdout.write(json.dumps({
            "import_id": job.pk, "status": job.status, "total": job.total, "created": job.created,
            "updated": job.updated, "unchanged": job.unchanged, "rejected": job.rejected, "errors": job.error_count,
        }))
