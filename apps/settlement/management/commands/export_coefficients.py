"""`export_coefficients --region C --year Y OUT.csv`: `hospital_code,level,cost_index,level_index,coefficient,is_new`."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.lifecycle import Lifecycle
from apps.core.scoping import region_scope
from apps.settlement.exports import COEFFICIENT_COLUMNS, coefficient_rows, write_csv
from apps.settlement.models import CoefficientVersion
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Export the published hospital coefficients of a region and year (else the latest ready version)."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--year", required=True, type=int, help="payment year")
        parser.add_argument("out", help="CSV file to write")

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"unknown region {opts['region']!r}")
        year = opts["year"]
        with region_scope(region.pk):
            versions = CoefficientVersion.objects.filter(region=region, year=year).order_by("-number")
            version = (versions.filter(status=Lifecycle.PUBLISHED).first()
                       or versions.filter(status=Lifecycle.READY).first())
            if version is None:
                raise CommandError(f"no computed coefficients for {region.code} {year}")
            try:
                with open(opts["out"], "w", encoding="utf-8", newline="") as handle:
                    rows = write_csv(handle, COEFFICIENT_COLUMNS, coefficient_rows(version))
            except OSError as err:
                raise CommandError(f"cannot write {opts['out']}: {err}") from err
        self.stdout.write(json.dumps({"region": region.code, "year": year, "version_id": version.pk,
                                      "number": version.number, "status": version.status, "rows": rows,
                                      "file": opts["out"]}, ensure_ascii=False))
