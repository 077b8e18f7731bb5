"""`import_catalogue --region C --version V FILE` (interfaces.md §2): a `code,name,mdc,adrg` CSV/XLSX."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.groups.services import catalogue_import

from ._common import VersionOptionMixin, region_or_fail


class Command(VersionOptionMixin, BaseCommand):
    help = "Import a group catalogue file into a catalogue version; prints one JSON summary line."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--version", required=True, dest="catalogue_version", help="catalogue version, e.g. chs-drg-2.0-local")
        parser.add_argument("--name", default="", help="display name of a new catalogue")
        parser.add_argument("--activate", action="store_true", help="make it the region's active catalogue")
        parser.add_argument("file")

    def handle(self, *args, **opts):
        region = region_or_fail(opts["region"])
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            summary = catalogue_import(actor=None, region=region, version=opts["catalogue_version"],
                                       data=path.read_bytes(), filename=path.name, name=opts["name"],
                                       activate=opts["activate"])
        except DomainError as err:
            raise CommandError(str(err.message))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        if summary["rejected"] and not summary["catalogue_id"]:
            raise CommandError(f"no valid row in {path.name}")
