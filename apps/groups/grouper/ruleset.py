"""The in-memory rule set the engine runs over: frozensets, dicts and compiled predicates (no ORM)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .files import RuleData

__all__ = ["RuleSet", "MdcRule", "AdrgRule", "DrgRule", "LocalRule", "Ctx", "build_ruleset", "compile_clauses"]


class Ctx:
    """One case as the predicates see it (codes already mapped to the grouper's codes)."""

    __slots__ = ("pdx", "dx_all", "main_pr", "pr_list", "pr_set", "sex", "age", "age_days", "weight", "los")

    def __init__(self, pdx, dx_all, pr_list, sex, age, age_days, weight, los):
        self.pdx = pdx
        self.dx_all = dx_all
        self.pr_list = pr_list
        self.main_pr = pr_list[0] if pr_list else None
        self.pr_set = frozenset(pr_list)
        self.sex = sex
        self.age = age
        self.age_days = age_days
        self.weight = weight
        self.los = los


@dataclass(frozen=True)
class MdcRule:
    code: str
    name: str
    order: int
    clauses: tuple[dict, ...]
    test: object  # Ctx -> bool
    adrgs: tuple[str, ...]
    pdx: frozenset[str]
    regions: dict[str, str]  # MDCZ: diagnosis → body region
    adrg_rules: tuple = ()  # the AdrgRules in try order
    qy_at: int = 0  # index in the try order where the QY test sits (before that ADRG); -1: no QY in this MDC
    qy_test: object = None  # Ctx -> bool: the case is ambiguous (QY) when it reaches qy_at
    qy_clauses: tuple[dict, ...] = ()

    @property
    def pre(self) -> bool:
        return self.order <= 6


@dataclass(frozen=True)
class AdrgRule:
    code: str
    mdc: str
    name: str
    label: str
    clauses: tuple[dict, ...]
    test: object  # Ctx -> bool
    lists: dict[str, frozenset[str]]  # dx, pr, pr1
    tags: dict[str, frozenset[str]]  # procedure → tags (JA1/JA2/NA1)
    drgs: tuple[str, ...]
    # the ADRG this rule belongs to: yunnan-2023 has alternative rules of one ADRG (IB1_1, IB1_2 → IB1)
    base: str = ""

    def __post_init__(self):
        if not self.base:
            object.__setattr__(self, "base", self.code.split("_", 1)[0])

    @property
    def kind(self) -> str:
        """surgical (2nd letter A–J), non_or (K–Q) or medical (R–Z)."""
        letter = self.code[1]
        return "surgical" if letter <= "J" else "non_or" if letter <= "Q" else "medical"


@dataclass(frozen=True)
class DrgRule:
    code: str
    name: str
    adrg: str
    severity: str  # always | mcc | mcc_or_cc | cc


@dataclass(frozen=True)
class LocalRule:
    id: int
    base_code: str  # an ADRG (3 chars) or a DRG (4 chars)
    local_code: str
    local_name: str
    procedures: frozenset[str] = frozenset()
    diagnoses: frozenset[str] = frozenset()
    age_min: int | None = None
    age_max: int | None = None
    los_min: int | None = None
    los_max: int | None = None
    priority: int = 100


@dataclass(frozen=True)
class RuleSet:
    version: str
    catalogue_version: str
    name: str
    mdcs: tuple[MdcRule, ...]
    adrgs: dict[str, AdrgRule]
    drgs: dict[str, DrgRule]
    drgs_by_adrg: dict[str, tuple[DrgRule, ...]]
    dx_map: dict[str, str]
    pr_map: dict[str, str]
    dx_names: dict[str, str]
    pr_names: dict[str, str]
    valid_pr: frozenset[str]
    or_pr: frozenset[str]  # valid procedures on the lists of surgical ADRGs (2nd letter A–J): the QY test
    mcc: dict[str, str]
    cc: dict[str, str]
    cce: dict[str, str]
    licences: tuple[str, ...] = ()
    stamp: str = ""
    region_id: int | None = None
    local_rules: dict[str, tuple[LocalRule, ...]] = field(default_factory=dict)  # base code → rules by priority
    mdc_candidates: dict[str, tuple[MdcRule, ...]] = field(default_factory=dict)  # principal dx → MDCs to test
    mdc_always: tuple[MdcRule, ...] = ()  # MDCs without a principal-diagnosis list (MDCA)
    dx_lookup: dict[str, str] = field(default_factory=dict)  # input code (as listed or upper-cased) → grouper code
    pr_lookup: dict[str, str] = field(default_factory=dict)

    def mdcs_for(self, pdx: str) -> tuple[MdcRule, ...]:
        """The MDCs that can take a principal diagnosis, in grouper order."""
        return self.mdc_candidates.get(pdx, self.mdc_always)

    def with_local_rules(self, region_id: int | None, rules: list[LocalRule], stamp: str = "") -> RuleSet:
        by_base: dict[str, list[LocalRule]] = defaultdict(list)
        for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
            by_base[rule.base_code].append(rule)
        return RuleSet(**{**self.__dict__, "region_id": region_id,
                          "local_rules": {k: tuple(v) for k, v in by_base.items()},
                          "stamp": f"{self.stamp}/{stamp}" if stamp else self.stamp})

    @property
    def adrg_count(self) -> int:
        return len(self.adrgs)

    @property
    def drg_count(self) -> int:
        return len(self.drgs)


def _clause_test(clause: dict, lists: dict[str, frozenset], tags: dict, regions: dict, valid: frozenset):
    op = clause["op"]
    if op == "pdx_in":
        s = lists[clause["list"]]
        return lambda c: c.pdx in s
    if op == "any_dx_in":
        s = lists[clause["list"]]
        return lambda c: not s.isdisjoint(c.dx_all)
    if op == "main_pr_in":
        s = frozenset(clause["codes"]) if "codes" in clause else lists[clause["list"]]
        return lambda c: c.main_pr in s
    if op == "any_sdx_in":
        s = lists[clause["list"]]
        return lambda c: any(d in s for d in c.dx_all if d != c.pdx)
    if op == "any_pr_valid":
        return lambda c: not valid.isdisjoint(c.pr_set)
    if op == "main_pr_not_valid":
        return lambda c: c.main_pr not in valid
    if op == "any_of":
        alternatives = [compile_clauses(alt, lists, tags, regions, valid) for alt in clause["any_of"]]
        return lambda c: any(t(c) for t in alternatives)
    if op == "any_pr_in":
        s = lists[clause["list"]]
        return lambda c: not s.isdisjoint(c.pr_set)
    if op == "main_pr_valid":
        return lambda c: c.main_pr in valid
    if op == "no_valid_pr":
        return lambda c: valid.isdisjoint(c.pr_set)
    if op == "pr_tags":
        alternatives = [frozenset(alt) for alt in clause["any_of"]]

        def test(c):
            found = set()
            for p in c.pr_list:
                found |= tags.get(p, frozenset())
            return any(alt <= found for alt in alternatives)
        return test
    if op == "age_days_max":
        v = clause["value"]
        return lambda c: c.age_days is not None and c.age_days <= v
    if op == "weight_lt":
        v = clause["value"]
        return lambda c: bool(c.weight) and c.weight < v
    if op == "weight_min":
        v = clause["value"]
        return lambda c: bool(c.weight) and c.weight >= v
    if op == "sex":
        v = clause["value"]
        return lambda c: c.sex == v
    if op == "age_years":
        v = clause["value"]
        return lambda c: c.age is not None and c.age == v
    if op == "trauma_regions":
        n = clause["min"]
        return lambda c: len({regions[d] for d in c.dx_all if d in regions}) >= n
    raise ValueError(f"unknown clause {op!r}")


def compile_clauses(clauses, lists, tags=None, regions=None, valid=frozenset()):
    tests = [_clause_test(cl, lists, tags or {}, regions or {}, valid) for cl in clauses]
    if not tests:
        return lambda c: True
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda c: a(c) and b(c)
    return lambda c: all(t(c) for t in tests)


def _qy(qy: dict | None, entry: tuple[dict, ...], rules: tuple[AdrgRule, ...], valid: frozenset):
    """Where and when an MDC answers the ambiguous group `<letter>QY` (decision 0018).

    `qy` from the rule data: `{"off": true}` — never (CHS-DRG 1.1 and yancheng-2023, as their reference
    groupers); `{"before": ADRG, "rule": [clauses]}` — the test sits before that ADRG of the try order
    ("" = after the last) and holds when the clauses do (yunnan-2023: the main procedure is valid).
    Missing (older rule data): before the first non-surgical ADRG, when the main procedure is on the
    list of some surgical ADRG (None here: filled in once the operating-room list is known).
    """
    if qy is None or qy == {}:
        if any(cl["op"] == "main_pr_valid" for cl in entry):
            return -1, None, ()
        return next((i for i, a in enumerate(rules) if a.kind != "surgical"), len(rules)), None, ()
    if qy.get("off"):
        return -1, (lambda c: False), ()
    before = qy.get("before") or ""
    codes = [a.code for a in rules]
    at = codes.index(before) if before in codes else len(rules)
    clauses = tuple(qy.get("rule") or ())
    return at, compile_clauses(clauses, {}, valid=valid), clauses


def build_ruleset(data: RuleData, *, stamp: str = "") -> RuleSet:
    by_kind: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    flat: dict[str, dict[str, str]] = defaultdict(dict)
    raw: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for kind, owner, code, value in data.codes:
        if owner:
            by_kind[kind][owner][code] = value
            if kind in ("adrg_pr", "adrg_pr1"):
                raw[(kind, owner)].append((code, value))
        else:
            flat[kind][code] = value
    valid = frozenset(flat["valid_pr"])
    adrgs = {}
    for a in data.adrgs:
        code = a["code"]
        pr_rows = by_kind["adrg_pr"].get(code, {})
        pr1_rows = by_kind["adrg_pr1"].get(code, {})
        lists = {"dx": frozenset(by_kind["adrg_dx"].get(code, {})), "pr": frozenset(pr_rows),
                 "pr1": frozenset(pr1_rows), "dx1": frozenset(by_kind["adrg_dx1"].get(code, {})),
                 "pr2": frozenset(by_kind["adrg_pr2"].get(code, {}))}
        tags: dict[str, frozenset[str]] = {}
        clauses = tuple(a["rule"])
        if any(cl["op"] == "pr_tags" for cl in clauses):
            # the 2nd list holds, position by position, the tag of each procedure of the 1st list; a
            # procedure listed twice takes the tag of its first position (as the reference's list.index does)
            tag_at = {int(pos): tag for tag, pos in raw[("adrg_pr1", code)]}
            collected: dict[str, set[str]] = defaultdict(set)
            first: dict[str, int] = {}
            for proc, pos in raw[("adrg_pr", code)]:
                first[proc] = min(first.get(proc, int(pos)), int(pos))
            for proc, pos in first.items():
                if pos in tag_at:
                    collected[proc].add(tag_at[pos])
            tags = {p: frozenset(t) for p, t in collected.items()}
            lists["pr1"] = frozenset()
        adrgs[code] = AdrgRule(code=code, mdc=a["mdc"], name=a.get("name", ""), label=a.get("label", ""),
                               clauses=clauses, test=compile_clauses(clauses, lists, tags, valid=valid),
                               lists=lists, tags=tags, drgs=tuple(a["drgs"]))
    drgs = {d["code"]: DrgRule(code=d["code"], name=d["name"], adrg=d["adrg"], severity=d["severity"])
            for d in data.drgs}
    drgs_by_adrg = {code: tuple(drgs[d] for d in a.drgs if d in drgs) for code, a in adrgs.items()}
    mdcs = []
    for m in sorted(data.mdcs, key=lambda m: m["order"]):
        pdx_rows = by_kind["mdc_dx"].get(m["code"], {})
        pdx = frozenset(pdx_rows)
        regions = {code: region for code, region in pdx_rows.items() if region}
        clauses = tuple(m["entry"])
        rules = tuple(adrgs[c] for c in m["adrgs"] if c in adrgs)
        qy_at, qy_test, qy_clauses = _qy(m.get("qy"), clauses, rules, valid)
        mdcs.append(MdcRule(code=m["code"], name=m.get("name", ""), order=m["order"], clauses=clauses,
                            test=compile_clauses(clauses, {"mdc_dx": pdx}, regions=regions, valid=valid),
                            adrgs=tuple(m["adrgs"]), pdx=pdx, regions=regions, adrg_rules=rules, qy_at=qy_at,
                            qy_test=qy_test, qy_clauses=qy_clauses))
    always = tuple(m for m in mdcs if not any(cl["op"] == "pdx_in" for cl in m.clauses))
    by_pdx: dict[str, list[MdcRule]] = defaultdict(list)
    for m in mdcs:
        if m not in always:
            for code in m.pdx:
                by_pdx[code].append(m)
    candidates = {code: tuple(sorted((*always, *ms), key=lambda m: m.order)) for code, ms in by_pdx.items()}
    or_pr = valid & frozenset().union(*(a.lists["pr"] | a.lists["pr1"] | frozenset(a.tags) for a in adrgs.values()
                                        if a.kind == "surgical"))
    for m in mdcs:  # the legacy QY test (rule data without a `qy` entry) needs the operating-room list
        if m.qy_test is None:
            object.__setattr__(m, "qy_test", lambda c, _or=or_pr: c.main_pr in _or)
    meta = data.meta
    lookups = {}
    for kind in ("dx", "pr"):
        table = {code: code for code in flat[f"{kind}_name"]}
        table.update(flat[f"{kind}_map"])
        table.update({code.upper(): target for code, target in table.items() if code.upper() not in table})
        lookups[kind] = table
    return RuleSet(
        version=meta["version"], catalogue_version=meta.get("catalogue_version", meta["version"]),
        name=meta.get("name", meta["version"]), mdcs=tuple(mdcs), adrgs=adrgs, drgs=drgs,
        drgs_by_adrg=drgs_by_adrg, dx_map=flat["dx_map"], pr_map=flat["pr_map"], dx_names=flat["dx_name"],
        pr_names=flat["pr_name"], valid_pr=valid, or_pr=or_pr, mcc=flat["mcc"], cc=flat["cc"], cce=flat["cce"],
        licences=tuple(meta.get("licences", ())), stamp=stamp, mdc_candidates=candidates, mdc_always=always,
        dx_lookup=lookups["dx"], pr_lookup=lookups["pr"],
    )

