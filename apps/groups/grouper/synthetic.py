"""Cases built from the rule tables: one that lands in a given ADRG (tests), random ones (benchmark)."""
from __future__ import annotations

import random
from collections.abc import Iterator

from .engine import group
from .ruleset import AdrgRule, MdcRule, RuleSet
from .types import STATUS_OK, GroupingInput

__all__ = ["case_for_adrg", "candidates_for_adrg", "random_cases"]


def _mdc_of(rs: RuleSet, adrg: AdrgRule) -> MdcRule:
    return next(m for m in rs.mdcs if m.code == adrg.mdc)


def _pick(items, i: int):
    items = sorted(items)
    return items[i % len(items)] if items else None


def candidates_for_adrg(rs: RuleSet, code: str, limit: int = 60) -> Iterator[GroupingInput]:
    """Cases built from the ADRG's (and its MDC's) lists, varied by index, most likely first."""
    adrg = rs.adrgs[code]
    mdc = _mdc_of(rs, adrg)
    ops = {cl["op"]: cl for cl in adrg.clauses}
    entry = {cl["op"]: cl for cl in mdc.clauses}
    dx_list = adrg.lists["dx"]
    if "pdx_in" in entry:
        pdx_pool = (dx_list & mdc.pdx) if ("pdx_in" in ops or "any_dx_in" in ops) and dx_list & mdc.pdx else mdc.pdx
    else:  # MDCA: any principal diagnosis
        pdx_pool = frozenset(["I25.103", "K80.101", "J18.900"]) & frozenset(rs.dx_names) or frozenset(rs.dx_names)
    if "pdx_in" in ops:
        pdx_pool = pdx_pool & dx_list if pdx_pool & dx_list else dx_list
    pr_pool = adrg.lists["pr"]
    for i in range(limit):
        sex = entry.get("sex", {}).get("value") or (1 if i % 2 == 0 else 2)
        age, age_days, weight = 45, None, None
        if "age_years" in entry or "age_days_max" in ops or "weight_lt" in ops or "weight_min" in ops:
            age, age_days = 0, 10
        if "weight_lt" in ops:
            weight = ops["weight_lt"]["value"] - 100
        if "weight_min" in ops:
            weight = ops["weight_min"]["value"] + 100
        if "weight_min" in ops and "weight_lt" not in ops:
            weight = ops["weight_min"]["value"] + 300
        pdx = _pick(pdx_pool, i * 7)
        secondary: list[str] = []
        if "any_dx_in" in ops and "pdx_in" not in ops:
            hit = _pick(dx_list, i)
            if hit != pdx:
                secondary.append(hit)
        if "trauma_regions" in entry:
            region = mdc.regions.get(pdx)
            other = sorted(d for d, r in mdc.regions.items() if r != region)
            secondary.append(other[i % len(other)])
        procs: list[str] = []
        if "main_pr_in" in ops:
            procs.append(_pick(pr_pool, i * 3))
        elif "main_pr_valid" in ops:
            procs.append(_pick(rs.valid_pr - rs.or_pr if i % 2 else rs.valid_pr, i * 11))
        if "any_pr_in" in ops:
            for cl in adrg.clauses:
                if cl["op"] == "any_pr_in":
                    p = _pick(adrg.lists[cl["list"]], i)
                    if p not in procs:
                        procs.append(p)
        if "pr_tags" in ops:
            alts = ops["pr_tags"]["any_of"]
            for tag in alts[i % len(alts)]:
                tagged = [p for p, t in adrg.tags.items() if tag in t]
                procs.append(_pick(tagged, i))
        if "main_pr_valid" in entry and not procs:
            procs.append(_pick(pr_pool, i))
        yield GroupingInput(principal_dx=pdx, secondary_dx=tuple(secondary), procedures=tuple(p for p in procs if p),
                            gender=sex, age=age, age_days=age_days, birth_weight_g=weight, los_days=5)


def case_for_adrg(rs: RuleSet, code: str, limit: int = 60) -> GroupingInput | None:
    """The first generated case that the engine puts into the ADRG (None if none of `limit` does)."""
    for case in candidates_for_adrg(rs, code, limit):
        result = group(case, rs, trace=False)
        if result.status == STATUS_OK and result.adrg == code:
            return case
    return None


def random_cases(rs: RuleSet, n: int, seed: int = 1) -> Iterator[GroupingInput]:
    """`n` plausible cases: an ADRG's lists for the principal diagnosis/procedures, 0–6 secondary
    diagnoses from the MCC/CC lists and the code list, sometimes an unknown code."""
    rnd = random.Random(seed)
    adrgs = list(rs.adrgs.values())
    mdc_of = {m.code: m for m in rs.mdcs}
    all_dx = sorted(rs.dx_names)
    mcc, cc = sorted(rs.mcc), sorted(rs.cc)
    pools = []
    for a in adrgs:
        mdc = mdc_of[a.mdc]
        dx = sorted(a.lists["dx"] or mdc.pdx or all_dx[:1000])
        pr = sorted(a.lists["pr"] | frozenset(a.tags))
        pools.append((dx, pr, sorted(a.lists["pr1"])))
    for _ in range(n):
        dx, pr, pr1 = pools[rnd.randrange(len(pools))]
        secondary = [rnd.choice(mcc if rnd.random() < 0.3 else cc if rnd.random() < 0.6 else all_dx)
                     for _ in range(rnd.randrange(7))]
        procs = [rnd.choice(pr) for _ in range(rnd.randrange(1, 3))] if pr and rnd.random() < 0.8 else []
        if pr1 and procs:
            procs.append(rnd.choice(pr1))
        age = rnd.choice((0, 3, 25, 45, 67, 82))
        yield GroupingInput(principal_dx=rnd.choice(dx), secondary_dx=tuple(secondary), procedures=tuple(procs),
                            gender=rnd.choice((1, 2)), age=age, age_days=rnd.randrange(1, 60) if age == 0 else None,
                            birth_weight_g=rnd.choice((1200, 1800, 2300, 3200)) if age == 0 else None,
                            los_days=rnd.randrange(1, 30))
