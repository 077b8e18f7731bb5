"""`export_settlement --run ID --cases OUT.csv --hospitals OUT.csv [--funds OUT.csv]`: the results of a run."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.lifecycle import Lifecycle
from apps.core.scoping import region_scope, scopes_disabled
from apps.settlement.exports import (
    CASE_COLUMNS,
    FUND_COLUMNS,
    case_rows,
    fund_rows,
    hospital_columns,
    hospital_rows,
    write_csv,
)
from apps.settlement.models import SettlementRun

EXPORTABLE = (Lifecycle.READY, Lifecycle.PUBLISHED, Lifecycle.SUPERSEDED)


class Command(BaseCommand):
    help = "Export a settlement run: one CSV of case results and one of hospital results (interfaces.md §2)."

    def add_arguments(self, parser):
        parser.add_argument("--run", required=True, type=int, help="settlement run id")
        parser.add_argument("--cases", help="CSV file for the case results")
        parser.add_argument("--hospitals", help="CSV file for the hospital results")
        parser.add_argument("--funds", help="CSV file of the results per hospital and fund (two funds, domain §10)")

    def handle(self, *args, **opts):
        if not opts["cases"] and not opts["hospitals"] and not opts.get("funds"):
            raise CommandError("give --cases OUT.csv, --hospitals OUT.csv and/or --funds OUT.csv")
        with scopes_disabled():
            region_id = SettlementRun.objects.filter(pk=opts["run"]).values_list("region_id", flat=True).first()
        if region_id is None:
            raise CommandError(f"unknown settlement run {opts['run']}")
        summary: dict = {"run_id": opts["run"]}
        with region_scope(region_id):
            run = SettlementRun.objects.get(pk=opts["run"])
            if run.status not in EXPORTABLE:
                raise CommandError(f"run {run.pk} is {run.status}: only ready or published runs have results")
            summary.update(status=run.status, kind=run.kind, period=run.period, version=run.version,
                           point_value=None if run.point_value is None else format(run.point_value, "f"),
                           point_values=run.point_values or {})
            if opts.get("funds") and not run.point_values:
                raise CommandError(f"run {run.pk} pays one fund: there is no --funds file (domain §10)")
            targets = (("cases", CASE_COLUMNS, case_rows), ("hospitals", hospital_columns(run), hospital_rows),
                       ("funds", FUND_COLUMNS, fund_rows))
            for key, columns, rows in targets:
                if not opts.get(key):
                    continue
                try:
                    with open(opts[key], "w", encoding="utf-8", newline="") as handle:
                        summary[key] = write_csv(handle, columns, rows(run))
                except OSError as err:
                    raise CommandError(f"cannot write {opts[key]}: {err}") from err
                summary[f"{key}_file"] = opts[key]
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
