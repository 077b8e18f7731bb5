"""Demo hook called by `seed_demo` after the group statistics: budget, coefficients, monthly runs, a simulation.

Idempotent: whatever is already published (or, for the simulation, computed) is left alone.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Sum
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.tenants.models import Region
from apps.tenants.services import policy_get_or_create, policy_set

from .enums import RunKind, VersionStatus
from .selectors import published_coefficients, published_run, run_versions
from .services import coefficients_compute, coefficients_publish, settlement_run_publish, settlement_run_start

BUDGET_GROWTH = Decimal("1.02")


def _payment_year() -> int:
    from apps.core.demo_data import DEMO_PAYMENT_YEAR

    return DEMO_PAYMENT_YEAR


def _drg_cases(region: Region, year: int):
    """The region's cases of `year` that a settlement would pay (hospital DRG-paid on the discharge date)."""
    from apps.cases.models import Case

    return Case.objects.with_scope(region=[region.pk]).filter(
        region=region, discharge_date__year=year, hospital__active=True,
        hospital__drg_enabled_from__isnull=False, hospital__drg_enabled_from__lte=F("discharge_date"))


def _budget(region: Region, year: int) -> Decimal | None:
    """Set a plausible fund budget when none is set: 1.02 × the previous year's DRG fund paid, in yuan."""
    policy = policy_get_or_create(region=region, year=year)
    if policy.fund_budget and policy.fund_budget > 0:
        return policy.fund_budget
    paid = _drg_cases(region, year - 1).aggregate(s=Sum("fund_paid"))["s"] or _drg_cases(region, year).aggregate(
        s=Sum("fund_paid"))["s"]
    if not paid:
        return None
    budget = (paid * BUDGET_GROWTH).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    with scopes_disabled():
        policy_set(actor=None, region=region, year=year, values={"fund_budget": budget},
                   reason=f"demo: {BUDGET_GROWTH} × the {year - 1} DRG fund paid")
    return budget


def _coefficients(region: Region, year: int) -> dict:
    version = published_coefficients(region, year)
    if version is None:
        version = coefficients_compute(actor=None, region=region, year=year, sync=True)
        if version.status != VersionStatus.READY:
            return {"status": version.status, "error": version.error}
        version = coefficients_publish(actor=None, version=version)
    return {"version_id": version.pk, "number": version.number, "status": version.status}


def seed_region(region: Region, year: int | None = None) -> dict:
    """Budget, published coefficients, published monthly runs for the months with cases, one simulation."""
    from apps.groups.selectors import published_stats

    year = year or _payment_year()
    summary: dict = {"region": region.code, "year": year, "runs": [], "errors": []}
    if published_stats(region, year) is None:
        summary["errors"].append(f"no published group statistics for {year}")
        return summary
    try:
        budget = _budget(region, year)
        summary["fund_budget"] = str(budget) if budget is not None else None
        summary["coefficients"] = _coefficients(region, year)
    except DomainError as err:
        summary["errors"].append(err.message)
        return summary
    if budget is None or summary["coefficients"].get("status") != VersionStatus.PUBLISHED:
        return summary
    months = sorted({d.month for d in _drg_cases(region, year).dates("discharge_date", "month")})
    for month in months:
        period = f"{year}-{month:02d}"
        if published_run(region, RunKind.MONTHLY, period) is not None:
            continue
        try:
            run = settlement_run_start(actor=None, region=region, kind=RunKind.MONTHLY, period=period, sync=True)
            if run.status == VersionStatus.READY:
                run = settlement_run_publish(actor=None, run=run)
            summary["runs"].append({"period": period, "run_id": run.pk, "status": run.status,
                                    "point_value": str(run.point_value)})
        except DomainError as err:
            summary["errors"].append(f"{period}: {err.message}")
    done = run_versions(region, RunKind.SIMULATION, str(year)).filter(
        status__in=(VersionStatus.READY, VersionStatus.PUBLISHED)).exists()
    if months and not done:
        try:
            run = settlement_run_start(actor=None, region=region, kind=RunKind.SIMULATION, period=str(year), sync=True)
            summary["runs"].append({"period": f"simulation {year}", "run_id": run.pk, "status": run.status,
                                    "point_value": str(run.point_value)})
        except DomainError as err:
            summary["errors"].append(f"simulation {year}: {err.message}")
    return summary
