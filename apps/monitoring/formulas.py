"""Pure formulas of the monitoring app (no ORM): periods, risk classes, ranking scores, competition ranks.

The bulk indicators are computed in SQL (`engine.py`); these small pieces are unit-tested on plain numbers.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from apps.core.errors import ValidationFailed

Q4 = Decimal("0.0001")
HUNDRED = Decimal(100)


def q4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    text: str
    kind: str  # month | quarter | year
    year: int
    quarter: int | None
    month: int | None
    start: dt.date
    end: dt.date  # first day after


def parse_period(text: str) -> Period:
    """'YYYY', 'YYYY-Qn' or 'YYYY-MM' → Period; ValidationFailed otherwise."""
    raw = (text or "").strip().upper()
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|\d{2}))?", raw)
    if m:
        year = int(m.group(1))
        part = m.group(2)
        if 2000 <= year <= 2100:
            if part is None:
                return Period(raw, "year", year, None, None, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
            if part.startswith("Q"):
                q = int(part[1])
                start = dt.date(year, 3 * q - 2, 1)
                end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
                return Period(f"{year}-Q{q}", "quarter", year, q, None, start, end)
            month = int(part)
            if 1 <= month <= 12:
                end = dt.date(year + (month == 12), month % 12 + 1, 1)
                return Period(f"{year}-{month:02d}", "month", year, (month - 1) // 3 + 1, month,
                              dt.date(year, month, 1), end)
    raise ValidationFailed(f"period: {text!r} is not YYYY, YYYY-Qn or YYYY-MM")


def year_periods(year: int) -> list[str]:
    """The 17 periods of a year: 12 months, 4 quarters, the year."""
    return [f"{year}-{m:02d}" for m in range(1, 13)] + [f"{year}-Q{q}" for q in range(1, 5)] + [str(year)]


# --- risk classes (domain §8) ---------------------------------------------------------------------


def risk_class(death_rate: Decimal | float, z: float | None) -> int:
    """0 = no base-period death (outside the classification), 1 low (z < −1), 2 mid-low (−1 ≤ z < 0),
    3 mid-high (0 ≤ z < 1), 4 high (z ≥ 1)."""
    if not death_rate or death_rate <= 0:
        return 0
    z = 0.0 if z is None else z
    if z < -1:
        return 1
    if z < 0:
        return 2
    if z < 1:
        return 3
    return 4


def risk_classes(death_rates: dict[str, Decimal]) -> dict[str, tuple[float | None, int]]:
    """Group → (z, class) over the groups with m_g > 0 (sample SD; z = 0 when the SD is 0 or undefined)."""
    logs = {g: math.log(float(m)) for g, m in death_rates.items() if m and m > 0}
    n = len(logs)
    mean = sum(logs.values()) / n if n else 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in logs.values()) / (n - 1)) if n > 1 else 0.0
    out: dict[str, tuple[float | None, int]] = {}
    for g, m in death_rates.items():
        if g not in logs:
            out[g] = (None, 0)
            continue
        z = (logs[g] - mean) / sd if sd > 0 else 0.0
        out[g] = (z, risk_class(m, z))
    return out


# --- ranking (赛马) --------------------------------------------------------------------------------

# indicator → (weight parameter, True if higher is better)
RANKED = {
    "cmi": ("rank_w_cmi", True),
    "cost_index": ("rank_w_cost_index", False),
    "time_index": ("rank_w_time_index", False),
    "group_count": ("rank_w_group_count", True),
    "lowrisk_mortality": ("rank_w_lowrisk_mortality", False),
    "quality": ("rank_w_quality", True),  # the quarter's data-quality scorecard (issue 20); weight 0 by default
}
SCORE_FIELDS = {"cmi": "score_cmi", "cost_index": "score_cost", "time_index": "score_time",
                "group_count": "score_groups", "lowrisk_mortality": "score_mortality", "quality": "score_quality"}


def min_max_scores(values: Sequence[Decimal | None], higher_is_better: bool) -> list[Decimal]:
    """Scores 0–100 within a tier: the best hospital 100, the worst 0, linear between (4 decimals).

    Everyone scores 100 when all values are equal. A missing value (None) counts as the tier's worst,
    except for the mortality, where the caller passes 0 (no case in a low-risk group: no such death).
    """
    present = [Decimal(v) for v in values if v is not None]
    if not present:
        return [HUNDRED for _ in values]
    lo, hi = min(present), max(present)
    out = []
    for v in values:
        if hi == lo:
            out.append(HUNDRED if v is not None else Decimal(0))
            continue
        if v is None:
            out.append(Decimal(0))
            continue
        frac = (Decimal(v) - lo) / (hi - lo) if higher_is_better else (hi - Decimal(v)) / (hi - lo)
        out.append(q4(frac * HUNDRED))
    return out


def composite(scores: dict[str, Decimal], weights: dict[str, Decimal]) -> Decimal:
    """Σ w_i × score_i / Σ w_i, rounded half-up to 4 decimals (ties are decided on this rounded value)."""
    total = sum((Decimal(w) for w in weights.values()), Decimal(0))
    if total <= 0:
        raise ValidationFailed("ranking weights: at least one weight must be positive")
    return q4(sum((Decimal(weights[k]) * scores[k] for k in weights), Decimal(0)) / total)


def competition_ranks(values: Iterable[Decimal]) -> list[int]:
    """Standard competition ranking ("1224"), higher value first: equal values share the rank, the next
    rank skips as many places as were shared."""
    values = list(values)
    ordered = sorted(values, reverse=True)
    first = {}
    for i, v in enumerate(ordered, start=1):
        first.setdefault(v, i)
    return [first[v] for v in values]


def rank_tier(rows: list[dict], weights: dict[str, Decimal]) -> list[dict]:
    """Score and rank the hospitals of one tier. `rows` carry the indicators of RANKED; returns new dicts with
    score_* fields, `composite`, `rank` and `tier_size`."""
    out = [dict(r) for r in rows]
    for name, (_param, higher) in RANKED.items():
        values = [(r.get(name) if r.get(name) is not None or name != "lowrisk_mortality" else Decimal(0)) for r in rows]
        for r, s in zip(out, min_max_scores(values, higher), strict=True):
            r[SCORE_FIELDS[name]] = s
    for r in out:
        r["composite"] = composite({k: r[SCORE_FIELDS[k]] for k in RANKED}, weights)
        r["tier_size"] = len(out)
    for r, rank in zip(out, competition_ranks(r["composite"] for r in out), strict=True):
        r["rank"] = rank
    return out


def anonymous_label(index: int) -> str:
    """机构A, 机构B, … 机构Z, 机构AA, … for the index-th other hospital of a tier."""
    letters = ""
    n = index
    while True:
        letters = chr(ord("A") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            break
    return f"机构{letters}"
