"""Codes a grouper version does not know, and the version's codes under them (pre-grouping page and API).

A coder who types K35.800 (a valid ICD-10 医保版 code, but no principal diagnosis of CHS-DRG 1.1: the
case would be 0000) is told so by name and offered the version's principal diagnoses under it
(K35.800x001 急性阑尾炎). Plain data out; the wording (translatable) is the caller's.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from .engine import _lookup, normalise_code
from .ruleset import RuleSet
from .types import GroupingInput

__all__ = ["UnknownCode", "unknown_codes", "PRINCIPAL_TABLE", "DX_CODES", "PR_CODES"]

PRINCIPAL_TABLE = "principal_dx_table"  # a known diagnosis that is no principal diagnosis of any MDC
DX_CODES = "dx_codes"  # a diagnosis code the version does not know at all
PR_CODES = "pr_codes"  # a procedure code the version does not know

_index: dict[int, tuple[RuleSet, dict[str, tuple[list[str], list[str]]]]] = {}


@dataclass(frozen=True)
class UnknownCode:
    field: str  # principal_dx | procedures
    code: str
    table: str  # PRINCIPAL_TABLE | DX_CODES | PR_CODES
    candidates: tuple[tuple[str, str], ...]  # (code, name) of the version, best first


def _sorted(codes) -> tuple[list[str], list[str]]:
    pairs = sorted((c.upper(), c) for c in codes)
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _tables(rs: RuleSet) -> dict[str, tuple[list[str], list[str]]]:
    """Sorted (upper-cased, as spelled) code lists per kind; built once per rule set object."""
    hit = _index.get(id(rs))
    if hit is not None and hit[0] is rs:
        return hit[1]
    principal = set()
    for mdc in rs.mdcs:
        principal |= mdc.pdx
    tables = {"principal": _sorted(principal), "procedure": _sorted(rs.pr_names)}
    if len(_index) > 16:
        _index.clear()
    _index[id(rs)] = (rs, tables)
    return tables


def _under(code: str, table: tuple[list[str], list[str]], limit: int) -> list[str]:
    """The codes of the table under `code` (same beginning); else under ever shorter beginnings down to
    the 3-character category (K35.800 → K35.80 → K35.8 → K35)."""
    upper, spelled = table
    key = normalise_code(code).upper()
    while len(key) >= 3:
        start = bisect.bisect_left(upper, key)
        out = []
        for i in range(start, len(upper)):
            if not upper[i].startswith(key):
                break
            if upper[i] != normalise_code(code).upper():
                out.append(spelled[i])
            if len(out) >= limit:
                break
        if out:
            return out
        key = key[:-1].rstrip(".")
    return []


def unknown_codes(case: GroupingInput, rs: RuleSet, *, limit: int = 8) -> list[UnknownCode]:
    """The principal diagnosis and procedures of `case` that `rs` cannot use, each with candidates."""
    tables = _tables(rs)
    out: list[UnknownCode] = []
    raw = (case.principal_dx or "").strip()
    if raw:
        mapped = _lookup(raw, rs.dx_lookup)
        if mapped is None or mapped not in rs.mdc_candidates:
            codes = _under(mapped or raw, tables["principal"], limit)
            out.append(UnknownCode("principal_dx", raw, DX_CODES if mapped is None else PRINCIPAL_TABLE,
                                   tuple((c, rs.dx_names.get(c, "")) for c in codes)))
    for proc in case.procedures:
        proc = (proc or "").strip()
        if proc and _lookup(proc, rs.pr_lookup) is None:
            codes = _under(proc, tables["procedure"], limit)
            out.append(UnknownCode("procedures", proc, PR_CODES, tuple((c, rs.pr_names.get(c, "")) for c in codes)))
    return out
