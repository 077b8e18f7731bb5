"""`what_if --region C --year Y --name N [--set name=value …] [--period P] [--export OUT.xlsx]` builds and computes a
what-if scenario; `what_if --adopt ID --reason R` adopts one as the year's policy. Prints one JSON line."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.tenants.models import Region


def _text(value) -> str | None:
    return None if value is None else str(value)


class Command(BaseCommand):
    help = "Build and compute a what-if scenario (or adopt one) and print its point value and per-hospital differences."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code")
        parser.add_argument("--year", type=int)
        parser.add_argument("--name")
        parser.add_argument("--period", default="", help="YYYY (default: the year) or YYYY-MM")
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                            help="a policy parameter by its set_policy name (repeat)")
        parser.add_argument("--export", help="write the XLSX to this path")
        parser.add_argument("--adopt", type=int, metavar="ID", help="adopt scenario ID as its year's policy")
        parser.add_argument("--reason", default="", help="reason for adopting (required with --adopt)")

    def handle(self, *args, **opts):
        from apps.scenarios.exports import scenario_xlsx
        from apps.scenarios.models import Scenario
        from apps.scenarios.selectors import scenario_figures
        from apps.scenarios.services import scenario_adopt, scenario_create

        with scopes_disabled():
            try:
                if opts["adopt"]:
                    scenario = Scenario.objects.filter(pk=opts["adopt"]).first()
                    if scenario is None:
                        raise CommandError(f"unknown scenario {opts['adopt']}")
                    policy = scenario_adopt(actor=None, scenario=scenario, reason=opts["reason"])
                    self.stdout.write(json.dumps({"scenario": scenario.pk, "adopted": True, "year": policy.year,
                                                  "parameters": scenario.parameters}, ensure_ascii=False))
                    return
                region = Region.objects.filter(code=opts["region"] or "").first()
                if region is None or not opts["year"] or not opts["name"]:
                    raise CommandError("--region (a known code), --year and --name are required")
                values = {}
                for item in opts["set"]:
                    name, sep, value = item.partition("=")
                    if not sep:
                        raise CommandError(f"--set {item!r}: write NAME=VALUE")
                    values[name.strip()] = value.strip()
                scenario = scenario_create(actor=None, region=region, year=opts["year"], name=opts["name"],
                                           parameters=values, period=opts["period"] or None, sync=True)
            except DomainError as err:
                raise CommandError(str(err.message))
            if scenario.status != "ready":
                raise CommandError(f"scenario {scenario.pk} failed: {scenario.error}")
            figures = scenario_figures(scenario)
            if opts["export"]:
                Path(opts["export"]).write_bytes(scenario_xlsx(scenario, figures))
        self.stdout.write(json.dumps({
            "scenario": scenario.pk, "status": scenario.status, "period": scenario.period, "baseline": scenario.baseline,
            "point_value": _text(figures.point_value), "published_point_value": _text(figures.baseline_point_value),
            "point_values": figures.point_values, "due": _text(figures.totals["due"]),
            "published_due": _text(figures.totals["published_due"]), "difference": _text(figures.totals["difference"]),
            "hospitals": [{"hospital": r["code"], "due": _text(r["due"]), "published_due": _text(r["published_due"]),
                           "difference": _text(r["difference"])} for r in figures.hospitals],
        }, ensure_ascii=False))
