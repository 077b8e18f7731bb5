"""A hand-built monitoring world: region A, payment year 2025, published statistics with chosen base points and
base-period death rates (no base-period cases needed), and a few March 2025 cases with numbers checked by hand.

Published statistics 2025 (version 1):
| group | base points | death rate | ln m        | z (mean −3.179225, sd 1.243432) | risk |
|-------|-------------|------------|-------------|----------------------------------|------|
| AA11  | 100         | 0.0100     | −4.605170   | −1.1468                          | 1 low |
| BB13  | 200         | 0.0500     | −2.995732   | +0.1476                          | 3 mid-high |
| CC15  | 300         | 0.2000     | −1.609438   | +1.2625                          | 4 high |
| DD19  | 50          | 0          | —           | —                                | 0 none |
| EE13  | 80          | 0.0300     | −3.506558   | −0.2632                          | 2 mid-low |

March 2025 cases (h1 level 3 general, h2 level 2 tcm, both DRG-paid since 2024; h3 level 1 primary, not DRG-paid):
| case | hospital | group | cost  | los | drug | consumable | exam | died | fund |
| c1   | h1 | AA11 | 10000 | 10 | 4000 | 1000 | 1000 |   | 7000 |
| c2   | h1 | AA11 | 14000 | 12 | 5000 | 2000 | 1000 | ✓ | 9000 |
| c3   | h1 | BB13 | 30000 | 12 | 9000 | 6000 | 3000 |   | 20000 |
| c4   | h2 | AA11 |  6000 |  6 | 3000 |  500 |  500 |   | 4000 |
| c5   | h2 | EE13 |  8000 |  8 | 2000 | 1000 | 1000 |   | 5000 |
| c6   | h3 | DD19 |  2000 |  4 |  800 |  100 |  100 |   | 1500 |
| c7   | h1 | (ungrouped)   | 5000 | 5 | … | | | | 3000 |
| c8   | h2 | ZZ99 (no statistics) | 4000 | 5 | | | | | 2500 |
plus an April case (other period) and region B cases in the same groups (must not count).
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.groups.models import Catalogue, Group, GroupStat, StatsVersion

YEAR = 2025
_ids = itertools.count(1)

STATS = {  # code: (base points, death rate)
    "AA11": ("100", "0.0100"), "BB13": ("200", "0.0500"), "CC15": ("300", "0.2000"), "DD19": ("50", "0"),
    "EE13": ("80", "0.0300"),
}


def make_case(hospital, code: str, cost, los: int, day: dt.date, drug="0", consumable="0", exam="0", died=False,
              fund=None) -> Case:
    cost = Decimal(cost)
    return Case(
        region_id=hospital.region_id, hospital=hospital, settlement_id=f"M{next(_ids):08d}", patient_hash="0" * 64,
        insurance_type="310", gender=1, age=50, admission_date=day - dt.timedelta(days=los), discharge_date=day,
        los_days=los, discharge_method="5" if died else "1", principal_dx="I21.000", drg_code=code, total_cost=cost,
        drug_cost=Decimal(drug), consumable_cost=Decimal(consumable), exam_cost=Decimal(exam), self_pay=Decimal(0),
        fund_paid=Decimal(fund) if fund is not None else cost, content_hash="x")


def publish_stats(region, year: int = YEAR, stats: dict | None = None) -> StatsVersion:
    """A published statistics version with the given base points and death rates (written directly)."""
    stats = stats or STATS
    with scopes_disabled():
        catalogue, _ = Catalogue.objects.get_or_create(region=region, version="MON-1",
                                                       defaults={"name": "monitoring test", "is_active": True})
        for code in [*stats, "ZZ99"]:
            Group.objects.get_or_create(region=region, catalogue=catalogue, code=code, defaults={"name": code})
        version = StatsVersion.objects.create(region=region, year=year, catalogue=catalogue, number=1, status="ready",
                                              base_start=year - 3, base_end=year - 1, min_cases=5, cv_max="1.0",
                                              lln_cases=100, all_avg=Decimal("10000.00"))
        GroupStat.objects.bulk_create([
            GroupStat(region=region, version=version, group_code=code, group_name=code, n=100,
                      mean_cost=Decimal(bp) * 100, sd=Decimal(0), cv=Decimal(0), stable=True,
                      base_points=Decimal(bp), mean_los=Decimal(8), deaths=int(Decimal(rate) * 100),
                      death_rate=Decimal(rate))
            for code, (bp, rate) in stats.items()])
        StatsVersion.objects.filter(pk=version.pk).update(status="published")
        version.refresh_from_db()
    return version


@pytest.fixture
def mon(world):
    a, b = world["A"], world["B"]
    h1, h2, h3 = a.hospitals
    march = dt.date(2025, 3, 15)
    publish_stats(a.region)
    publish_stats(b.region)
    cases = [
        make_case(h1, "AA11", "10000", 10, march, "4000", "1000", "1000", fund="7000"),
        make_case(h1, "AA11", "14000", 12, march, "5000", "2000", "1000", died=True, fund="9000"),
        make_case(h1, "BB13", "30000", 12, march, "9000", "6000", "3000", fund="20000"),
        make_case(h2, "AA11", "6000", 6, march, "3000", "500", "500", fund="4000"),
        make_case(h2, "EE13", "8000", 8, march, "2000", "1000", "1000", fund="5000"),
        make_case(h3, "DD19", "2000", 4, march, "800", "100", "100", fund="1500"),
        make_case(h1, "", "5000", 5, march, fund="3000"),
        make_case(h2, "ZZ99", "4000", 5, march, fund="2500"),
        make_case(h1, "AA11", "99999", 30, dt.date(2025, 4, 2), died=True),  # another period
        # region B: same groups, wild numbers (would show in A's figures if anything leaked)
        make_case(b.hospitals[0], "AA11", "90000", 40, march, died=True),
        make_case(b.hospitals[1], "EE13", "1000", 1, march, died=True),
    ]
    with scopes_disabled():
        Case.objects.bulk_create(cases)
    return {"world": world, "region": a.region, "h": [h1, h2, h3]}
