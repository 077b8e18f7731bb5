"""Hand-built cases for the screening rules: region A, year 2025, a published statistics version with
groups ES21 (with MCC, base points 1.5000, mean 9000), ES23 (with CC, 1.2000, 7200), ES25 (without CC,
1.0000, mean 6000), EB11/EB13 (equal base points 2.0000) and a stable medical group GB25 (mean 4000)."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case

YEAR = 2025
_ids = itertools.count(1)

STATS = {  # group: (mean cost, base points)
    "ES21": ("9000.00", "1.5000"), "ES23": ("7200.00", "1.2000"), "ES25": ("6000.00", "1.0000"),
    "EB11": ("12000.00", "2.0000"), "EB13": ("12000.00", "2.0000"), "GB25": ("4000.00", "0.6667"),
}


def make_case(hospital, *, patient: str = "p1", admission: dt.date, discharge: dt.date | None = None, dx: str = "J18.900",
              drg: str = "ES25", declared: str = "", grouper: str = "", cost: str = "6000", self_pay: str = "600",
              procedure: str = "", method: str = "1", los: int | None = None, save: bool = True) -> Case:
    discharge = discharge or admission + dt.timedelta(days=5)
    c = Case(region_id=hospital.region_id, hospital=hospital, settlement_id=f"S{next(_ids):07d}",
             patient_hash=patient.ljust(64, "0"), insurance_type="310", gender=1, age=60, admission_date=admission,
             discharge_date=discharge, los_days=los if los is not None else (discharge - admission).days,
             discharge_method=method, principal_dx=dx, principal_proc=procedure, drg_code=drg,
             declared_drg_code=declared, grouper_drg_code=grouper, total_cost=Decimal(cost), drug_cost=Decimal("0"),
             consumable_cost=Decimal("0"), exam_cost=Decimal("0"), self_pay=Decimal(self_pay),
             fund_paid=Decimal(cost) - Decimal(self_pay), content_hash="x")
    if save:
        with scopes_disabled():
            c.save()
    return c


def publish_stats(region, year: int = YEAR, rows: dict | None = None):
    from apps.groups.models import Catalogue, GroupStat, StatsVersion

    with scopes_disabled():
        catalogue, _ = Catalogue.objects.get_or_create(region=region, version="SCREEN-1",
                                                       defaults={"name": "screening", "is_active": True})
        version = StatsVersion.objects.create(region=region, year=year, number=1, catalogue=catalogue, status="ready",
                                              base_start=year - 3, base_end=year - 1, min_cases=5, cv_max="1.0",
                                              lln_cases=100)
        GroupStat.objects.bulk_create([
            GroupStat(region=region, version=version, group_code=code, n=50, mean_cost=Decimal(mean), sd=Decimal("1"),
                      cv=Decimal("0.1"), stable=True, base_points=Decimal(bp), mean_los=Decimal("5"),
                      death_rate=Decimal("0"))
            for code, (mean, bp) in (rows or STATS).items()])
        StatsVersion.objects.filter(pk=version.pk).update(status="published")
    return version


@pytest.fixture
def region_a(world):
    a = world["A"]
    publish_stats(a.region)
    return a


def screen(region, period: str = "2025"):
    from apps.screening.services import screen_cases

    with scopes_disabled():
        return screen_cases(actor=None, region=region, period=period)


def items(region, rule: str | None = None):
    from apps.screening.models import ScreeningItem

    with scopes_disabled():
        qs = ScreeningItem.objects.filter(region=region).select_related("case", "related_case")
        if rule:
            qs = qs.filter(rule=rule)
        return list(qs.order_by("case__settlement_id"))
