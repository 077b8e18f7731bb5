"""Each rule of domain §11 on hand-built cases, at its threshold."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from tests.screening.conftest import items, make_case, screen

D = dt.date

pytestmark = pytest.mark.django_db


# --- 分解住院 split admission ------------------------------------------------------------------------


def test_readmission_on_day_15_is_a_split_admission_day_16_is_not(region_a):
    h = region_a.hospital
    first = make_case(h, patient="p1", admission=D(2025, 3, 1), discharge=D(2025, 3, 10), dx="J18.900", drg="ES25")
    later = make_case(h, patient="p1", admission=D(2025, 3, 25), dx="J18.000", drg="ES25")  # 15 days later
    make_case(h, patient="p2", admission=D(2025, 3, 1), discharge=D(2025, 3, 10), dx="J18.900", drg="ES25")
    make_case(h, patient="p2", admission=D(2025, 3, 26), dx="J18.900", drg="ES25")  # 16 days: not a hit
    result = screen(region_a.region)
    found = items(region_a.region, "split_admission")
    assert [(i.case_id, i.related_case_id) for i in found] == [(later.pk, first.pk)]
    ev = found[0].evidence
    assert ev["gap_days"] == 15 and ev["readmit_days"] == 15 and ev["match"] == "adrg"
    assert ev["previous_settlement_id"] == first.settlement_id
    assert result.counts["split_admission"] == 1


def test_same_three_character_diagnosis_without_same_adrg_matches(region_a):
    h = region_a.hospital
    make_case(h, patient="p3", admission=D(2025, 5, 1), dx="K35.800", drg="GB25")
    later = make_case(h, patient="p3", admission=D(2025, 5, 10), dx="K35.300", drg="ES25")
    make_case(h, patient="p4", admission=D(2025, 5, 1), dx="K35.800", drg="GB25")
    make_case(h, patient="p4", admission=D(2025, 5, 10), dx="K40.900", drg="ES25")  # neither matches
    screen(region_a.region)
    found = items(region_a.region, "split_admission")
    assert [i.case_id for i in found] == [later.pk]
    assert found[0].evidence["match"] == "principal_dx"


def test_planned_chemotherapy_z51_is_excluded(region_a):
    h = region_a.hospital
    make_case(h, patient="p5", admission=D(2025, 6, 1), dx="Z51.100", drg="RE19")
    make_case(h, patient="p5", admission=D(2025, 6, 12), dx="Z51.100", drg="RE19")
    screen(region_a.region)
    assert items(region_a.region, "split_admission") == []


def test_other_hospital_or_other_patient_is_not_a_split(region_a):
    h1, h2 = region_a.hospitals[0], region_a.hospitals[1]
    make_case(h1, patient="p6", admission=D(2025, 7, 1), drg="ES25")
    make_case(h2, patient="p6", admission=D(2025, 7, 8), drg="ES25")
    make_case(h1, patient="p7", admission=D(2025, 7, 8), drg="ES25")
    screen(region_a.region)
    assert items(region_a.region, "split_admission") == []


def test_readmission_in_january_after_a_december_discharge_of_the_year_before(region_a):
    h = region_a.hospital
    first = make_case(h, patient="p8", admission=D(2024, 12, 20), discharge=D(2024, 12, 28), drg="ES25")
    later = make_case(h, patient="p8", admission=D(2025, 1, 5), drg="ES25")
    screen(region_a.region, "2025-01")
    found = items(region_a.region, "split_admission")
    assert [(i.case_id, i.related_case_id) for i in found] == [(later.pk, first.pk)]


def test_readmit_days_is_a_policy_parameter(region_a):
    from apps.tenants.services import policy_set

    with scopes_disabled():
        policy_set(actor=None, region=region_a.region, year=2025, values={"readmit_days": 20})
    h = region_a.hospital
    make_case(h, patient="p9", admission=D(2025, 3, 1), discharge=D(2025, 3, 10), drg="ES25")
    make_case(h, patient="p9", admission=D(2025, 3, 28), drg="ES25")  # 18 days
    screen(region_a.region)
    assert len(items(region_a.region, "split_admission")) == 1


# --- 高套 upcoding -----------------------------------------------------------------------------------


def test_declared_group_with_higher_base_points_than_the_grouper_is_upcoding(region_a):
    h = region_a.hospital
    hit = make_case(h, patient="u1", admission=D(2025, 4, 1), drg="ES21", declared="ES21", grouper="ES23", cost="9500")
    make_case(h, patient="u2", admission=D(2025, 4, 1), drg="ES23", declared="ES23", grouper="ES21", cost="9500")
    screen(region_a.region)
    found = items(region_a.region, "upcoding")
    assert [i.case_id for i in found] == [hit.pk]
    ev = found[0].evidence
    assert ev["kind"] == "declared_higher" and ev["declared"] == "ES21" and ev["grouper"] == "ES23"
    assert Decimal(str(ev["declared_base_points"])) == Decimal("1.5") and Decimal(str(ev["grouper_base_points"])) == Decimal("1.2")


def test_equal_base_points_is_not_upcoding(region_a):
    make_case(region_a.hospital, patient="u3", admission=D(2025, 4, 1), drg="EB11", declared="EB11", grouper="EB13",
              cost="13000")
    screen(region_a.region)
    assert items(region_a.region, "upcoding") == []


def test_cc_group_below_the_without_cc_mean_is_upcoding_at_the_mean_it_is_not(region_a):
    h = region_a.hospital
    below = make_case(h, patient="u4", admission=D(2025, 4, 1), drg="ES23", cost="5999.99")
    make_case(h, patient="u5", admission=D(2025, 4, 1), drg="ES21", cost="6000.00")  # = ES25 mean: not below
    make_case(h, patient="u6", admission=D(2025, 4, 1), drg="ES25", cost="100.00")  # severity 5 itself
    screen(region_a.region)
    found = items(region_a.region, "upcoding")
    assert [i.case_id for i in found] == [below.pk]
    assert found[0].evidence["kind"] == "cc_below_without_cc"
    assert found[0].evidence["without_cc_group"] == "ES25"


def test_no_published_statistics_no_upcoding_or_low_standard(world):
    h = world["A"].hospital
    make_case(h, patient="u7", admission=D(2025, 4, 1), drg="ES23", cost="10", los=1, discharge=D(2025, 4, 2))
    result = screen(world["A"].region)
    assert result.counts["upcoding"] == 0 and result.counts["low_standard"] == 0 and result.stats_version is None


# --- 低标入院 low-standard admission ---------------------------------------------------------------


def test_low_standard_at_exactly_two_days_and_not_at_three(region_a):
    h = region_a.hospital  # level 3: low_ratio_3 = 0.4 → threshold 0.4 × 4000 = 1600 for GB25
    hit = make_case(h, patient="l1", admission=D(2025, 8, 1), discharge=D(2025, 8, 3), drg="GB25", cost="1000")
    make_case(h, patient="l2", admission=D(2025, 8, 1), discharge=D(2025, 8, 4), drg="GB25", cost="1000")  # 3 days
    make_case(h, patient="l3", admission=D(2025, 8, 1), discharge=D(2025, 8, 2), drg="GB25", cost="1000",
              procedure="47.0900")  # surgical
    make_case(h, patient="l4", admission=D(2025, 8, 1), discharge=D(2025, 8, 2), drg="GB25", cost="1000",
              method="2")  # transferred
    make_case(h, patient="l5", admission=D(2025, 8, 1), discharge=D(2025, 8, 2), drg="GB25", cost="1600")  # = threshold
    screen(region_a.region)
    found = items(region_a.region, "low_standard")
    assert [i.case_id for i in found] == [hit.pk]
    ev = found[0].evidence
    assert ev["los_days"] == 2 and ev["level"] == 3
    assert Decimal(str(ev["threshold"])) == Decimal("1600.00") and Decimal(str(ev["low_ratio"])) == Decimal("0.4")


# --- 费用转嫁 cost shifting ------------------------------------------------------------------------


def test_cost_shifting_share_exactly_at_the_factor_is_not_a_hit(region_a):
    h = region_a.hospital
    # group EB11: Σ self pay 4000 / Σ cost 40000 → region share 0.1, threshold 2 × 0.1 = 0.2
    make_case(h, patient="c1", admission=D(2025, 9, 1), drg="EB11", cost="10000", self_pay="0")
    make_case(h, patient="c2", admission=D(2025, 9, 1), drg="EB11", cost="10000", self_pay="0")
    at = make_case(h, patient="c3", admission=D(2025, 9, 1), drg="EB11", cost="10000", self_pay="2000")  # 0.2
    make_case(h, patient="c4", admission=D(2025, 9, 1), drg="EB11", cost="10000", self_pay="2000")
    screen(region_a.region)
    assert items(region_a.region, "cost_shifting") == []
    # one more cent of self pay on one case: 2000.01 / 10000 > 2 × 4000.01 / 40000
    with scopes_disabled():
        type(at).objects.filter(pk=at.pk).update(self_pay=Decimal("2000.01"))
    screen(region_a.region)
    found = items(region_a.region, "cost_shifting")
    assert [i.case_id for i in found] == [at.pk]
    assert Decimal(str(found[0].evidence["shift_factor"])) == Decimal("2")


# --- runs ------------------------------------------------------------------------------------------


def test_rerun_is_idempotent_and_keeps_decided_states(region_a):
    from apps.screening.models import ScreeningItem

    h = region_a.hospital
    make_case(h, patient="r1", admission=D(2025, 3, 1), drg="ES25")
    make_case(h, patient="r1", admission=D(2025, 3, 10), drg="ES25")
    make_case(h, patient="r2", admission=D(2025, 3, 1), drg="ES25")
    second = make_case(h, patient="r2", admission=D(2025, 3, 10), drg="ES25")
    screen(region_a.region)
    with scopes_disabled():
        ScreeningItem.objects.filter(case=second).update(status="cleared", decision_reason="planned")
        before = {i.pk: (i.status, i.case_id) for i in ScreeningItem.objects.filter(region=region_a.region)}
    again = screen(region_a.region)
    with scopes_disabled():
        after = {i.pk: (i.status, i.case_id) for i in ScreeningItem.objects.filter(region=region_a.region)}
    assert after == before and again.counts["split_admission"] == 2 and again.new["split_admission"] == 0


def test_an_open_item_whose_case_was_corrected_disappears(region_a):
    h = region_a.hospital
    make_case(h, patient="r3", admission=D(2025, 3, 1), drg="ES25")
    later = make_case(h, patient="r3", admission=D(2025, 3, 10), drg="ES25")
    screen(region_a.region)
    assert len(items(region_a.region, "split_admission")) == 1
    with scopes_disabled():
        type(later).objects.filter(pk=later.pk).update(principal_dx="Z51.100")
    screen(region_a.region)
    assert items(region_a.region, "split_admission") == []


def test_month_period_screens_only_that_month(region_a):
    h = region_a.hospital
    make_case(h, patient="m1", admission=D(2025, 3, 1), drg="ES25")
    make_case(h, patient="m1", admission=D(2025, 3, 10), drg="ES25")
    make_case(h, patient="m2", admission=D(2025, 4, 1), drg="ES25")
    make_case(h, patient="m2", admission=D(2025, 4, 10), drg="ES25")
    result = screen(region_a.region, "2025-04")
    assert result.counts["split_admission"] == 1
    assert [i.month for i in items(region_a.region, "split_admission")] == [4]


def test_second_region_is_never_screened_into_the_first(region_a, world):
    b = world["B"]
    make_case(b.hospital, patient="t1", admission=D(2025, 3, 1), drg="ES25")
    make_case(b.hospital, patient="t1", admission=D(2025, 3, 10), drg="ES25")
    make_case(region_a.hospital, patient="t1", admission=D(2025, 3, 12), drg="ES25")
    screen(region_a.region)
    assert items(region_a.region) == []
    screen(b.region)
    assert len(items(b.region, "split_admission")) == 1 and items(region_a.region) == []
