"""Demo hook called by `seed_demo` after the group statistics: budget, coefficients, monthly runs, a simulation.

Idempotent: whatever is already published (or, for the simulation, computed) is left alone.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Sum
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.tenants.models import Region
from apps.tenants.services import policy_get_or_create, policy_set

from .enums import RunKind
from .selectors import published_coefficients, published_run, run_versions
from .services import coefficients_compute, coefficients_publish, settlement_run_publish, settlement_run_start

BUDGET_GROWTH = Decimal("1.02")
# Yunnan simulates 职工 (310) and 居民 (390) separately (domain §10): the demo's Kunming pays two funds.
TWO_FUND_REGIONS = {"530100"}


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


def _two_funds(region: Region, year: int) -> dict | None:
    """Kunming: split the budget into the two funds, 1.02 × each fund's DRG fund paid of the previous year."""
    policy = policy_get_or_create(region=region, year=year)
    if region.code not in TWO_FUND_REGIONS:
        return None
    if policy.split_funds:
        return {"310": str(policy.fund_budget_310), "390": str(policy.fund_budget_390)}
    budgets = {}
    for fund in ("310", "390"):
        paid = (_drg_cases(region, year - 1).filter(insurance_type=fund).aggregate(s=Sum("fund_paid"))["s"]
                or _drg_cases(region, year).filter(insurance_type=fund).aggregate(s=Sum("fund_paid"))["s"]
                or Decimal(0))
        budgets[fund] = (paid * BUDGET_GROWTH).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if not any(budgets.values()):
        return None
    with scopes_disabled():
        policy_set(actor=None, region=region, year=year,
                   values={"fund_budget_310": budgets["310"], "fund_budget_390": budgets["390"]},
                   reason="demo: two funds (职工/居民), 1.02 × each fund's DRG fund paid of the year before")
    return {k: str(v) for k, v in budgets.items()}


def _deadlines(region: Region, year: int, months: list[int]) -> dict | None:
    """Every DRG hospital declared its months complete, except the demo hospital user's hospital, which missed
    the latest month past its deadline: flagged 逾期 (notified, audited), so that month's run suspends its advance."""
    from django.utils import timezone

    from apps.tenants.enums import Role
    from apps.tenants.models import Membership

    from .deadlines import deadline_of, drg_hospitals
    from .models import MonthSubmission
    from .services import months_flag_overdue

    today = timezone.localdate()
    due = [f"{year}-{m:02d}" for m in months if deadline_of(region, f"{year}-{m:02d}") < today]
    if not due:
        return None
    late_period = due[-1]
    staff = (Membership.objects.with_scope(region=[region.pk])
             .filter(region=region, role=Role.HOSPITAL_STAFF, hospital__isnull=False).order_by("pk").first())
    late_hospital = staff.hospital_id if staff else None
    now = timezone.now()
    rows = []
    for period in due:
        deadline = deadline_of(region, period)
        for hospital in drg_hospitals(region, period):
            if period == late_period and hospital.pk == late_hospital:
                continue
            rows.append(MonthSubmission(region=region, hospital=hospital, period=period, deadline=deadline,
                                        submitted_at=now))
    MonthSubmission.objects.with_scope(region=[region.pk]).bulk_create(rows, ignore_conflicts=True)
    flagged = months_flag_overdue(region=region, period=late_period, today=today)
    return {"period": late_period, "submitted": len(rows), "flagged": [r.hospital.code for r in flagged]}


def _coefficients(region: Region, year: int) -> dict:
    version = published_coefficients(region, year)
    if version is None:
        version = coefficients_compute(actor=None, region=region, year=year, sync=True)
        if version.status != Lifecycle.READY:
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
    if budget is None or summary["coefficients"].get("status") != Lifecycle.PUBLISHED:
        return summary
    months = sorted({d.month for d in _drg_cases(region, year).dates("discharge_date", "month")})
    try:
        summary["two_funds"] = _two_funds(region, year)
        if region.code in TWO_FUND_REGIONS:  # one demo hospital with a suspended month, in the same region
            summary["deadlines"] = _deadlines(region, year, months)
    except DomainError as err:
        summary["errors"].append(err.message)
    for month in months:
        period = f"{year}-{month:02d}"
        if published_run(region, RunKind.MONTHLY, period) is not None:
            continue
        try:
            run = settlement_run_start(actor=None, region=region, kind=RunKind.MONTHLY, period=period, sync=True)
            if run.status == Lifecycle.READY:
                run = settlement_run_publish(actor=None, run=run)
            summary["runs"].append({"period": period, "run_id": run.pk, "status": run.status,
                                    "point_value": str(run.point_value)})
        except DomainError as err:
            summary["errors"].append(f"{period}: {err.message}")
    done = run_versions(region, RunKind.SIMULATION, str(year)).filter(
        status__in=(Lifecycle.READY, Lifecycle.PUBLISHED)).exists()
    if months and not done:
        try:
            run = settlement_run_start(actor=None, region=region, kind=RunKind.SIMULATION, period=str(year), sync=True)
            summary["runs"].append({"period": f"simulation {year}", "run_id": run.pk, "status": run.status,
                                    "point_value": str(run.point_value)})
        except DomainError as err:
            summary["errors"].append(f"simulation {year}: {err.message}")
    return summary
