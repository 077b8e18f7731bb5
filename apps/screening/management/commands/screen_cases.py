"""`screen_cases --region C --period YYYY|YYYY-MM`: the rules of domain §11 over the period's cases."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.scoping import region_scope
from apps.screening.services import screen_cases
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Run the screening rules (split admission, upcoding, low-standard admission, cost shifting); prints counts per rule."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--period", required=True, help="YYYY or YYYY-MM (discharge dates)")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']}")
        try:
            with region_scope(region.pk):
                result = screen_cases(actor=None, region=region, period=opts["period"])
        except DomainError as err:
            raise CommandError(err.message) from err
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
