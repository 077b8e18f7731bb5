"""A full payment year: twelve monthly runs published, then the annual clearing (domain §5)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.selectors import cleared_years as cases_cleared_years
from apps.core.errors import InvalidTransition
from apps.core.lifecycle import Lifecycle
from apps.settlement import formulas as f
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
        assert run.status == Lifecycle.READY, run.error
        run = settlement_run_publish(actor=admin, run=run)
        for hospital_id, row in hospital_rows(run).items():
            assert row.advance == f.advance(row.due, D("0.95"))
            advances.setdefault(hospital_id, []).append(row.advance)
        # the month's fund due adds up to budget / 12 within the point value's and the cents' rounding
        assert abs(run.total_due - BUDGET / 12) <= D("0.00005") * run.total_adjusted_points + D("0.005") * 4

    annual = settlement_run_start(actor=staff, region=region, kind="annual", period=str(YEAR))
    assert annual.status == Lifecycle.READY, annual.error
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
    assert again.version == 2 and again.status == Lifecycle.READY
    assert again.total_due == annual.total_due and again.total_balance == annual.total_balance
    assert published_run(region, "annual", str(YEAR)).pk == annual.pk
    settlement_run_publish(actor=admin, run=again)
    annual.refresh_from_db()
    assert annual.status == Lifecycle.SUPERSEDED
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


@pytest.mark.django_db
def test_full_year_clearing_two_funds(small):
    """Domain §10: the same year paid from two funds — 12 monthly runs published, then the annual clearing, each
    fund with its own point value, and every hospital's balance exact per fund and in total."""
    from apps.settlement.models import FundResult, HospitalFundResult
    from apps.tenants.services import policy_set

    b310, b390 = D("700000.00"), D("500000.00")
    with scopes_disabled():
        policy_set(actor=None, region=small["region"], year=YEAR,
                   values={"fund_budget_310": b310, "fund_budget_390": b390})
    year_of_cases(small)
    with scopes_disabled():  # every third case is a resident (390); h5 is an employees-only hospital
        from apps.cases.models import Case

        cases = list(Case.objects.filter(region=small["region"], discharge_date__year=YEAR).order_by("pk"))
        residents = [c.pk for i, c in enumerate(cases) if i % 3 == 0 and c.hospital_id != small["h"][4].pk]
        Case.objects.filter(pk__in=residents).update(insurance_type="390")
    region = small["region"]
    admin = small["world"]["A"].users[Role.BUREAU_ADMIN]
    staff = small["world"]["A"].users[Role.BUREAU_STAFF]
    advances: dict[tuple[int, str], list[Decimal]] = {}
    for month in range(1, 13):
        run = settlement_run_start(actor=staff, region=region, kind="monthly", period=f"{YEAR}-{month:02d}")
        assert run.status == Lifecycle.READY, run.error
        run = settlement_run_publish(actor=admin, run=run)
        with scopes_disabled():
            funds = {x.insurance_type: x for x in FundResult.objects.filter(run=run)}
            for fund, budget in (("310", b310), ("390", b390)):
                fr = funds[fund]
                assert fr.point_value == f.monthly_point_value(budget, fr.self_pay, fr.adjusted_points)
                assert run.point_values[fund] == str(fr.point_value)
                assert abs(fr.due - budget / 12) <= D("0.00005") * fr.adjusted_points + D("0.005") * 4
            for x in HospitalFundResult.objects.filter(run=run):
                assert x.due == f.due(x.adjusted_points, funds[x.insurance_type].point_value, x.self_pay)
                assert x.advance == f.advance(x.due, D("0.95"))
                advances.setdefault((x.hospital_id, x.insurance_type), []).append(x.advance)
        assert run.point_value is None

    annual = settlement_run_start(actor=staff, region=region, kind="annual", period=str(YEAR))
    assert annual.status == Lifecycle.READY, annual.error
    with scopes_disabled():
        funds = {x.insurance_type: x for x in FundResult.objects.filter(run=annual)}
        per_fund = {(x.hospital_id, x.insurance_type): x for x in HospitalFundResult.objects.filter(run=annual)}
        totals = hospital_rows(annual)
    assert set(per_fund) == set(advances)
    assert small["h"][4].pk in totals and (small["h"][4].pk, "390") not in per_fund
    for fund, budget in (("310", b310), ("390", b390)):
        pv = f.annual_point_value(budget, funds[fund].self_pay, funds[fund].adjusted_points)
        assert funds[fund].point_value == pv and annual.point_values[fund] == str(pv)
        fund_due = D(0)
        for (hospital_id, code), x in per_fund.items():
            if code != fund:
                continue
            assert x.due == f.due(x.adjusted_points, pv, x.self_pay)
            assert x.advance == sum(advances[(hospital_id, code)])
            assert x.balance == x.due - sum(advances[(hospital_id, code)])  # exact, per fund
            fund_due += x.due
        assert funds[fund].due == fund_due
        assert abs(fund_due - budget) <= D("0.00005") * funds[fund].adjusted_points + D("0.005") * 4
        assert funds[fund].balance == fund_due - sum(sum(a) for (h, c), a in advances.items() if c == fund)
    for hospital_id, row in totals.items():
        mine = [x for (h, _c), x in per_fund.items() if h == hospital_id]
        assert row.point_value is None
        assert row.due == sum(x.due for x in mine) and row.advance == sum(x.advance for x in mine)
        assert row.balance == sum(x.balance for x in mine) == row.due - row.advance
    assert annual.total_balance == sum(x.balance for x in per_fund.values())
