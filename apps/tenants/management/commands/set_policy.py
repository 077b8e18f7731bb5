"""`set_policy --region C --year Y key=value …` (interfaces.md §2): parameters by their domain.md names."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import model_snapshot
from apps.core.errors import DomainError
from apps.tenants.models import PolicyYear, Region
from apps.tenants.services import policy_set


class Command(BaseCommand):
    help = "Set policy parameters of a region and year (created with defaults if new); prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--reason", default="")
        parser.add_argument("values", nargs="*", metavar="key=value")

    def handle(self, *args, **opts):
        values: dict[str, str] = {}
        for item in opts["values"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"expected key=value, got {item!r}")
            values[key.strip()] = value.strip()
        unknown = sorted(set(values) - set(PolicyYear.PARAMETERS))
        if unknown:
            raise CommandError(f"unknown parameter(s): {', '.join(unknown)}; known: {', '.join(PolicyYear.PARAMETERS)}")
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']!r}")
        if not 1900 <= opts["year"] <= 2999:
            raise CommandError(f"year {opts['year']} is out of range")
        try:
            policy = policy_set(actor=None, region=region, year=opts["year"], values=values, reason=opts["reason"])
        except DomainError as err:
            raise CommandError(str(err.message))
        self.stdout.write(json.dumps({
            "region": region.code, "year": policy.year, "policy_id": policy.pk, "set": sorted(values),
            "values": model_snapshot(policy, list(PolicyYear.PARAMETERS)),
        }, ensure_ascii=False))
