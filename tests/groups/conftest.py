"""Helpers of the groups tests: cases inserted directly (the import is the cases app's business)."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.groups.services import catalogue_load_shipped

_ids = itertools.count(1)


def case(hospital, code: str, cost: str, day: dt.date = dt.date(2023, 6, 1), los: int = 5, death: bool = False) -> Case:
    """An unsaved case of `hospital` with group `code` ('' = ungrouped) and total cost `cost`."""
    total = Decimal(cost)
    return Case(
        region_id=hospital.region_id, hospital=hospital, settlement_id=f"S{next(_ids):08d}", patient_hash="0" * 64,
        insurance_type="310", gender=1, age=50, admission_date=day - dt.timedelta(days=max(los, 1)),
        discharge_date=day, los_days=los, discharge_method="5" if death else "1", principal_dx="I21.000",
        drg_code=code, total_cost=total, drug_cost=Decimal("0"), consumable_cost=Decimal("0"),
        exam_cost=Decimal("0"), self_pay=Decimal("0"), fund_paid=total, content_hash="x",
    )


def add_cases(cases: list[Case]) -> None:
    with scopes_disabled():
        Case.objects.bulk_create(cases)


@pytest.fixture
def catalogues(world):
    """The shipped CHS-DRG 2.0 catalogue loaded (and active) in regions A and B."""
    return {key: catalogue_load_shipped(actor=None, region=world[key].region) for key in ("A", "B")}
