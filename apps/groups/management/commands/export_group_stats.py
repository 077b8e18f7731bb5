"""`export_group_stats --region C --year Y OUT.csv`: `code,n,mean_cost,sd,cv,stable,base_points`."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.groups.exports import write_stats_csv
from apps.groups.selectors import latest_ready_stats, published_stats

from ._common import region_or_fail, year_or_fail


class Command(BaseCommand):
    help = "Export the published group statistics of a region and year (else the latest ready version)."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code")
        parser.add_argument("--year", required=True, type=int, help="payment year")
        parser.add_argument("out")

    def handle(self, *args, **opts):
        region = region_or_fail(opts["region"])
        year = year_or_fail(opts["year"])
        version = published_stats(region, year) or latest_ready_stats(region, year)
        if version is None:
            raise CommandError(f"no computed statistics for {region.code} {year}")
        with open(opts["out"], "w", encoding="utf-8", newline="") as handle:
            rows = write_stats_csv(version, handle)
        self.stdout.write(json.dumps({"region": region.code, "year": year, "version_id": version.pk,
                                      "number": version.number, "status": version.status, "rows": rows,
                                      "file": opts["out"]}, ensure_ascii=False))
