"""Simulation runs (fee-for-service comparison) and a DIP region (low 0.5 / high 2.0 at every level)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.core.lifecycle import Lifecycle
from apps.hospitals.services import hospital_create
from apps.settlement import formulas as f
from apps.settlement.enums import CaseType
from apps.settlement.models import CaseResult, HospitalResult
from apps.settlement.services import settlement_run_start
from apps.tenants.models import PolicyYear
from apps.tenants.services import region_create

from .conftest import BUDGET, YEAR, add_cases, base_cases, case, publish_inputs

D = Decimal


@pytest.mark.django_db
@pytest.mark.parametrize("period", [f"{YEAR}-03", str(YEAR)])
def test_simulation_compares_with_fee_for_service(small, period):
    h1, h2 = small["h"][:2]
    add_cases([case(h1, "ED11", "8000.00", dt.date(YEAR, 3, 1), self_pay="800.00"),
               case(h2, "EC19", "5000.00", dt.date(YEAR, 3, 2), self_pay="0", fund_paid="4500.00"),
               case(h2, "ED11", "9000.00", dt.date(YEAR, 7, 2))])
    run = settlement_run_start(actor=None, region=small["region"], kind="simulation", period=period)
    assert run.status == Lifecycle.READY, run.error
    with scopes_disabled():
        rows = list(HospitalResult.objects.filter(run=run))
        cases = list(CaseResult.objects.filter(run=run))
    assert len(cases) == (2 if "-" in period else 3)
    formula = f.monthly_point_value if "-" in period else f.annual_point_value
    assert run.point_value == formula(BUDGET, run.total_self_pay, run.total_adjusted_points)
    for row in rows:
        mine = [c for c in cases if c.hospital_id == row.hospital_id]
        assert row.fund_paid == sum(c.fund_paid for c in mine)
        assert row.ffs_difference == row.due - row.fund_paid
        assert row.advance is None and row.balance is None
    assert run.total_advance is None and run.total_balance is None


@pytest.mark.django_db
def test_dip_region_uses_half_and_double(world):
    with scopes_disabled():
        region = region_create(actor=None, code="220400", name="辽源", province_code="220000", province_name="吉林省",
                               payment_method="DIP")
        hospitals = [hospital_create(actor=None, region=region, code=f"H22040000{i}", name=f"辽源医院{i}", level=level,
                                     grade="甲", type="general", drg_enabled_from=dt.date(2024, 1, 1))
                     for i, level in ((1, 3), (2, 2), (3, 1))]
    add_cases(base_cases(hospitals))
    publish_inputs(region)
    with scopes_disabled():
        policy = PolicyYear.objects.get(region=region, year=YEAR)
    assert [policy.low_ratio(lv) for lv in (1, 2, 3)] == [D("0.5")] * 3
    assert [policy.high_ratio(lv) for lv in (1, 2, 3)] == [D("2.0")] * 3
    h3, _, h1 = hospitals
    day = dt.date(YEAR, 3, 3)
    rows = {
        "low_3": case(h3, "ED11", "3600.00", day),  # ratio 0.45: DRG normal (0.4), DIP low
        "at_low_1": case(h1, "ED11", "4000.00", day),  # ratio 0.5 exactly: not low
        "high_3": case(h3, "ED11", "20000.00", day),  # ratio 2.5: DRG level 3 normal (3.0), DIP high
        "at_high_3": case(h3, "ED11", "16000.00", day),  # 2.0 exactly: not high
    }
    add_cases(list(rows.values()))
    run = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03")
    assert run.status == Lifecycle.READY, run.error
    assert run.parameters["payment_method"] == "DIP" and run.parameters["low_ratio_3"] == "0.5000"
    with scopes_disabled():
        got = {r.case_id: r for r in CaseResult.objects.filter(run=run)}
    by = {k: got[c.pk] for k, c in rows.items()}
    assert {k: r.case_type for k, r in by.items()} == {
        "low_3": CaseType.LOW, "at_low_1": CaseType.NORMAL, "high_3": CaseType.HIGH, "at_high_3": CaseType.NORMAL}
    high = by["high_3"]
    assert (high.low_ratio, high.high_ratio) == (D("0.5"), D("2.0"))
    # DIP high points = bp × (ratio − 2 + 1)
    assert high.points == f.q4(high.base_points * (D("2.5") - 2 + 1))
