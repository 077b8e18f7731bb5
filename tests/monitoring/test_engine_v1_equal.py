"""The rewritten indicator statements (decision 0047) store exactly what the previous engine stored.

Hand-built cases over six months with every case the engine distinguishes: ungrouped, a code without statistics,
a no-death group, a group whose same-period means are 0 (left out of the indices), deaths in low/mid-low risk
groups, cents in every amount, two hospitals of one level, a hospital that starts DRG payment in the middle of
February. Each period is computed by the engine, its stored rows read, then computed again by the
previous engine (bench/indicators_engine_v1.py) and compared field by field.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.hospitals.services import hospital_create
from apps.monitoring.models import Indicator, IndicatorPeriod, PeriodGroup
from apps.monitoring.services import indicators_compute
from bench.indicators_engine_v1 import compute_v1

from .conftest import make_case

pytestmark = pytest.mark.django_db

CODES = ["AA11", "BB13", "DD19", "EE13", "ZZ99", ""]  # CC15: only free one-day cases (group means 0)


def stored(period: IndicatorPeriod) -> dict:
    period.refresh_from_db()
    out = {"period": [period.cases, period.hospitals_total, period.hospitals_covered, period.cases_total,
                      period.cases_covered, period.fund_total, period.fund_covered]}
    for g in PeriodGroup.objects.filter(period=period):
        out[("group", g.group_code)] = [g.cases, g.mean_cost, g.mean_los, g.deaths, g.base_points, g.risk_class]
    fields = [f.name for f in Indicator._meta.concrete_fields if f.name not in ("id", "region", "period")]
    for row in Indicator.objects.filter(period=period).values(*fields):
        out[("row", row["scope"], row["hospital"], row["level"])] = [str(row[f]) for f in fields]
    return out


@pytest.fixture
def many(mon):
    h1, h2, h3 = mon["h"]
    with scopes_disabled():
        h3.drg_enabled_from = dt.date(2025, 2, 10)  # DRG payment from the middle of February
        h3.save(update_fields=["drg_enabled_from"])
        h4 = hospital_create(actor=None, region=mon["region"], code="HMON0004", name="第二人民医院", level=3,
                             grade="乙", type="general", drg_enabled_from=dt.date(2024, 1, 1))
    rnd = random.Random(47)
    cases = [make_case(h1, "CC15", "0", 0, dt.date(2025, 2, 3 + i)) for i in range(3)]
    for i in range(320):
        cost = Decimal(rnd.randint(80_000, 6_000_000)) / 100
        parts = [(cost * Decimal(rnd.randint(5, 40)) / 100).quantize(Decimal("0.01")) for _ in range(3)]
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(181))
        cases.append(make_case((h1, h2, h3, h4)[i % 4], rnd.choice(CODES), cost, rnd.randint(1, 30), day, *parts,
                               died=rnd.random() < 0.08, fund=(cost * Decimal("0.7")).quantize(Decimal("0.01"))))
    with scopes_disabled():
        Case.objects.bulk_create(cases)
    return mon


# February, Q1 and the year contain the mid-February start (SCAN_SQL tests each case); May and Q2 do not
# (LEAN_SCAN_SQL: a hospital's cases are covered all or none).
@pytest.mark.parametrize("period", ["2025-02", "2025-Q1", "2025", "2025-05", "2025-Q2"])
def test_stored_figures_equal_the_previous_engine(many, period):
    with scopes_disabled():
        item = indicators_compute(actor=None, region=many["region"], period=period, sync=True)
        assert item.status == "ready", item.error
        new = stored(item)
        compute_v1(item)
        old = stored(item)
    assert len(new) > 10
    assert {k: v for k, v in new.items() if old.get(k) != v} == {}
    assert set(new) == set(old)


def test_mid_month_payment_start_counts_from_that_day(many):
    h3 = many["h"][2]
    with scopes_disabled():
        item = indicators_compute(actor=None, region=many["region"], period="2025-Q1", sync=True)
        q1 = Case.objects.filter(region=many["region"], discharge_date__gte=dt.date(2025, 1, 1),
                                 discharge_date__lt=dt.date(2025, 4, 1))
        covered = q1.exclude(hospital=h3).count() + q1.filter(hospital=h3, discharge_date__gte=dt.date(2025, 2, 10)).count()
    assert q1.filter(hospital=h3, discharge_date__lt=dt.date(2025, 2, 10)).exists()  # the split is exercised
    assert (item.cases_total, item.cases_covered) == (q1.count(), covered)
    assert (item.hospitals_total, item.hospitals_covered) == (4, 4)
    with scopes_disabled():
        level3 = Indicator.objects.get(period=item, scope="level", level=3)
        hospitals = Indicator.objects.filter(period=item, scope="hospital", level=3)
        assert hospitals.count() == 2 and level3.cases == sum(h.cases for h in hospitals)
        zero = PeriodGroup.objects.get(period=item, group_code="CC15")
    assert (zero.mean_cost, zero.mean_los) == (Decimal("0.00"), Decimal("0.00"))
