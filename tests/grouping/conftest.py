"""Fixtures of the grouping tests: the 2.0 catalogue in regions A and B, and a tiny fake grouper engine.

`fake_grouper` replaces the engine and loader that apps.cases.grouping imports lazily, so these tests do not
depend on the rule tables (the real engine has its own tests in tests/groups/). Its rules:
- principal J18.900 (pneumonia): ES3 with severity from the secondaries (I50.* → MCC ES31, any other → CC ES33,
  none → ES35); with a procedure: ambiguous EQY
- principal K80.101 with a procedure: HC1 (HC11 with any secondary, else HC15); local rule: region's own 'HC1L'
  when a local rule is configured (FakeRuleSet.local)
- principal R69.x00: ungroupable 0000
- anything else: invalid
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django_scopes import scopes_disabled

from apps.groups.grouper.types import GroupingResult, TraceStep
from apps.groups.services import catalogue_load_shipped

FAKE_VERSION = "fake-1.0"


@dataclass(frozen=True)
class FakeRuleSet:
    version: str
    region_id: int | None


def fake_group(case, ruleset, **_kw) -> GroupingResult:
    v = ruleset.version
    pdx = case.principal_dx.upper()
    if pdx == "J18.900":
        if case.procedures:
            return GroupingResult("ambiguous", mdc="MDCE", drg_code="EQY", ruleset_version=v,
                                  trace=(TraceStep("mdc", "主诊断 J18.900 属于 MDCE", ("J18.900",)),
                                         TraceStep("result", "手术不属于 MDCE 的任何手术组：QY", case.procedures[:1])))
        mcc = tuple(c for c in case.secondary_dx if c.startswith("I50"))
        cc = tuple(c for c in case.secondary_dx if not c.startswith("I50"))
        digit = "1" if mcc else "3" if cc else "5"
        return GroupingResult("ok", mdc="MDCE", adrg="ES3", drg_code=f"ES3{digit}", drg_name="呼吸系统感染／炎症",
                              mcc=mcc, cc=cc, ruleset_version=v,
                              trace=(TraceStep("mdc", "主诊断 J18.900 属于 MDCE 的主诊断表", ("J18.900",)),
                                     TraceStep("adrg", "主诊断在 ES3 的诊断表中", ("J18.900",)),
                                     TraceStep("severity", f"严重程度 {digit}", mcc + cc)))
    if pdx == "K80.101" and case.procedures:
        code = "HC11" if case.secondary_dx else "HC15"
        if ruleset.region_id is not None and getattr(ruleset, "local", False):
            code = "HC1L"
        return GroupingResult("ok", mdc="MDCH", adrg="HC1", drg_code=code, drg_name="胆总管手术", ruleset_version=v,
                              trace=(TraceStep("mdc", "主诊断 K80.101 属于 MDCH", ("K80.101",)),
                                     TraceStep("adrg", "主手术在 HC1 的手术表中", case.procedures[:1])))
    if pdx == "R69.X00":
        return GroupingResult("ungroupable", drg_code="0000", ruleset_version=v,
                              trace=(TraceStep("result", "无法入组：0000", (pdx,)),))
    return GroupingResult("invalid", ruleset_version=v, trace=(TraceStep("input", f"主诊断 {pdx} 无效", (pdx,)),))


@pytest.fixture
def fake_grouper(monkeypatch):
    """Patch the lazily imported loader/engine of apps.cases.grouping; returns the namespace (mutable)."""
    from apps.cases import grouping

    calls = []
    loader = SimpleNamespace(
        available_versions=lambda: [{"version": FAKE_VERSION, "catalogue_version": "chs-drg-2.0"}],
        get_ruleset=lambda version, region_id=None: calls.append((version, region_id)) or FakeRuleSet(version, region_id),
    )
    engine = SimpleNamespace(group=fake_group)
    monkeypatch.setattr(grouping, "_loader", lambda: loader)
    monkeypatch.setattr(grouping, "_engine", lambda: engine)
    return SimpleNamespace(loader=loader, engine=engine, calls=calls, version=FAKE_VERSION)


@pytest.fixture
def gworld(world):
    """The shared world plus the shipped CHS-DRG 2.0 catalogue active in regions A and B."""
    with scopes_disabled():
        for key in ("A", "B"):
            catalogue_load_shipped(actor=None, region=world[key].region)
    return world


_REAL: dict = {}


@pytest.fixture
def real_grouper(monkeypatch):
    """The real engine over the shipped CHS-DRG 1.1 tables, built from the files once per test process (no
    database load); national rules only."""
    from apps.cases import grouping
    from apps.groups.grouper import engine
    from apps.groups.grouper.loader import ruleset_from_files

    if "rs" not in _REAL:
        _REAL["rs"] = ruleset_from_files("chs-drg-1.1")
    loader = SimpleNamespace(
        available_versions=lambda: [{"version": "chs-drg-1.1", "catalogue_version": "chs-drg-1.1"}],
        get_ruleset=lambda version, region_id=None: _REAL["rs"],
    )
    monkeypatch.setattr(grouping, "_loader", lambda: loader)
    monkeypatch.setattr(grouping, "_engine", lambda: engine)
    return SimpleNamespace(version="chs-drg-1.1", ruleset=_REAL["rs"])
