"""`compute_coefficients --region C --year Y [--publish]` (domain §3): a new coefficient version."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.settlement.selectors import coefficient_rows
from apps.settlement.services import coefficients_compute, coefficients_publish
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Compute the hospital coefficients of a region and payment year (synchronously); prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--year", required=True, type=int, help="payment year")
        parser.add_argument("--publish", action="store_true", help="publish the new version (supersedes the earlier one)")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']!r}")
        try:
            version = coefficients_compute(actor=None, region=region, year=opts["year"], sync=True)
            if version.status != Lifecycle.READY:
                raise CommandError(f"coefficients failed: {version.error}")
            if opts["publish"]:
                version = coefficients_publish(actor=None, version=version)
        except DomainError as err:
            raise CommandError(str(err.message))
        rows = coefficient_rows(version)
        self.stdout.write(json.dumps({
            "region": region.code, "year": version.year, "version_id": version.pk, "number": version.number,
            "status": version.status, "stats_version": version.stats_version.number,
            "hospitals": rows.count(), "new_hospitals": rows.filter(is_new=True).count(),
            "level_index": {str(lv): str(version.level_index(lv)) for lv in (1, 2, 3)},
        }, ensure_ascii=False))
