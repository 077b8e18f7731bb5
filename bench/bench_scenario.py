"""What-if scenario benchmark: a scenario against the real run of the same period (issue 19 "as fast as a real run").

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_scenario.py --year 2025

Needs the bench region with its cases (generate_region.py + bench_import.py). Prepares, where missing and timed:
hospitals DRG-paid, the year's group statistics published, coefficients published, a fund budget. Then, `--repeat`
times each, all `sync=True` (the Celery task body):

* real: `settlement_run_start(kind="simulation", period=YYYY)` — the real run a scenario computes the same way;
* budget: a scenario changing `fund_budget` (+5 %) — published statistics and coefficients reused, one run;
* ratios: a scenario changing `high_ratio_3`/`low_ratio_2` — one run;
* stability: a scenario changing `min_cases` and `w_level`/`w_cost` — statistics, coefficients and one run.

With no published annual run of the year the scenario also computes the baseline (the current policy's run),
reported as `baseline_computed`; `--publish-annual` first publishes an annual run so the baseline is read, not
computed (the steady state once a year is cleared). Scenarios are deleted afterwards. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from decimal import ROUND_HALF_UP, Decimal

from _setup import django_setup, peak_rss_mb


def prepare(region, year: int, publish_annual: bool) -> dict:
    from django.db.models import F, Sum

    from apps.cases.models import Case
    from apps.groups.selectors import published_stats
    from apps.groups.services import group_stats_compute, group_stats_publish
    from apps.hospitals.models import Hospital
    from apps.hospitals.services import hospital_update
    from apps.settlement.selectors import published_coefficients, published_run
    from apps.settlement.services import (
        coefficients_compute,
        coefficients_publish,
        settlement_run_publish,
        settlement_run_start,
    )
    from apps.tenants.services import policy_get_or_create, policy_set

    prep: dict = {}
    unpaid = list(Hospital.objects.filter(region=region, drg_enabled_from__isnull=True))
    for hospital in unpaid:
        hospital_update(actor=None, hospital=hospital, drg_enabled_from=dt.date(year - 4, 1, 1),
                        reason="bench: DRG-paid from the first case year")
    prep["hospitals_enabled"] = len(unpaid)
    if published_stats(region, year) is None:
        started = time.monotonic()
        group_stats_publish(actor=None, version=group_stats_compute(actor=None, region=region, year=year, sync=True))
        prep["stats_s"] = round(time.monotonic() - started, 2)
    if published_coefficients(region, year) is None:
        started = time.monotonic()
        coefficients_publish(actor=None, version=coefficients_compute(actor=None, region=region, year=year, sync=True))
        prep["coefficients_s"] = round(time.monotonic() - started, 2)
    policy = policy_get_or_create(region=region, year=year)
    if not policy.fund_budget:
        paid = Case.objects.filter(region=region, discharge_date__year=year - 1, hospital__drg_enabled_from__isnull=False,
                                   hospital__drg_enabled_from__lte=F("discharge_date")).aggregate(s=Sum("fund_paid"))["s"]
        budget = (Decimal(paid or 0) * Decimal("1.02")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        policy_set(actor=None, region=region, year=year, values={"fund_budget": budget}, reason="bench budget")
        prep["fund_budget"] = str(budget)
    if publish_annual and published_run(region, "annual", str(year)) is None:
        started = time.monotonic()
        settlement_run_publish(actor=None, run=settlement_run_start(actor=None, region=region, kind="annual",
                                                                    period=str(year), sync=True))
        prep["annual_published_s"] = round(time.monotonic() - started, 2)
    return prep


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--publish-annual", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django_scopes import scope, scopes_disabled

    from apps.cases.models import Case
    from apps.scenarios.models import Scenario
    from apps.scenarios.services import scenario_create, scenario_delete
    from apps.settlement.services import settlement_run_start
    from apps.tenants.models import Region
    from apps.tenants.services import policy_get_or_create

    year = args.year
    with scopes_disabled():
        region = Region.objects.get(code=args.region)
    result: dict = {"region": region.code, "year": year}
    with scope(region=[region.pk]):
        result["prepare"] = prepare(region, year, args.publish_annual)
        result["cases"] = Case.objects.filter(region=region, discharge_date__year=year).count()
        budget = policy_get_or_create(region=region, year=year).fund_budget
        variants = {
            "budget": {"fund_budget": str((budget * Decimal("1.05")).quantize(Decimal("0.01")))},
            "ratios": {"high_ratio_3": "2.5", "low_ratio_2": "0.3"},
            "stability": {"min_cases": "10", "w_level": "0.7", "w_cost": "0.3"},
        }
        timings: dict[str, list[float]] = {"real": []}
        for i in range(args.repeat):
            started = time.monotonic()
            run = settlement_run_start(actor=None, region=region, kind="simulation", period=str(year), sync=True)
            timings["real"].append(round(time.monotonic() - started, 2))
            result["real_point_value"] = str(run.point_value)
            for name, parameters in variants.items():
                started = time.monotonic()
                scenario = scenario_create(actor=None, region=region, year=year, name=f"bench {name} {i} {time.time()}",
                                           parameters=parameters, sync=True)
                timings.setdefault(name, []).append(round(time.monotonic() - started, 2))
                assert scenario.status == "ready", scenario.error
                result[f"{name}_point_value"] = str(Scenario.objects.get(pk=scenario.pk).run.point_value)
                result["baseline_computed"] = scenario.baseline == "current"
                scenario_delete(actor=None, scenario=scenario)
        result["seconds"] = timings
        result["ratio_to_real"] = {k: round(min(v) / min(timings["real"]), 2) for k, v in timings.items() if k != "real"}
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
