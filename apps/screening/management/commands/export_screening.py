"""`export_screening --region C --period P OUT.csv`: `rule,settlement_id,hospital_code,related_settlement_id,status,evidence`."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.scoping import region_scope
from apps.screening.exports import write_csv
from apps.screening.models import ScreeningItem
from apps.screening.selectors import filter_items
from apps.screening.services import parse_period
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Export the screening items of a region's period as CSV (interfaces.md)."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--period", required=True, help="YYYY or YYYY-MM")
        parser.add_argument("out", help="CSV file to write")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']}")
        try:
            parse_period(opts["period"])
        except DomainError as err:
            raise CommandError(err.message) from err
        with region_scope(region.pk):
            qs = filter_items(ScreeningItem.objects.filter(region=region), period=opts["period"])
            try:
                with open(opts["out"], "w", encoding="utf-8", newline="") as handle:
                    n = write_csv(qs, handle)
            except OSError as err:
                raise CommandError(f"cannot write {opts['out']}: {err}") from err
        self.stdout.write(json.dumps({"region": region.code, "period": opts["period"], "items": n,
                                      "file": opts["out"]}, ensure_ascii=False))
