"""The reference regression corpora: cases in the OpenDRG sample columns and what the reference open
grouper answers for each version (apps/groups/data/grouper/regression/, README there: provenance).

`compare(version)` groups every case in process (trace off) and returns the cases that differ, so the
suite test and a maintainer checking a rule change see the same list (decision 0018).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .engine import group
from .ruleset import RuleSet
from .types import STATUS_INVALID, STATUS_UNGROUPABLE, GroupingInput

__all__ = ["REGRESSION_DIR", "CORPORA", "read_cases", "read_answers", "read_reference", "compare", "Difference"]

REGRESSION_DIR = Path(__file__).resolve().parent.parent / "data" / "grouper" / "regression"
# corpus → the versions it has reference answers for
CORPORA = {
    "corpus_3000": ("chs-drg-1.1", "yancheng-2023", "yunnan-2023"),
    "samples_30": ("chs-drg-1.1",),
}
# the reference's "no group" codes: 0000, and yunnan-2023's 0000A (no MDC) / 0000B (MDC without ADRG)
_NO_GROUP = {"0000", "0000A", "0000B"}


def _number(text: str | None) -> int | None:
    """Numbers as numbers (the corpora's README): "80" → 80, "3200.0" → 3200, "" → None."""
    text = (text or "").strip()
    return int(float(text)) if text else None


def read_cases(corpus: str) -> list[tuple[str, GroupingInput]]:
    cases = []
    with (REGRESSION_DIR / f"{corpus}.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            dx = [c for c in row["ICD10_DRGS"].split("|") if c]
            pr = [c for c in (row["ICD9_DRGS"] or "").split("|") if c]
            cases.append((row["Index"], GroupingInput(
                principal_dx=dx[0] if dx else "", secondary_dx=tuple(dx[1:]), procedures=tuple(pr),
                gender=_number(row["gender"]), age=_number(row["age"]), age_days=_number(row["ageDay"]),
                birth_weight_g=_number(row["weight"]), los_days=_number(row.get("inHospitalTime")))))
    return cases


def read_answers(corpus: str, version: str) -> dict[str, str]:
    """Index → the reference's DRG code (its no-group codes as 0000)."""
    return {k: v[2] for k, v in read_reference(corpus, version).items()}


def read_reference(corpus: str, version: str) -> dict[str, tuple[str, str, str]]:
    """Index → (MDC, ADRG, DRG) as the reference answers: MDC and ADRG only where it grouped or
    answered QY (MDC only), no-group codes as 0000."""
    out = {}
    with (REGRESSION_DIR / f"{corpus}_{version}.csv").open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            drg = "0000" if r["drg"] in _NO_GROUP else r["drg"]
            mdc = r["mdc"] if r["status"] != "无法入组" else ""
            adrg = r["adrg"] if r["status"] == "分组成功" else ""
            out[r["Index"]] = (mdc, adrg, drg)
    return out


@dataclass(frozen=True)
class Difference:
    index: str
    expected: str
    got: str
    status: str
    case: GroupingInput

    def __str__(self) -> str:
        c = self.case
        return (f"{self.index}: reference {self.expected}, portal {self.got} ({self.status}) — "
                f"dx {'|'.join((c.principal_dx, *c.secondary_dx))} pr {'|'.join(c.procedures) or '-'} "
                f"sex {c.gender} age {c.age} days {c.age_days} weight {c.birth_weight_g}")


def compare(ruleset: RuleSet, corpus: str = "corpus_3000") -> tuple[int, list[Difference]]:
    """(cases compared, differing cases) of a rule set against its version's reference answers: the
    same DRG, and the same MDC and ADRG."""
    answers = read_reference(corpus, ruleset.version)
    cases = read_cases(corpus)
    out = []
    for index, case in cases:
        result = group(case, ruleset, trace=False)
        drg = "INVALID" if result.status == STATUS_INVALID else result.drg_code
        got = ("" if result.status in (STATUS_INVALID, STATUS_UNGROUPABLE) else result.mdc, result.adrg, drg)
        if got != answers[index]:
            out.append(Difference(index, "/".join(answers[index]), "/".join(got), result.status, case))
    return len(cases), out
