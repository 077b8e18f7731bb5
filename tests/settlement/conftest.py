"""A small settlement world (region A, payment year 2025, base period 2022–2024) with hand-checkable numbers.

Base period (stable: n > 5 and cv ≤ 1):
| group | cases (hospital: cost) | mean | stable |
|---|---|---|---|
| ED11 | h1: 9000 9500 8500 9000; h2: 7000 7500 6500 7000 | 8000.00 | yes |
| EC19 | h1: 6000 6600; h2: 4800 5400; h3: 4200 3000 | 5000.00 | yes |
| ED15 | h1: 3000 ×3; h2: 3000 ×3 | 3000.00 | yes (sd 0) |
| EB19 | h1: 20000; h2: 10000 | 15000.00 | no (n = 2) |

r_c = cost / mean over stable groups:
h1 (level 3): 1.125 1.1875 1.0625 1.125 1.2 1.32 1 1 1 → Σ 10.02 / 9 → CI = LI_3 = 1.113333…
h2 (level 2): 0.875 0.9375 0.8125 0.875 0.96 1.08 1 1 1 → Σ 8.54 / 9 → CI = LI_2 = 0.948888…
h3 (level 1, not DRG-paid): 0.84 0.6 → CI = LI_1 = 0.72
coef = 0.8 × LI + 0.2 × CI → h1 1.1133, h2 0.9489, h3 0.7200.
New hospitals (no base case): h4 level 3 → max(round(0.8 × 1.113333…, 4) = 0.8907, 1.1133) = 1.1133;
h5 level 1 → max(0.5760, 0.7200) = 0.7200.
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.groups.services import catalogue_load_shipped, group_stats_compute, group_stats_publish
from apps.hospitals.services import hospital_create
from apps.settlement.services import coefficients_compute, coefficients_publish
from apps.tenants.services import policy_set
from tests.conftest import shared

YEAR = 2025
BUDGET = Decimal("1200000.00")
_ids = itertools.count(1)

BASE = {
    "ED11": [(0, "9000"), (0, "9500"), (0, "8500"), (0, "9000"), (1, "7000"), (1, "7500"), (1, "6500"), (1, "7000")],
    "EC19": [(0, "6000"), (0, "6600"), (1, "4800"), (1, "5400"), (2, "4200"), (2, "3000")],
    "ED15": [(0, "3000")] * 3 + [(1, "3000")] * 3,
    "EB19": [(0, "20000"), (1, "10000")],
}


def case(hospital, code: str, cost: str, day: dt.date, self_pay: str = "0", fund_paid: str | None = None) -> Case:
    """An unsaved case of `hospital` with group `code` ('' = ungrouped)."""
    total = Decimal(cost)
    return Case(
        region_id=hospital.region_id, hospital=hospital, settlement_id=f"T{next(_ids):08d}", patient_hash="0" * 64,
        insurance_type="310", gender=1, age=50, admission_date=day - dt.timedelta(days=5), discharge_date=day,
        los_days=5, discharge_method="1", principal_dx="I21.000", drg_code=code, total_cost=total,
        drug_cost=Decimal("0"), consumable_cost=Decimal("0"), exam_cost=Decimal("0"), self_pay=Decimal(self_pay),
        fund_paid=Decimal(fund_paid) if fund_paid is not None else total - Decimal(self_pay), content_hash="x",
    )


def add_cases(cases: list[Case]) -> list[Case]:
    with scopes_disabled():
        return Case.objects.bulk_create(cases)


def base_cases(hospitals) -> list[Case]:
    rows = []
    for code, items in BASE.items():
        for i, (h, cost) in enumerate(items):
            rows.append(case(hospitals[h], code, cost, dt.date(2022 + i % 3, 1 + i % 12, 10)))
    return rows


def new_hospital(region, code: str, level: int, enabled: dt.date | None):
    with scopes_disabled():
        return hospital_create(actor=None, region=region, code=code, name=f"新医院{code}", level=level,
                               grade="乙", type="general", drg_enabled_from=enabled)


def publish_inputs(region, year: int = YEAR, budget: Decimal = BUDGET, **policy) -> dict:
    """Catalogue, policy, published statistics and published coefficients for `year`."""
    catalogue_load_shipped(actor=None, region=region)
    with scopes_disabled():
        policy_set(actor=None, region=region, year=year, values={"fund_budget": budget, **policy})
    stats = group_stats_compute(actor=None, region=region, year=year, sync=True)
    assert stats.status == "ready", stats.error
    stats = group_stats_publish(actor=None, version=stats)
    coefficients = coefficients_compute(actor=None, region=region, year=year, sync=True)
    assert coefficients.status == "ready", coefficients.error
    coefficients = coefficients_publish(actor=None, version=coefficients)
    return {"stats": stats, "coefficients": coefficients}


@pytest.fixture
def small(request, module_small, world):
    """Region A with the base period above, two new hospitals and published 2025 inputs (built once per module where
    every database test asks for it, see tests/conftest.py)."""
    return build_small(world) if module_small is None else shared(module_small, request)


def build_small(world) -> dict:
    a = world["A"]
    h1, h2, h3 = a.hospitals
    h4 = new_hospital(a.region, "H3418000004", 3, dt.date(2025, 1, 1))
    h5 = new_hospital(a.region, "H3418000005", 1, dt.date(2024, 1, 1))
    add_cases(base_cases([h1, h2, h3]))
    inputs = publish_inputs(a.region)
    return {"world": world, "region": a.region, "h": [h1, h2, h3, h4, h5], **inputs}
