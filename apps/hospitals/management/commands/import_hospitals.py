"""`import_hospitals --region C FILE [--errors OUT.csv] [--dry-run]` (interfaces.md §2).

Prints one JSON summary line. Exit code 0 when the file was processed (rejected rows are counted
and written to --errors); ≠ 0 with a message on stderr for an unknown region, an unreadable file or
wrong columns (then nothing is imported).
"""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.scoping import region_scope
from apps.hospitals.services import ImportFileError, hospitals_import
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Import the hospitals file (CSV or XLSX) into a region; prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("file", help="CSV (UTF-8, header) or XLSX: code,name,level,grade,type,drg_enabled_from")
        parser.add_argument("--errors", help="write the rejected rows here (row,code,field,error_code,message)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']}")
        path = Path(opts["file"])
        try:
            data = path.read_bytes()
        except OSError as err:
            raise CommandError(f"cannot read {path}: {err.strerror}")
        try:
            with region_scope(region.pk):
                report = hospitals_import(actor=None, region=region, data=data, filename=path.name,
                                          dry_run=opts["dry_run"])
        except ImportFileError as err:
            detail = {"missing_columns": err.missing, "unknown_columns": err.unknown}
            raise CommandError(f"{path.name}: {err.message} {json.dumps(detail, ensure_ascii=False)}")
        except DomainError as err:
            raise CommandError(str(err.message))
        if opts["errors"]:
            Path(opts["errors"]).write_bytes(report.errors_csv())
        self.stdout.write(json.dumps({"region": region.code, "file": path.name, **report.summary()}, ensure_ascii=False))
