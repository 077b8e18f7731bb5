"""The issue-20 world: region A of tests/monitoring's hand-built cases, a published March 2025 monthly run with
chosen point value and adjusted points, and extra level-3 hospitals so that a group has peers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.hospitals.services import hospital_create
from apps.settlement.models import CaseResult, SettlementRun
from tests.monitoring.conftest import make_case, mon, publish_stats  # noqa: F401 - fixtures re-exported

PV = Decimal("95.1234")
MARCH = dt.date(2025, 3, 15)


def add_hospital(region, code: str, level: int = 3, type_: str = "general"):
    with scopes_disabled():
        return hospital_create(actor=None, region=region, code=code, name=f"同级医院{code[-2:]}", level=level,
                               grade="甲", type=type_, drg_enabled_from=dt.date(2024, 1, 1))


def run_with_results(region, month: int, point_value: Decimal, results: list[tuple], status: str = "published",
                     version: int = 1):
    """A monthly run of 2025-month with case results (case, adjusted points, self pay)."""
    with scopes_disabled():
        run = SettlementRun.objects.create(region=region, kind="monthly", period=f"2025-{month:02d}", year=2025,
                                           month=month, version=version, status="ready", point_value=point_value)
        CaseResult.objects.bulk_create([
            CaseResult(run=run, region=region, case=c, hospital=c.hospital, settlement_id=c.settlement_id,
                       drg_code=c.drg_code, level=c.hospital.level, case_type="normal", total_cost=c.total_cost,
                       self_pay=Decimal(self_pay), fund_paid=c.fund_paid, low_ratio=Decimal("0.4"),
                       high_ratio=Decimal("3.0"), coefficient=Decimal("1.0000"), points=Decimal(adjusted),
                       adjusted_points=Decimal(adjusted)) for c, adjusted, self_pay in results])
        SettlementRun.objects.filter(pk=run.pk).update(status=status)
    return run


@pytest.fixture
def pl(mon):  # noqa: F811
    """h1's March cases c1 (AA11, 10000), c2 (AA11, 14000), c3 (BB13, 30000) in a published run, PV 95.1234."""
    h1 = mon["h"][0]
    with scopes_disabled():
        cases = {c.total_cost: c for c in Case.objects.filter(hospital=h1, discharge_date=MARCH)}
        c1, c2, c3 = cases[Decimal("10000")], cases[Decimal("14000")], cases[Decimal("30000")]
        Case.objects.filter(pk__in=[c1.pk, c2.pk]).update(department="心内科")
        Case.objects.filter(pk=c3.pk).update(department="普外科")
    run_with_results(mon["region"], 3, PV, [(c1, "100.0000", "500.00"), (c2, "120.5000", "0"),
                                             (c3, "200.0000", "1000.00")])
    # a newer, unpublished version of March (other point value) must not count
    run_with_results(mon["region"], 3, Decimal("500"), [(c1, "999.0000", "0")], status="ready", version=2)
    return {**mon, "cases": (c1, c2, c3)}
