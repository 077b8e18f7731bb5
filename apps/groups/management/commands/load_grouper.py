"""`load_grouper --version chs-drg-1.1|yancheng-2023|yunnan-2023 [--region C ...] [--activate]`: a shipped grouper rule set and its
catalogue, idempotent (interfaces.md §2).

The rule set is national (one copy for all regions). Its catalogue version (CHS-DRG 1.1: 628 DRGs) goes
into the regions named with --region, or into every DRG region when none is named; a region's active
catalogue stays active unless --activate (or the region has none yet).
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.groups.grouper.files import SHIPPED
from apps.groups.grouper.loader import load_shipped

from ._common import VersionOptionMixin, region_or_fail


class Command(VersionOptionMixin, BaseCommand):
    help = "Load a shipped grouper rule set (e.g. chs-drg-1.1) and its catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--version", default="chs-drg-1.1", dest="grouper_version",
                            help=f"shipped rule set: {', '.join(sorted(SHIPPED))}")
        parser.add_argument("--region", action="append", default=None,
                            help="region code that gets the catalogue (repeatable; default: every DRG region)")
        parser.add_argument("--activate", action="store_true", help="make the catalogue the regions' active one")

    def handle(self, *args, **opts):
        version = opts["grouper_version"]
        if version not in SHIPPED:
            raise CommandError(f"unknown grouper version {version!r}; shipped: {', '.join(sorted(SHIPPED))}")
        with scopes_disabled():
            regions = [region_or_fail(code) for code in opts["region"]] if opts["region"] else None
            try:
                summary = load_shipped(version, actor=None, regions=regions, activate=opts["activate"])
            except DomainError as err:
                raise CommandError(str(err.message))
        self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
