"""`load_holidays --region C --year Y`: load China's statutory holidays and 调休 workdays into a region's calendar."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.services import calendar_load_national, national_schedule
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Load the State Council holiday schedule of a year into a region's working-day calendar (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code, e.g. 341800")
        parser.add_argument("--year", required=True, type=int, action="append",
                            help=f"year (repeatable); shipped: {', '.join(map(str, sorted(national_schedule())))}")

    def handle(self, *args, region: str, year: list[int], **options):
        target = Region.objects.filter(code=region).first()
        if target is None:
            raise CommandError(f"region {region} does not exist")
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for y in year:
            try:
                summary = calendar_load_national(actor=None, region=target, year=y)
            except DomainError as err:
                raise CommandError(err.message)
            for key in totals:
                totals[key] += summary[key]
        self.stdout.write(json.dumps({"region": region, "years": year, **totals}))
