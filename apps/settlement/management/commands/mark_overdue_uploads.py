"""`mark_overdue_uploads [--region C] [--period YYYY-MM]`: flag 逾期 the hospitals that have not declared a month
complete by its upload deadline (domain §10); what the daily beat task does, on demand."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.scoping import region_scope, scopes_disabled
from apps.settlement.services import months_flag_overdue
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Flag overdue month declarations and print {region: [hospital codes]}."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code (default: every region)")
        parser.add_argument("--period", help="YYYY-MM (default: the latest month past its deadline)")

    def handle(self, *args, **opts):
        with scopes_disabled():
            regions = Region.objects.order_by("code")
            if opts["region"]:
                regions = regions.filter(code=opts["region"])
            regions = list(regions)
        if opts["region"] and not regions:
            raise CommandError(f"unknown region {opts['region']!r}")
        out = {}
        for region in regions:
            try:
                with region_scope(region.pk):
                    rows = months_flag_overdue(region=region, period=opts["period"])
                    out[region.code] = [r.hospital.code for r in rows]
            except DomainError as err:
                raise CommandError(str(err.message))
        self.stdout.write(json.dumps({"flagged": out}, ensure_ascii=False))
