"""A full payment year: twelve monthly runs published, then the annual clearing (domain §5)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.selectors import cleared_years as cases_cleared_years
from apps.core.errors import InvalidTransition
from apps.settlement import formulas as f
from apps.settlement.enums import VersionStatus
from apps.settlement.models import HospitalResult, SettlementRun
from apps.settlement.selectors import cleared_years, published_run
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role

from .conftest import BUDGET, YEAR, add_cases, case

D = Decimal
COSTS = ["8000.00", "7350.25", "26000.00", "2500.00", "5123.45", "12000.00", "3999.99", "", "16800.00"]
CODES = ["ED11", "ED11", "ED11", "ED11", "EC19", "EB19", "EC19", "", "ED11"]


def year_of_cases(small) -> None:
    """Every month: each DRG-paid hospital gets a mix of normal, high, low, unstable and ungrouped cases."""
    h1, h2, _, h4, h5 = small["h"]
    rows = []
    for month in range(1, 13):
        for n, hospital in enumerate((h1, h2, h4, h5)):
            for i, (code, cost) in enumerate(zip(CODES, COSTS, strict=True)):
                if (i + n + month) % 4 == 0:
                    continue  # vary the mix per hospital and month
                amount = cost or "4321.00"
                self_pay = f"{(i * 37 + month * 11 + n) % 400}.{(i + month) % 100:02d}"
                rows.append(case(hospital, code, amount, dt.date(YEAR, month, 1 + (i * 3 + n) % 28), self_pay=self_pay))
    add_cases(rows)


def hospital_rows(run) -> dict[int, HospitalResult]:
    with scopes_disabled():
        return {h.hospital_id: h for h in HospitalResult.objects.filter(run=run)}


@pytest.mark.django_db
def test_full_year_clearing(small):
    year_of_cases(small)
    region = small["region"]
    admin = small["world"]["A"].users[Role.BUREAU_ADMIN]
    staff = small["world"]["A"].users[Role.BUREAU_STAFF]
    advances: dict[int, list[Decimal]] = {}
    for month in range(1, 13):
        run = settlement_run_start(actor=staff, region=region, kind="monthly", period=f"{YEAR}-{month:02d}")
        assert run.status == VersionStatus.READY, run.error
        run = settlement_run_publish(actor=admin, run=run)
        for hospital_id, row in hospital_rows(run).items():
            assert row.advance == f.advance(row.due, D("0.95"))
            advances.setdefault(hospital_id, []).append(row.advance)
        # the month's fund due adds up to budget / 12 within the point value's and the cents' rounding
        assert abs(run.total_due - BUDGET / 12) <= D("0.00005") * run.total_adjusted_points + D("0.005") * 4

    annual = settlement_run_start(actor=staff, region=region, kind="annual", period=str(YEAR))
    assert annual.status == VersionStatus.READY, annual.error
    rows = hospital_rows(annual)
    assert set(rows) == set(advances)
    pv = f.annual_point_value(BUDGET, annual.total_self_pay, annual.total_adjusted_points)
    assert annual.point_value == pv
    total_due = D(0)
    for hospital_id, row in rows.items():
        assert row.due == f.due(row.adjusted_points, pv, row.self_pay)
        assert row.advance == sum(advances[hospital_id])
        assert row.balance == row.due - sum(advances[hospital_id])  # exact
        total_due += row.due
    bound = D("0.00005") * annual.total_adjusted_points + D("0.005") * len(rows)
    assert abs(total_due - BUDGET) <= bound, (total_due, bound)
    assert annual.total_due == total_due
    assert annual.total_balance == total_due - sum(sum(a) for a in advances.values())
    assert cleared_years(region) == set()
    annual = settlement_run_publish(actor=admin, run=annual)
    assert cleared_years(region) == {YEAR}
    assert cases_cleared_years(region) == {YEAR}  # the cases import asks through its own selector

    # a re-run is version 2; publishing it supersedes version 1; both keep their numbers
    again = settlement_run_start(actor=staff, region=region, kind="annual", period=str(YEAR))
    assert again.version == 2 and again.status == VersionStatus.READY
    assert again.total_due == annual.total_due and again.total_balance == annual.total_balance
    assert published_run(region, "annual", str(YEAR)).pk == annual.pk
    settlement_run_publish(actor=admin, run=again)
    annual.refresh_from_db()
    assert annual.status == VersionStatus.SUPERSEDED
    assert published_run(region, "annual", str(YEAR)).pk == again.pk

    # a published run never changes
    with scopes_disabled():
        published = SettlementRun.objects.get(pk=again.pk)
        published.point_value = D("1")
        with pytest.raises(InvalidTransition):
            published.save()
        with pytest.raises(InvalidTransition):
            published.delete()
        statement = HospitalResult.objects.filter(run=again).first()
        statement.due = D("0")
        with pytest.raises(InvalidTransition):
            statement.save()
    with pytest.raises(InvalidTransition):
        settlement_run_publish(actor=admin, run=again)  # already published
    # the year is cleared: a monthly run can still be computed but no longer published
    late = settlement_run_start(actor=staff, region=region, kind="monthly", period=f"{YEAR}-12")
    assert late.version == 2
    with pytest.raises(InvalidTransition):
        settlement_run_publish(actor=admin, run=late)
