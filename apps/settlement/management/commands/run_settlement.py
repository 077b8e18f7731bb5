"""`run_settlement --region C --kind monthly|annual|simulation --period YYYY-MM|YYYY [--publish]` (domain §4–5)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.settlement.enums import RunKind
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Compute a settlement run (synchronously) and print {run_id, status, point_value, cases, adjusted_points}."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--kind", required=True, choices=RunKind.values)
        parser.add_argument("--period", required=True, help="YYYY-MM (monthly, simulation) or YYYY (annual, simulation)")
        parser.add_argument("--publish", action="store_true", help="publish the run (supersedes the earlier version)")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']!r}")
        try:
            run = settlement_run_start(actor=None, region=region, kind=opts["kind"], period=opts["period"], sync=True)
            if run.status != Lifecycle.READY:
                raise CommandError(f"settlement run {run.pk} failed: {run.error}")
            if opts["publish"]:
                run = settlement_run_publish(actor=None, run=run)
        except DomainError as err:
            raise CommandError(str(err.message))
        self.stdout.write(json.dumps({
            "run_id": run.pk, "status": run.status,
            "point_value": str(run.point_value) if run.point_value is not None else None,
            **({"point_values": run.point_values} if run.point_values else {}),
            "cases": run.cases,
            "adjusted_points": str(run.total_adjusted_points) if run.total_adjusted_points is not None else None,
        }, ensure_ascii=False))
