"""Every indicator of domain §8 on the worked numbers of conftest.py (SQL engine on a real database)."""
from __future__ import annotations

from decimal import Decimal as D  # noqa: N817

import pytest
from django_scopes import scopes_disabled

from apps.monitoring.models import GroupRiskClass, Indicator, PeriodGroup
from apps.monitoring.services import indicators_compute

pytestmark = pytest.mark.django_db


def compute(region, period="2025-03"):
    with scopes_disabled():
        item = indicators_compute(actor=None, region=region, period=period, sync=True)
    assert item.status == "ready", item.error
    return item


def rows(item):
    with scopes_disabled():
        found = list(Indicator.objects.filter(period=item))
    return {(r.scope, r.hospital_id, r.level): r for r in found}


def test_risk_classes_from_base_period_death_rates(mon):
    compute(mon["region"])
    with scopes_disabled():
        classes = {r.group_code: r for r in GroupRiskClass.objects.filter(region=mon["region"], year=2025)}
    assert {k: v.risk_class for k, v in classes.items()} == {"AA11": 1, "BB13": 3, "CC15": 4, "DD19": 0, "EE13": 2}
    assert classes["AA11"].ln_mean.quantize(D("0.000001")) == D("-3.179225")
    assert classes["AA11"].ln_sd.quantize(D("0.000001")) == D("1.243432")
    assert classes["AA11"].z.quantize(D("0.0001")) == D("-1.1468")
    assert classes["EE13"].z.quantize(D("0.0001")) == D("-0.2632")
    assert classes["DD19"].z is None and classes["DD19"].ln_rate is None


def test_same_period_group_means_are_stored(mon):
    item = compute(mon["region"])
    with scopes_disabled():
        groups = {g.group_code: g for g in PeriodGroup.objects.filter(period=item)}
    assert set(groups) == {"AA11", "BB13", "EE13", "DD19"}  # ungrouped, ZZ99 (no statistics), April, B: out
    aa = groups["AA11"]
    assert (aa.cases, aa.mean_cost, aa.mean_los, aa.deaths, aa.base_points, aa.risk_class) == \
        (3, D("10000.00"), D("9.33"), 1, D("100.0000"), 1)
    assert item.cases == 6


def test_hospital_indicators(mon):
    h1, h2, h3 = mon["h"]
    r = rows(compute(mon["region"]))
    one = r[("hospital", h1.pk, 3)]
    assert (one.cases, one.cmi, one.cost_index, one.time_index, one.group_count) == \
        (3, D("1.3333"), D("1.1333"), D("1.1193"), 2)
    assert (one.alos, one.avg_cost) == (D("11.33"), D("18000.00"))
    assert (one.drug_share, one.consumable_share, one.exam_share) == (D("0.3333"), D("0.1667"), D("0.0926"))
    assert (one.risk_cases, one.risk_deaths, one.lowrisk_mortality, one.deaths) == (2, 1, D("0.5000"), 1)
    # the inputs that explain them
    assert (one.bp_sum, one.cost_sum, one.drug_sum, one.los_sum) == (D("400"), D("54000"), D("18000"), 34)
    assert one.cost_ratio_sum == D("3.4")
    two = r[("hospital", h2.pk, 2)]
    assert (two.cmi, two.cost_index, two.time_index, two.group_count, two.alos, two.avg_cost) == \
        (D("0.9000"), D("0.8000"), D("0.8215"), 2, D("7.00"), D("7000.00"))
    assert (two.drug_share, two.consumable_share, two.exam_share) == (D("0.3571"), D("0.1071"), D("0.1071"))
    assert (two.risk_cases, two.risk_deaths, two.lowrisk_mortality) == (2, 0, D("0.0000"))
    three = r[("hospital", h3.pk, 1)]  # not DRG-paid: still monitored ("any hospital")
    assert (three.cases, three.cmi, three.cost_index, three.time_index, three.alos) == \
        (1, D("0.5000"), D("1.0000"), D("1.0000"), D("4.00"))
    assert three.risk_cases == 0 and three.lowrisk_mortality is None  # only a no-death group


def test_level_and_region_indicators(mon):
    h1, h2, _ = mon["h"]
    r = rows(compute(mon["region"]))
    assert set(r) == {("hospital", h.pk, h.level) for h in mon["h"]} | {("level", None, lv) for lv in (1, 2, 3)} \
        | {("region", None, None)}
    assert r[("level", None, 3)].cmi == r[("hospital", h1.pk, 3)].cmi
    region = r[("region", None, None)]
    assert (region.cases, region.cmi, region.cost_index, region.time_index, region.group_count) == \
        (6, D("1.0500"), D("1.0000"), D("1.0002"), 4)
    assert (region.alos, region.avg_cost) == (D("8.67"), D("11666.67"))
    assert (region.drug_share, region.consumable_share, region.exam_share) == (D("0.3400"), D("0.1514"), D("0.0943"))
    assert (region.risk_cases, region.risk_deaths, region.lowrisk_mortality) == (4, 1, D("0.2500"))


def test_reform_coverage(mon):
    item = compute(mon["region"])
    assert (item.hospitals_total, item.hospitals_covered) == (3, 2)
    assert (item.cases_total, item.cases_covered) == (8, 7)
    assert (item.fund_total, item.fund_covered) == (D("52000.00"), D("50500.00"))
    assert (item.hospitals_share, item.cases_share, item.fund_share) == (D("0.6667"), D("0.8750"), D("0.9712"))
    assert (item.target_hospitals, item.target_cases, item.target_fund) == (D("1.0000"), D("0.9000"), D("0.7000"))


def test_quarter_and_year_include_the_month_and_recompute_replaces(mon):
    quarter = compute(mon["region"], "2025-Q1")
    assert quarter.cases == 6 and quarter.kind == "quarter"
    year = compute(mon["region"], "2025")
    assert year.cases == 7  # + the April case
    again = compute(mon["region"], "2025")
    assert again.pk == year.pk
    with scopes_disabled():
        assert Indicator.objects.filter(period=year, scope="region").count() == 1


def test_without_published_statistics_nothing_is_computed(mon):
    from apps.core.errors import ValidationFailed

    with scopes_disabled(), pytest.raises(ValidationFailed):
        indicators_compute(actor=None, region=mon["region"], period="2024-05", sync=True)


def test_roles_and_scope_of_compute(mon):
    from apps.core.errors import Forbidden, NotFound
    from apps.tenants.enums import Role

    world = mon["world"]
    with scopes_disabled():
        with pytest.raises(Forbidden):
            indicators_compute(actor=world["A"].users[Role.HOSPITAL_ADMIN], region=mon["region"], period="2025-03")
        with pytest.raises(NotFound):
            indicators_compute(actor=world["C"].users[Role.BUREAU_ADMIN], region=mon["region"], period="2025-03")
        item = indicators_compute(actor=world["A"].users[Role.BUREAU_STAFF], region=mon["region"], period="2025-03")
    assert item.status == "ready"  # Celery is eager in tests
