"""Every formula of domain §3–§5 on worked numbers; expected values are written by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest

from apps.settlement import formulas as f
from apps.settlement.enums import CaseType

D = Decimal


# --- rounding -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "places", "expected"), [
    ("1.23455", 4, "1.2346"),  # half-up, where half-even would give 1.2346 too
    ("1.00005", 4, "1.0001"),  # half-even would give 1.0000
    ("1.2345499999", 4, "1.2345"),
    ("2.345", 2, "2.35"),
    ("0.125", 2, "0.13"),  # half-even would give 0.12
    ("-2.345", 2, "-2.35"),  # away from zero, as PostgreSQL's ROUND(numeric)
])
def test_round_half_up(value, places, expected):
    assert f.round_half_up(D(value), places) == D(expected)


# --- §3 coefficients ----------------------------------------------------------------------------

def test_mean_ratio_and_level_index():
    pairs = [(D("9000"), D("8000")), (D("7000"), D("8000")), (D("5500"), D("5000"))]
    # 1.125 + 0.875 + 1.1 = 3.1; / 3 = 1.0333…
    assert f.mean_ratio(pairs).quantize(D("1e-16")) == D("1.0333333333333333")
    assert f.mean_ratio([]) is None
    assert f.level_index([]) == D(1)  # a level without cases
    assert f.case_ratio(D("1000.00"), D("3000.00")).quantize(D("1e-20")) == D("0.33333333333333333333")


def test_coefficient():
    # 0.8 × 1.1133333333333333 + 0.2 × 0.95 = 0.89066666666666664 + 0.19 = 1.08066666… → 1.0807
    assert f.coefficient(w_level=D("0.8"), level_index=D("1.1133333333333333"), w_cost=D("0.2"),
                         cost_index=D("0.95")) == D("1.0807")
    # 0.8 × 1.00005 + 0.2 × 1.00005 = 1.00005 → half-up 1.0001
    assert f.coefficient(w_level=D("0.8"), level_index=D("1.00005"), w_cost=D("0.2"),
                         cost_index=D("1.00005")) == D("1.0001")


def test_new_hospital_coefficient():
    li = D("1.1133333333333333")  # 0.8 × LI = 0.89066666… → 0.8907
    assert f.new_hospital_coefficient(factor=D("0.8"), level_index=li, level_minimum=D("1.0500")) == D("1.0500")
    assert f.new_hospital_coefficient(factor=D("0.8"), level_index=li, level_minimum=D("0.8000")) == D("0.8907")
    # a level without an existing hospital: only factor × LI, and LI = 1 → 0.8
    assert f.new_hospital_coefficient(factor=D("0.8"), level_index=li, level_minimum=None) == D("0.8907")
    assert f.new_hospital_coefficient(factor=D("0.8"), level_index=f.level_index([]), level_minimum=None) == D("0.8000")


# --- §4 classification --------------------------------------------------------------------------

def kind(ratio="1", review=None, grouped=True, has_stats=True, stable=True, low="0.4", high="3.0"):
    return f.classify(review=review, grouped=grouped, has_stats=has_stats, stable=stable,
                      ratio=D(ratio) if ratio is not None else None, low_ratio=D(low), high_ratio=D(high))


def test_classification_order():
    # an approved application wins over everything, even an ungrouped case
    assert kind(review="incentive", grouped=False, ratio=None) == CaseType.INCENTIVE
    assert kind(review="special", ratio="9") == CaseType.SPECIAL
    assert kind(grouped=False, has_stats=False, ratio=None) == CaseType.UNGROUPED
    assert kind(has_stats=False, ratio=None) == CaseType.UNSTABLE
    assert kind(stable=False, ratio="0.1") == CaseType.UNSTABLE  # unstable beats low
    assert kind(ratio="0.3999") == CaseType.LOW
    assert kind(ratio="3.0001") == CaseType.HIGH
    assert kind(ratio="1") == CaseType.NORMAL


def test_classification_boundaries():
    assert kind(ratio="0.4") == CaseType.NORMAL  # exactly at low_ratio → not low
    assert kind(ratio="3.0") == CaseType.NORMAL  # exactly at high_ratio (level 3) → not high
    assert kind(ratio="2.0", high="2.0") == CaseType.NORMAL  # levels 1–2
    assert kind(ratio="2.0000001", high="2.0") == CaseType.HIGH
    # level 1: low ratio 0.3
    assert kind(ratio="0.3", low="0.3") == CaseType.NORMAL
    assert kind(ratio="0.35", low="0.3") == CaseType.NORMAL  # would be low at levels 2–3
    assert kind(ratio="0.2999", low="0.3") == CaseType.LOW
    # DIP: 0.5 / 2.0 at every level
    assert kind(ratio="0.45", low="0.5", high="2.0") == CaseType.LOW
    assert kind(ratio="0.5", low="0.5", high="2.0") == CaseType.NORMAL
    assert kind(ratio="2.5", low="0.5", high="2.0") == CaseType.HIGH


# --- §4 effective base and points ---------------------------------------------------------------

def test_effective_base():
    assert f.effective_base(D("120.5000")) == D("120.5000")
    # bilateral: 1.5 × 100.0001 = 150.00015 → 150.0002 (half-up)
    assert f.effective_base(D("100.0001"), surgery="bilateral") == D("150.0002")
    assert f.effective_base(D("100.0000"), surgery="bilateral", bilateral_factor=D("1.4")) == D("140.0000")
    # multi-site: 120.5 + 0.5 × 60.3333 = 120.5 + 30.16665 = 150.66665 → 150.6667
    assert f.effective_base(D("120.5000"), surgery="multi_site", secondary_base_points=D("60.3333")) == D("150.6667")
    assert f.effective_base(D("120.0000"), surgery="multi_site", multi_site_share=D("0.6"),
                            secondary_base_points=D("50.0000")) == D("150.0000")
    with pytest.raises(ValueError):
        f.effective_base(D("120"), surgery="multi_site")


ALL_AVG = D("5000.00")


def test_cost_based_points():
    # incentive/special: (20000 − 1500) / 5000 × 100 = 370
    assert f.case_points(CaseType.INCENTIVE, cost=D("20000.00"), all_avg=ALL_AVG, unreasonable=D("1500.00")) == D("370.0000")
    assert f.case_points(CaseType.SPECIAL, cost=D("20000.00"), all_avg=ALL_AVG, unreasonable=D("0")) == D("400.0000")
    assert f.case_points(CaseType.UNGROUPED, cost=D("4000.00"), all_avg=ALL_AVG) == D("80.0000")
    assert f.case_points(CaseType.UNSTABLE, cost=D("12345.67"), all_avg=ALL_AVG) == D("246.9134")
    assert f.case_points(CaseType.LOW, cost=D("1000.00"), all_avg=ALL_AVG, effective_base=D("120")) == D("20.0000")
    # 1234.57 / 4000 × 100 = 30.86425 → 30.8643 (half-up)
    assert f.case_points(CaseType.LOW, cost=D("1234.57"), all_avg=D("4000.00")) == D("30.8643")


def test_grouped_points():
    assert f.case_points(CaseType.NORMAL, cost=D("9000"), all_avg=ALL_AVG, effective_base=D("120.0000")) == D("120.0000")
    # high: eb + (ratio − high) × bp = 120 + (3.5 − 3.0) × 120 = 180
    assert f.case_points(CaseType.HIGH, cost=D("0"), all_avg=ALL_AVG, effective_base=D("120.0000"), ratio=D("3.5"),
                         high_ratio=D("3.0"), base_points=D("120.0000")) == D("180.0000")
    # bilateral high: the excess is paid on bp, not on eb: 180 + 0.5 × 120 = 240
    assert f.case_points(CaseType.HIGH, cost=D("0"), all_avg=ALL_AVG, effective_base=D("180.0000"), ratio=D("3.5"),
                         high_ratio=D("3.0"), base_points=D("120.0000")) == D("240.0000")
    # DIP high = bp × (ratio − 2 + 1): 80 × 1.5 = 120
    assert f.case_points(CaseType.HIGH, cost=D("0"), all_avg=ALL_AVG, effective_base=D("80.0000"), ratio=D("2.5"),
                         high_ratio=D("2.0"), base_points=D("80.0000")) == D("120.0000")
    # 123.9436 + (3.1 − 3.0) × 123.9436 = 136.33796 → 136.3380
    assert f.case_points(CaseType.HIGH, cost=D("0"), all_avg=ALL_AVG, effective_base=D("123.9436"), ratio=D("3.1"),
                         high_ratio=D("3.0"), base_points=D("123.9436")) == D("136.3380")


def test_adjusted_points():
    # 123.9436 × 1.1133 = 137.98640988 → 137.9864
    assert f.adjusted_points(CaseType.NORMAL, D("123.9436"), D("1.1133")) == D("137.9864")
    # 0.5 × 1.0001 = 0.50005 → 0.5001 (half-up)
    assert f.adjusted_points(CaseType.HIGH, D("0.5000"), D("1.0001")) == D("0.5001")
    for cost_based in (CaseType.INCENTIVE, CaseType.SPECIAL, CaseType.UNGROUPED, CaseType.UNSTABLE, CaseType.LOW):
        assert f.adjusted_points(cost_based, D("46.4788"), D("1.1133")) == D("46.4788")


# --- §5 point values and money ------------------------------------------------------------------

def test_point_values():
    # monthly: (1,200,000 / 12 + 2,000) / 3,000 = 102,000 / 3,000 = 34
    assert f.monthly_point_value(D("1200000"), D("2000"), D("3000")) == D("34.0000")
    # (1,000,000 / 12) / 1,000 = 83.3333…
    assert f.monthly_point_value(D("1000000"), D("0"), D("1000")) == D("83.3333")
    # (1,000,000 / 12) / 3 = 27,777.7777… → 27,777.7778
    assert f.monthly_point_value(D("1000000"), D("0"), D("3")) == D("27777.7778")
    # annual: (1,000,000 + 5,000) / 7,000 = 143.571428… → 143.5714
    assert f.annual_point_value(D("1000000"), D("5000"), D("7000")) == D("143.5714")


def test_due_advance_balance():
    # 1000.1234 × 34 − 500 = 34004.1956 − 500 = 33504.1956 → 33504.20
    assert f.due(D("1000.1234"), D("34.0000"), D("500.00")) == D("33504.20")
    assert f.due(D("0.1250"), D("1.0000"), D("0")) == D("0.13")  # half-up
    assert f.due(D("10.0000"), D("1.0000"), D("20.00")) == D("-10.00")  # self-pay above the points' worth
    # advance from the rounded due: 33504.20 × 0.95 = 31828.99
    assert f.advance(D("33504.20"), D("0.95")) == D("31828.99")
    assert f.advance(D("10.30"), D("0.95")) == D("9.79")  # 9.785 → 9.79
    assert f.balance(D("100.00"), [D("30.01"), D("29.99")]) == D("40.00")
    assert f.balance(D("50.00"), [D("30.00"), D("30.00")]) == D("-10.00")  # the hospital repays
    assert f.balance(D("50.00"), []) == D("50.00")


# --- one case end to end ------------------------------------------------------------------------

def case_input(**kw) -> f.CaseInput:
    base = {"cost": D("9000.00"), "level": 3, "coefficient": D("1.1000"), "low_ratio": D("0.4"),
            "high_ratio": D("3.0"), "all_avg": ALL_AVG, "group_mean": D("6000.00"), "base_points": D("120.0000")}
    return f.CaseInput(**{**base, **kw})


def test_settle_case_every_type():
    normal = f.settle_case(case_input())
    assert (normal.case_type, normal.ratio, normal.points, normal.adjusted_points) == (
        CaseType.NORMAL, D("1.5"), D("120.0000"), D("132.0000"))
    high = f.settle_case(case_input(cost=D("21000.00")))  # ratio 3.5 → 120 + 0.5 × 120 = 180 × 1.1 = 198
    assert (high.case_type, high.points, high.adjusted_points) == (CaseType.HIGH, D("180.0000"), D("198.0000"))
    low = f.settle_case(case_input(cost=D("2000.00")))  # ratio 0.333 → 2000 / 5000 × 100 = 40, no coefficient
    assert (low.case_type, low.points, low.adjusted_points) == (CaseType.LOW, D("40.0000"), D("40.0000"))
    unstable = f.settle_case(case_input(stable=False))  # 9000 / 5000 × 100 = 180
    assert (unstable.case_type, unstable.adjusted_points) == (CaseType.UNSTABLE, D("180.0000"))
    no_stats = f.settle_case(case_input(group_mean=None, base_points=None))
    assert (no_stats.case_type, no_stats.ratio, no_stats.effective_base) == (CaseType.UNSTABLE, None, None)
    ungrouped = f.settle_case(case_input(grouped=False, group_mean=None, base_points=None))
    assert (ungrouped.case_type, ungrouped.points) == (CaseType.UNGROUPED, D("180.0000"))
    incentive = f.settle_case(case_input(review="incentive", unreasonable=D("1000.00")))  # 8000 / 5000 × 100
    assert (incentive.case_type, incentive.points, incentive.adjusted_points) == (
        CaseType.INCENTIVE, D("160.0000"), D("160.0000"))
    special = f.settle_case(case_input(review="special", cost=D("30000.00")))
    assert (special.case_type, special.adjusted_points) == (CaseType.SPECIAL, D("600.0000"))
    bilateral = f.settle_case(case_input(surgery="bilateral"))  # eb 180 × 1.1 = 198
    assert (bilateral.effective_base, bilateral.points, bilateral.adjusted_points) == (
        D("180.0000"), D("180.0000"), D("198.0000"))
    multi = f.settle_case(case_input(surgery="multi_site", secondary_base_points=D("50.0000")))  # 120 + 25
    assert (multi.effective_base, multi.points, multi.adjusted_points) == (D("145.0000"), D("145.0000"), D("159.5000"))
    # a bilateral case that is also high: (180 + (3.5 − 3) × 120) × 1.1 = 240 × 1.1 = 264
    both = f.settle_case(case_input(surgery="bilateral", cost=D("21000.00")))
    assert (both.case_type, both.points, both.adjusted_points) == (CaseType.HIGH, D("240.0000"), D("264.0000"))
