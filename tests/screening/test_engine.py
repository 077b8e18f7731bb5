"""The one-pass engine (apps/screening/engine.py): the split-admission window keeps every earlier stay of the
pair in play, not only the previous one, and a re-run writes only what changed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.screening.models import ScreeningItem
from tests.screening.conftest import items, make_case, screen

D = dt.date

pytestmark = pytest.mark.django_db


def test_the_matching_earlier_stay_need_not_be_the_previous_one(region_a):
    h = region_a.hospital
    # a long stay (ES25, out on 1 April) overlapping a short one admitted later (other ADRG and diagnosis, out
    # on 8 March): ordered by admission the short stay comes just before the readmission, 33 days earlier.
    long_stay = make_case(h, patient="w1", admission=D(2025, 3, 1), discharge=D(2025, 4, 1), dx="J18.900",
                          drg="ES25")
    make_case(h, patient="w1", admission=D(2025, 3, 5), discharge=D(2025, 3, 8), dx="K35.800", drg="GB25")
    later = make_case(h, patient="w1", admission=D(2025, 4, 10), dx="J18.000", drg="ES25")
    screen(region_a.region)
    found = items(region_a.region, "split_admission")
    assert [(i.case_id, i.related_case_id) for i in found] == [(later.pk, long_stay.pk)]
    assert found[0].evidence["gap_days"] == 9 and found[0].evidence["match"] == "adrg"


def test_of_two_matching_earlier_stays_the_latest_discharge_is_the_related_case(region_a):
    h = region_a.hospital
    make_case(h, patient="w2", admission=D(2025, 5, 1), discharge=D(2025, 5, 20), drg="ES25")
    nearer = make_case(h, patient="w2", admission=D(2025, 5, 3), discharge=D(2025, 5, 25), drg="ES23")
    later = make_case(h, patient="w2", admission=D(2025, 6, 1), drg="ES21")  # same ADRG ES2 as both
    screen(region_a.region)
    found = items(region_a.region, "split_admission")
    # the middle stay is itself a readmission of the first (admitted before its discharge: not a split)
    assert [(i.case_id, i.related_case_id) for i in found] == [(later.pk, nearer.pk)]
    assert found[0].evidence["gap_days"] == 7


def test_a_chain_of_readmissions_flags_each_later_stay(region_a):
    h = region_a.hospital
    a = make_case(h, patient="w3", admission=D(2025, 7, 1), discharge=D(2025, 7, 5), drg="ES25")
    b = make_case(h, patient="w3", admission=D(2025, 7, 10), discharge=D(2025, 7, 14), drg="ES25")
    c = make_case(h, patient="w3", admission=D(2025, 7, 29), discharge=D(2025, 8, 2), drg="ES25")  # 15 days
    screen(region_a.region)
    found = items(region_a.region, "split_admission")
    assert sorted((i.case_id, i.related_case_id) for i in found) == [(b.pk, a.pk), (c.pk, b.pk)]


def test_a_rerun_writes_only_what_changed(region_a):
    h = region_a.hospital
    kept = make_case(h, patient="w4", admission=D(2025, 4, 1), drg="ES23", cost="5000")  # upcoding (b)
    changed = make_case(h, patient="w5", admission=D(2025, 4, 1), drg="ES23", cost="5500")
    answered = make_case(h, patient="w6", admission=D(2025, 4, 1), drg="ES23", cost="5800")
    screen(region_a.region)
    with scopes_disabled():
        before = {i.case_id: i for i in ScreeningItem.objects.filter(region=region_a.region, rule="upcoding")}
        ScreeningItem.objects.filter(case=answered).update(status="answered", answer_text="不同病情")
        Case.objects.filter(pk__in=[changed.pk, answered.pk]).update(total_cost=Decimal("5400"))
    screen(region_a.region)
    with scopes_disabled():
        after = {i.case_id: i for i in ScreeningItem.objects.filter(region=region_a.region, rule="upcoding")}
    assert set(after) == {kept.pk, changed.pk, answered.pk}
    assert after[kept.pk].screened_at == before[kept.pk].screened_at  # found again, same evidence: untouched
    assert after[changed.pk].screened_at > before[changed.pk].screened_at
    assert Decimal(str(after[changed.pk].evidence["total_cost"])) == Decimal("5400")
    assert after[changed.pk].found_at == before[changed.pk].found_at and after[changed.pk].pk == before[changed.pk].pk
    assert Decimal(str(after[answered.pk].evidence["total_cost"])) == Decimal("5800")  # answered: kept as found
    assert after[answered.pk].status == "answered"


def test_a_case_found_by_several_rules_gets_one_item_per_rule(region_a):
    h = region_a.hospital
    make_case(h, patient="w7", admission=D(2025, 8, 1), discharge=D(2025, 8, 5), drg="GB25", cost="4000")
    # readmitted 2 days later for 2 days, cheap and medical: split admission and low standard at once
    later = make_case(h, patient="w7", admission=D(2025, 8, 7), discharge=D(2025, 8, 9), drg="GB25", cost="1000",
                      self_pay="100")
    result = screen(region_a.region)
    assert {i.rule for i in items(region_a.region) if i.case_id == later.pk} == {"split_admission", "low_standard"}
    assert result.counts["split_admission"] == 1 and result.counts["low_standard"] == 1


def test_screening_a_month_keeps_the_other_months_items(region_a):
    h = region_a.hospital
    make_case(h, patient="w8", admission=D(2025, 3, 1), drg="ES25")
    march = make_case(h, patient="w8", admission=D(2025, 3, 10), drg="ES25")
    make_case(h, patient="w9", admission=D(2025, 4, 1), drg="ES25")
    april = make_case(h, patient="w9", admission=D(2025, 4, 10), drg="ES25")
    screen(region_a.region)
    assert {i.case_id for i in items(region_a.region, "split_admission")} == {march.pk, april.pk}
    with scopes_disabled():  # April's readmission corrected: only April's item goes when April is re-screened
        Case.objects.filter(pk=april.pk).update(principal_dx="Z51.100")
    screen(region_a.region, "2025-04")
    assert [i.case_id for i in items(region_a.region, "split_admission")] == [march.pk]


def test_a_month_compares_cost_shifting_with_the_whole_years_group_share(region_a):
    h = region_a.hospital
    for n in range(3):  # January: no self pay
        make_case(h, patient=f"m{n}", admission=D(2025, 1, 5), drg="EB11", cost="10000", self_pay="0")
    september = make_case(h, patient="m9", admission=D(2025, 9, 5), drg="EB11", cost="10000", self_pay="2500")
    # the year's share 2500 / 40000 = 0.0625 → threshold 0.125 < 0.25 (September alone: 0.25, never over 0.5)
    result = screen(region_a.region, "2025-09")
    found = items(region_a.region, "cost_shifting")
    assert [i.case_id for i in found] == [september.pk] and result.counts["cost_shifting"] == 1
    ev = found[0].evidence
    assert ev["region_cases"] == 4 and Decimal(str(ev["region_total_cost"])) == Decimal("40000.00")
    assert Decimal(str(ev["threshold"])) == Decimal("0.1250")


def test_below_the_highest_low_ratio_is_not_low_standard_at_a_lower_ratio(region_a):
    # the pass keeps a case below the highest ratio (0.4 × 4000 = 1600 for GB25); the hospital's own level
    # decides: level 1 (0.3 → 1200) is not a hit at 1400, level 3 (0.4) is
    level3, level1 = region_a.hospitals[0], region_a.hospitals[2]
    assert (level3.level, level1.level) == (3, 1)
    hit = make_case(level3, patient="q1", admission=D(2025, 8, 1), discharge=D(2025, 8, 3), drg="GB25", cost="1400")
    make_case(level1, patient="q2", admission=D(2025, 8, 1), discharge=D(2025, 8, 3), drg="GB25", cost="1400")
    screen(region_a.region)
    found = items(region_a.region, "low_standard")
    assert [i.case_id for i in found] == [hit.pk]
    assert Decimal(str(found[0].evidence["threshold"])) == Decimal("1600.00")
