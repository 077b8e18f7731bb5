"""The payment formulas of domain.md §3–§5 as pure Decimal functions (no ORM).

They are the reference the set-based SQL of `engine.py` and `coefficients.py` is tested against
case by case, and the place a reader checks a published figure by hand. Precision (domain §4):
rounding is half-up; ratios are never rounded; cost and level indices keep full precision; the
coefficient, case points, adjusted points and point values have 4 decimals; money has 2.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from .enums import COST_BASED_TYPES, CaseType

D = Decimal
# Enough digits that a division never loses what a 4- or 2-decimal rounding could see.
CTX = Context(prec=40, rounding=ROUND_HALF_UP)
HUNDRED = D(100)
ZERO = D(0)
BILATERAL_FACTOR = D("1.5")
MULTI_SITE_SHARE = D("0.5")
MONTHS = D(12)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Half-up rounding (PostgreSQL numeric ROUND does the same for the non-negative figures here)."""
    return value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def q4(value: Decimal) -> Decimal:
    return round_half_up(value, 4)


def q2(value: Decimal) -> Decimal:
    return round_half_up(value, 2)


def div(a: Decimal, b: Decimal) -> Decimal:
    return CTX.divide(D(a), D(b))


# --- §3 hospital coefficients -------------------------------------------------------------------


def case_ratio(cost: Decimal, mean: Decimal) -> Decimal:
    """r_c = cost_c / mean_g, never rounded."""
    return div(cost, mean)


def mean_ratio(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """CI_h or LI_L: mean of cost / group mean over (cost, mean) pairs; None when there is no case."""
    ratios = [case_ratio(cost, mean) for cost, mean in pairs]
    if not ratios:
        return None
    total = D(0)
    for r in ratios:
        total = CTX.add(total, r)
    return div(total, D(len(ratios)))


def level_index(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """LI_L: the mean ratio of the level's cases, 1 when the level has none."""
    value = mean_ratio(pairs)
    return D(1) if value is None else value


def coefficient(*, w_level: Decimal, level_index: Decimal, w_cost: Decimal, cost_index: Decimal) -> Decimal:
    """coef_h = w_level × LI_L + w_cost × CI_h, rounded once to 4 decimals."""
    return q4(D(w_level) * D(level_index) + D(w_cost) * D(cost_index))


def new_hospital_coefficient(*, factor: Decimal, level_index: Decimal, level_minimum: Decimal | None) -> Decimal:
    """max(factor × LI_L, lowest coefficient of the level's existing hospitals); only factor × LI_L when
    the level has no existing hospital (level_minimum None)."""
    own = q4(D(factor) * D(level_index))
    return own if level_minimum is None else max(own, D(level_minimum))


# --- §4 case classification and points -----------------------------------------------------------


def classify(
    *, review: str | None, grouped: bool, has_stats: bool, stable: bool, ratio: Decimal | None,
    low_ratio: Decimal, high_ratio: Decimal,
) -> CaseType:
    """The case type, decided in the order of the §4 table.

    `review` is the kind of an approved incentive/special application ('incentive' | 'special' | None);
    `grouped` means the case has a group of the catalogue; `has_stats` that the group has statistics.
    """
    if review in (CaseType.INCENTIVE, CaseType.SPECIAL):
        return CaseType(review)
    if not grouped:
        return CaseType.UNGROUPED
    if not has_stats or not stable:
        return CaseType.UNSTABLE
    assert ratio is not None
    if ratio < low_ratio:
        return CaseType.LOW
    if ratio > high_ratio:
        return CaseType.HIGH
    return CaseType.NORMAL


def effective_base(
    base_points: Decimal, *, surgery: str | None = None, bilateral_factor: Decimal = BILATERAL_FACTOR,
    multi_site_share: Decimal = MULTI_SITE_SHARE, secondary_base_points: Decimal | None = None,
) -> Decimal:
    """eb = bp, or factor × bp for an approved bilateral surgery, or bp + share × bp_s for multi-site.

    Stored with 4 decimals like the base points it comes from, and that stored figure is what the
    points are computed from (domain §4 Precision: a stored figure is the input of the next step).
    """
    if surgery == "bilateral":
        return q4(D(bilateral_factor) * D(base_points))
    if surgery == "multi_site":
        if secondary_base_points is None:
            raise ValueError("a multi-site surgery needs the secondary group's base points")
        return q4(D(base_points) + D(multi_site_share) * D(secondary_base_points))
    return D(base_points)


def cost_points(cost: Decimal, all_avg: Decimal, unreasonable: Decimal = ZERO) -> Decimal:
    """(cost − unreasonable) / all_avg × 100, 4 decimals: incentive, special, ungrouped, unstable, low."""
    return q4(div((D(cost) - D(unreasonable)) * HUNDRED, all_avg))


def case_points(
    case_type: str, *, cost: Decimal, all_avg: Decimal, effective_base: Decimal | None = None,
    ratio: Decimal | None = None, high_ratio: Decimal | None = None, base_points: Decimal | None = None,
    unreasonable: Decimal = ZERO,
) -> Decimal:
    """Points of one case by its type (§4 table), rounded half-up to 4 decimals."""
    if case_type in (CaseType.INCENTIVE, CaseType.SPECIAL):
        return cost_points(cost, all_avg, unreasonable)
    if case_type in COST_BASED_TYPES:
        return cost_points(cost, all_avg)
    assert effective_base is not None
    if case_type == CaseType.HIGH:
        assert ratio is not None and high_ratio is not None and base_points is not None
        return q4(D(effective_base) + (D(ratio) - D(high_ratio)) * D(base_points))
    return q4(D(effective_base))


def adjusted_points(case_type: str, points: Decimal, coef: Decimal) -> Decimal:
    """round(points × coef, 4) for normal and high cases; cost-based types are not multiplied."""
    if case_type in COST_BASED_TYPES:
        return D(points)
    return q4(D(points) * D(coef))


# --- §5 point value and payments ----------------------------------------------------------------


def monthly_point_value(fund_budget: Decimal, self_pay: Decimal, adjusted: Decimal) -> Decimal:
    """PV_M = (budget / 12 + Σ self_pay_M) / Σ adjusted_M, 4 decimals.

    Written as (budget + 12 × Σ self_pay) / (12 × Σ adjusted): one division, the same in SQL.
    """
    return q4(div(D(fund_budget) + MONTHS * D(self_pay), MONTHS * D(adjusted)))


def annual_point_value(fund_budget: Decimal, self_pay: Decimal, adjusted: Decimal) -> Decimal:
    """PV_Y = (budget + Σ self_pay_Y) / Σ adjusted_Y, 4 decimals."""
    return q4(div(D(fund_budget) + D(self_pay), D(adjusted)))


def due(adjusted: Decimal, point_value: Decimal, self_pay: Decimal) -> Decimal:
    """due_h = round(adjusted_h × PV − self_pay_h, 2)."""
    return q2(D(adjusted) * D(point_value) - D(self_pay))


def advance(due_amount: Decimal, prepay_ratio: Decimal) -> Decimal:
    """advance_hM = round(due_hM × prepay_ratio, 2), from the rounded due."""
    return q2(D(due_amount) * D(prepay_ratio))


def balance(due_amount: Decimal, advances: Iterable[Decimal]) -> Decimal:
    """balance_hY = due_hY − Σ advances (exact: a statement's lines add up; negative = repay)."""
    return D(due_amount) - sum((D(a) for a in advances), D(0))


# --- one case end to end (the "why this amount" of a case result) -------------------------------


@dataclass(frozen=True)
class CaseInput:
    cost: Decimal
    level: int
    coefficient: Decimal
    low_ratio: Decimal
    high_ratio: Decimal
    all_avg: Decimal
    grouped: bool = True
    group_mean: Decimal | None = None
    base_points: Decimal | None = None
    stable: bool = True
    review: str | None = None
    unreasonable: Decimal = ZERO
    surgery: str | None = None
    bilateral_factor: Decimal = BILATERAL_FACTOR
    multi_site_share: Decimal = MULTI_SITE_SHARE
    secondary_base_points: Decimal | None = None


@dataclass(frozen=True)
class CaseOutcome:
    case_type: CaseType
    ratio: Decimal | None
    effective_base: Decimal | None
    points: Decimal
    adjusted_points: Decimal


def settle_case(c: CaseInput) -> CaseOutcome:
    """Type, ratio, effective base, points and adjusted points of one case."""
    has_stats = c.group_mean is not None and c.base_points is not None and c.group_mean > 0
    ratio = case_ratio(c.cost, c.group_mean) if c.grouped and has_stats else None
    case_type = classify(review=c.review, grouped=c.grouped, has_stats=has_stats, stable=c.stable, ratio=ratio,
                         low_ratio=c.low_ratio, high_ratio=c.high_ratio)
    eb = None
    if has_stats:
        eb = effective_base(c.base_points, surgery=c.surgery, bilateral_factor=c.bilateral_factor,
                            multi_site_share=c.multi_site_share, secondary_base_points=c.secondary_base_points)
    points = case_points(case_type, cost=c.cost, all_avg=c.all_avg, effective_base=eb, ratio=ratio,
                         high_ratio=c.high_ratio, base_points=c.base_points, unreasonable=c.unreasonable)
    return CaseOutcome(case_type, ratio, eb, points, adjusted_points(case_type, points, c.coefficient))
