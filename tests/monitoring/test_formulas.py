"""Pure formulas: periods, risk classes, ranking scores, composite and ties ("1224" competition ranking)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D  # noqa: N817

import pytest

from apps.core.errors import ValidationFailed
from apps.monitoring.formulas import (
    anonymous_label,
    competition_ranks,
    composite,
    min_max_scores,
    parse_period,
    rank_tier,
    risk_class,
    risk_classes,
    year_periods,
)

W = {"cmi": D("0.3"), "cost_index": D("0.2"), "time_index": D("0.2"), "group_count": D("0.15"),
     "lowrisk_mortality": D("0.15")}


def test_periods():
    q = parse_period("2025-q2")
    assert (q.text, q.kind, q.start, q.end) == ("2025-Q2", "quarter", dt.date(2025, 4, 1), dt.date(2025, 7, 1))
    assert parse_period("2025-Q4").end == dt.date(2026, 1, 1)
    m = parse_period("2025-12")
    assert (m.kind, m.quarter, m.start, m.end) == ("month", 4, dt.date(2025, 12, 1), dt.date(2026, 1, 1))
    assert parse_period("2025").end == dt.date(2026, 1, 1)
    for bad in ("2025-13", "2025-Q5", "25", "", "2025-1"):
        with pytest.raises(ValidationFailed):
            parse_period(bad)
    assert len(year_periods(2025)) == 17


def test_risk_class_thresholds():
    assert risk_class(D("0"), None) == 0
    assert [risk_class(D("0.01"), z) for z in (-1.0001, -1.0, -0.0001, 0.0, 0.9999, 1.0)] == [1, 2, 2, 3, 3, 4]


def test_risk_classes_over_groups_with_deaths_only():
    out = risk_classes({"A": D("0.01"), "B": D("0.05"), "C": D("0.2"), "D": D("0"), "E": D("0.03")})
    assert {k: v[1] for k, v in out.items()} == {"A": 1, "B": 3, "C": 4, "D": 0, "E": 2}
    assert round(out["A"][0], 4) == -1.1468
    # one group with deaths (or all equal): SD undefined → z = 0 → mid-high
    assert risk_classes({"A": D("0.02"), "B": D("0")}) == {"A": (0.0, 3), "B": (None, 0)}


def test_min_max_scores_direction_and_equal_values():
    assert min_max_scores([D("1.2"), D("0.8"), D("1.0")], True) == [D(100), D(0), D("50.0000")]
    assert min_max_scores([D("1.2"), D("0.8"), D("1.0")], False) == [D(0), D(100), D("50.0000")]
    assert min_max_scores([D("1"), D("1")], True) == [D(100), D(100)]
    assert min_max_scores([D("3"), None, D("1")], True) == [D(100), D(0), D(0)]


def test_composite_is_the_weighted_mean_rounded_to_4():
    scores = {"cmi": D(100), "cost_index": D(0), "time_index": D(50), "group_count": D("33.3333"),
              "lowrisk_mortality": D(100)}
    # (30 + 0 + 10 + 5.0 + 15) / 1.0 = 60.0000 (group: 0.15 × 33.3333 = 4.999995)
    assert composite(scores, W) == D("60.0000")
    with pytest.raises(ValidationFailed):
        composite(scores, dict.fromkeys(W, D(0)))


def test_competition_ranking_1224():
    assert competition_ranks([D(90), D(80), D(90), D(70), D(80)]) == [1, 3, 1, 5, 3]
    assert competition_ranks([D(5), D(5), D(5)]) == [1, 1, 1]
    assert competition_ranks([]) == []


def test_rank_tier_with_a_tie():
    # h1 and h3 have identical indicators → identical composite → same rank 1; h2 is 3rd ("1 1 3")
    base = {"cost_index": D("1.0"), "time_index": D("1.0"), "group_count": 10, "lowrisk_mortality": D("0.01")}
    rows = [{"hospital_id": 1, "cmi": D("1.2"), **base}, {"hospital_id": 2, "cmi": D("0.9"), **base},
            {"hospital_id": 3, "cmi": D("1.2"), **base}]
    ranked = {r["hospital_id"]: r for r in rank_tier(rows, W)}
    assert [ranked[i]["rank"] for i in (1, 2, 3)] == [1, 3, 1]
    assert ranked[1]["composite"] == ranked[3]["composite"] == D("100.0000")
    # h2: cmi score 0, the others equal → 100 each: (0 + 20 + 20 + 15 + 15) / 1 = 70
    assert ranked[2]["composite"] == D("70.0000")
    assert ranked[2]["tier_size"] == 3


def test_rank_tier_directions_and_missing_mortality():
    rows = [
        {"hospital_id": 1, "cmi": D("1.0"), "cost_index": D("1.2"), "time_index": D("1.0"), "group_count": 20,
         "lowrisk_mortality": None},  # no low-risk case → counts as 0 deaths
        {"hospital_id": 2, "cmi": D("1.0"), "cost_index": D("0.8"), "time_index": D("1.0"), "group_count": 20,
         "lowrisk_mortality": D("0.02")},
    ]
    ranked = {r["hospital_id"]: r for r in rank_tier(rows, W)}
    assert ranked[1]["score_cost"] == D(0) and ranked[2]["score_cost"] == D(100)
    assert ranked[1]["score_mortality"] == D(100) and ranked[2]["score_mortality"] == D(0)
    # h1: 30 + 0 + 20 + 15 + 15 = 80; h2: 30 + 20 + 20 + 15 + 0 = 85
    assert (ranked[1]["composite"], ranked[2]["composite"]) == (D("80.0000"), D("85.0000"))
    assert (ranked[2]["rank"], ranked[1]["rank"]) == (1, 2)


def test_anonymous_labels():
    assert [anonymous_label(i) for i in (0, 1, 25, 26, 27)] == ["机构A", "机构B", "机构Z", "机构AA", "机构AB"]
