"""Demo hook called by `seed_demo`: one saved what-if scenario in Xuancheng (341800), computed for the latest
month with a published monthly run (so it is compared with that run and costs one month's run).

Idempotent: a scenario of that name that exists is left alone.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.tenants.models import Region

DEMO_REGION = "341800"
NAME = "预算上调5%·三级高倍率2.5"


def seed_region(region: Region) -> dict:
    from apps.core.demo_data import DEMO_PAYMENT_YEAR
    from apps.settlement.selectors import published_monthly_runs
    from apps.tenants.services import policy_get_or_create

    from .models import Scenario
    from .services import scenario_create

    if region.code != DEMO_REGION:
        return {}
    year = DEMO_PAYMENT_YEAR
    with scopes_disabled():
        if Scenario.objects.filter(region=region, year=year, name=NAME).exists():
            return {"scenario": "exists"}
        latest = published_monthly_runs(region, year).last()
        policy = policy_get_or_create(region=region, year=year)
        if latest is None or not policy.fund_budget:
            return {"scenario": "skipped: no published monthly run"}
        budget = (policy.fund_budget * Decimal("1.05")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        try:
            scenario = scenario_create(
                actor=None, region=region, year=year, name=NAME, period=latest.period, sync=True,
                note="演示：基金预算上调5%，三级医院高倍率界值由3.0降为2.5",
                parameters={"fund_budget": str(budget), "high_ratio_3": "2.5"})
        except DomainError as err:
            return {"scenario": f"failed: {err.message}"}
    return {"scenario": scenario.pk, "status": scenario.status, "period": scenario.period}
