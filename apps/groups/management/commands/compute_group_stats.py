"""`compute_group_stats --region C --year Y [--publish]` (domain §2): a new statistics version."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.groups.services import group_stats_compute, group_stats_publish

from ._common import region_or_fail, year_or_fail


class Command(BaseCommand):
    help = "Compute the group statistics of a region and payment year (synchronously); prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--year", required=True, type=int, help="payment year")
        parser.add_argument("--publish", action="store_true")

    def handle(self, *args, **opts):
        region = region_or_fail(opts["region"])
        year = year_or_fail(opts["year"])
        try:
            version = group_stats_compute(actor=None, region=region, year=year, sync=True)
            if version.status != Lifecycle.READY:
                raise CommandError(f"statistics failed: {version.error}")
            if opts["publish"]:
                version = group_stats_publish(actor=None, version=version)
        except DomainError as err:
            raise CommandError(str(err.message))
        self.stdout.write(json.dumps({
            "region": region.code, "year": year, "version_id": version.pk, "number": version.number,
            "status": version.status, "catalogue": version.catalogue.version, "base_period": [version.base_start, version.base_end],
            "all_avg": str(version.all_avg), "cases": version.n_cases, "groups": version.n_groups,
        }, ensure_ascii=False))
