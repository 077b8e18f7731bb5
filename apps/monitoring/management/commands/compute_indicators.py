"""`compute_indicators --region C --period YYYY|YYYY-Qn|YYYY-MM [--rank]` (domain §8)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.monitoring.services import indicators_compute, ranking_compute
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Compute the monitoring indicators of a period (synchronously); --rank also ranks a quarter."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--period", required=True, help="YYYY, YYYY-Qn or YYYY-MM")
        parser.add_argument("--rank", action="store_true", help="for a quarter: compute the draft ranking too")

    def handle(self, *args, **opts):
        with scopes_disabled():
            region = Region.objects.filter(code=opts["region"]).first()
            if region is None:
                raise CommandError(f"unknown region {opts['region']!r}")
            try:
                item = indicators_compute(actor=None, region=region, period=opts["period"], sync=True)
                if item.status != Lifecycle.READY:
                    raise CommandError(f"indicators of {item.period} failed: {item.error}")
                summary = {"period_id": item.pk, "period": item.period, "status": item.status, "cases": item.cases,
                           "hospitals": item.hospitals_total,
                           "coverage": {"hospitals": str(item.hospitals_share), "cases": str(item.cases_share),
                                        "fund": str(item.fund_share)}}
                if opts["rank"]:
                    ranking = ranking_compute(actor=None, region=region, quarter=item.period)
                    summary["ranking_id"] = ranking.pk
            except DomainError as err:
                raise CommandError(str(err.message))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
