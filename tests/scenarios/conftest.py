"""The settlement test world (region A, 2025, hand-checkable base period) with payment-year cases and a
published annual run to compare scenarios with."""
from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from apps.settlement.services import settlement_run_publish, settlement_run_start
from tests.settlement.conftest import (  # noqa: F401 - the `small` fixture is re-exported
    YEAR,
    add_cases,
    base_cases,
    case,
    new_hospital,
    publish_inputs,
    small,
)

DAY = dt.date(YEAR, 3, 15)


@pytest.fixture
def published(small):  # noqa: F811
    """2025 cases of h1 (level 3), h2 (level 2) and h4 (new, level 3) and the published annual run.

    Ratios (ED11 mean 8000): h1 20000 → 2.5 (normal under high_ratio_3 = 3.0), h1 8000 → 1.0,
    h2 3000 → 0.375 (low under low_ratio_2 = 0.4), h2 8000 → 1.0, h4 EC19 5000 → 1.0.
    """
    h1, h2, _h3, h4, _h5 = small["h"]
    add_cases([
        case(h1, "ED11", "20000", DAY, self_pay="2000"), case(h1, "ED11", "8000", DAY, self_pay="800"),
        case(h2, "ED11", "3000", DAY, self_pay="300"), case(h2, "ED11", "8000", DAY, self_pay="500"),
        case(h4, "EC19", "5000", DAY, self_pay="400"),
    ])
    region = small["region"]
    with scopes_disabled():
        run = settlement_run_start(actor=None, region=region, kind="annual", period=str(YEAR), sync=True)
        assert run.status == "ready", run.error
        run = settlement_run_publish(actor=None, run=run)
    return {**small, "run": run}


def build_published(world) -> dict:
    """The `published` world built from a plain world dict (the browser test's transactional world)."""
    a = world["A"]
    h1, h2, h3 = a.hospitals
    h4 = new_hospital(a.region, "H3418000004", 3, dt.date(2025, 1, 1))
    h5 = new_hospital(a.region, "H3418000005", 1, dt.date(2024, 1, 1))
    add_cases(base_cases([h1, h2, h3]))
    inputs = publish_inputs(a.region)
    add_cases([
        case(h1, "ED11", "20000", DAY, self_pay="2000"), case(h1, "ED11", "8000", DAY, self_pay="800"),
        case(h2, "ED11", "3000", DAY, self_pay="300"), case(h2, "ED11", "8000", DAY, self_pay="500"),
        case(h4, "EC19", "5000", DAY, self_pay="400"),
    ])
    with scopes_disabled():
        run = settlement_run_start(actor=None, region=a.region, kind="annual", period=str(YEAR), sync=True)
        run = settlement_run_publish(actor=None, run=run)
    return {"world": world, "region": a.region, "h": [h1, h2, h3, h4, h5], "run": run, **inputs}
