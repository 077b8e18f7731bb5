"""`load_catalogue --region C [--version chs-drg-2.0]`: the shipped CHS-DRG 2.0 catalogue, idempotent."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.groups.catalogue import SHIPPED_VERSION
from apps.groups.services import catalogue_load_shipped

from ._common import VersionOptionMixin, region_or_fail


class Command(VersionOptionMixin, BaseCommand):
    help = "Load the shipped CHS-DRG 2.0 catalogue (26 MDCs, 409 ADRGs, 634 DRGs) into a region."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--version", default=SHIPPED_VERSION, dest="catalogue_version")
        parser.add_argument("--activate", action="store_true", help="make it active even if another one is")

    def handle(self, *args, **opts):
        region = region_or_fail(opts["region"])
        try:
            summary = catalogue_load_shipped(actor=None, region=region, version=opts["catalogue_version"],
                                             activate=True if opts["activate"] else None)
        except DomainError as err:
            raise CommandError(str(err.message))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
