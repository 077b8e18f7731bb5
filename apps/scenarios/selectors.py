"""Reads of what-if scenarios: who may see them, and a scenario's figures beside the published (or current)
ones, per hospital and level, with the biggest gainers and losers; and two scenarios side by side.

Only region-wide readers of the region see scenarios (bureau, auditor, province, platform); hospital
users and experts get 404, like another region's scenario.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.settlement.models import HospitalResult, SettlementRun
from apps.tenants.enums import REGION_WIDE_READ_ROLES

from .models import Scenario

TOP = 5


def readable_region_ids(access) -> list[int]:
    return [r for r in access.region_ids if access.has_role(r, *REGION_WIDE_READ_ROLES)]


def visible_scenarios(access) -> QuerySet[Scenario]:
    ids = readable_region_ids(access)
    return Scenario.objects.with_scope(region=ids).filter(region_id__in=ids).select_related("region")


def scenario_get(access, pk) -> Scenario:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    scenario = visible_scenarios(access).filter(pk=pk).first()
    if scenario is None:
        raise NotFound()
    return scenario


@dataclass
class Figures:
    """A scenario's figures: the run's point value and per-hospital rows beside the baseline's."""

    point_value: Decimal | None = None
    baseline_point_value: Decimal | None = None
    point_values: dict = field(default_factory=dict)
    hospitals: list[dict] = field(default_factory=list)
    levels: list[dict] = field(default_factory=list)
    gainers: list[dict] = field(default_factory=list)
    losers: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def _fund_point_values(run) -> dict:
    """Per-fund point values when the run splits funds (domain §10; stored by the funds work), else {}."""
    if run is None:
        return {}
    value = getattr(run, "point_values", None)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _rows(run) -> dict[int, dict]:
    if run is None:
        return {}
    qs = (HospitalResult.objects.with_scope(region=[run.region_id]).filter(run_id=run.pk)
          .select_related("hospital").order_by("hospital__code"))
    return {r.hospital_id: {"hospital_id": r.hospital_id, "code": r.hospital.code, "name": r.hospital.name,
                            "level": r.level, "cases": r.cases, "coefficient": r.coefficient,
                            "adjusted_points": r.adjusted_points, "due": r.due} for r in qs}


def _diff(a, b):
    return None if a is None or b is None else a - b


def side_by_side(run, baseline) -> Figures:
    """Per hospital: the run's due, the baseline's due and the difference (run − baseline)."""
    mine, base = _rows(run), _rows(baseline)
    rows = []
    for hid in sorted(set(mine) | set(base), key=lambda h: (mine.get(h) or base.get(h))["code"]):
        m, b = mine.get(hid), base.get(hid)
        ref = m or b
        due, published = (m or {}).get("due"), (b or {}).get("due") if baseline is not None else None
        diff = _diff(due or Decimal(0), published or Decimal(0)) if baseline is not None else None
        rows.append({
            "hospital_id": hid, "code": ref["code"], "name": ref["name"], "level": ref["level"],
            "cases": (m or {}).get("cases", 0), "coefficient": (m or {}).get("coefficient"),
            "published_coefficient": (b or {}).get("coefficient"),
            "adjusted_points": (m or {}).get("adjusted_points"), "published_adjusted_points": (b or {}).get("adjusted_points"),
            "due": due, "published_due": published, "difference": diff,
            "percent": (diff * 100 / published).quantize(Decimal("0.01")) if diff is not None and published else None,
        })
    levels: dict[int, dict] = {}
    for r in rows:
        lv = levels.setdefault(r["level"], {"level": r["level"], "hospitals": 0, "cases": 0, "due": Decimal(0),
                                            "published_due": Decimal(0), "difference": Decimal(0)})
        lv["hospitals"] += 1
        lv["cases"] += r["cases"] or 0
        lv["due"] += r["due"] or 0
        lv["published_due"] += r["published_due"] or 0
        lv["difference"] += r["difference"] or 0
    ranked = sorted((r for r in rows if r["difference"] is not None), key=lambda r: r["difference"])
    totals = {"due": sum((r["due"] or 0 for r in rows), Decimal(0)),
              "published_due": sum((r["published_due"] or 0 for r in rows), Decimal(0)) if baseline else None}
    totals["difference"] = _diff(totals["due"], totals["published_due"])
    return Figures(
        point_value=run.point_value if run else None,
        baseline_point_value=baseline.point_value if baseline else None,
        point_values=_fund_point_values(run), hospitals=rows,
        levels=[levels[k] for k in sorted(levels, reverse=True)],
        gainers=[r for r in reversed(ranked) if r["difference"] > 0][:TOP],
        losers=[r for r in ranked if r["difference"] < 0][:TOP], totals=totals)


def _run(scenario: Scenario, name: str):
    run_id = getattr(scenario, f"{name}_id")
    if run_id is None:
        return None
    return SettlementRun.scenario_objects.with_scope(region=[scenario.region_id]).filter(pk=run_id).first()


def scenario_figures(scenario: Scenario) -> Figures:
    """The scenario beside the published run of its period (or, where none, the current policy's figures)."""
    return side_by_side(_run(scenario, "run"), _run(scenario, "baseline_run"))


def scenario_compare(a: Scenario, b: Scenario) -> Figures:
    """Scenario b beside scenario a: `due` is b's, `published_due` a's, `difference` b − a."""
    return side_by_side(_run(b, "run"), _run(a, "run"))
