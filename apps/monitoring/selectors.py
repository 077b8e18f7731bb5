"""Reads of the monitoring app. Screens, the API and the exports call these.

Functions taking a `region` read exactly that region (the caller has checked access to it). Who reads what:
region-wide readers (platform, province supervisor, bureau, auditor) every row of their regions; hospital
users their own hospital's rows, the region and level aggregates, and the tier only anonymised.
"""
from __future__ import annotations

import statistics
from decimal import Decimal

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.core.lifecycle import Lifecycle
from apps.core.scoping import scoped
from apps.hospitals.models import Hospital
from apps.tenants.models import Region
from apps.tenants.roles import SUPERVISORS

from .enums import Scope
from .formulas import anonymous_label, parse_period
from .models import Indicator, IndicatorPeriod, Ranking, RankingRow

# (field, label key) of the per-hospital indicators, in the order of interfaces.md §3
FIELDS = ("cases", "cmi", "cost_index", "time_index", "group_count", "alos", "avg_cost", "drug_share",
          "consumable_share", "exam_share", "lowrisk_mortality")
# the indicators shown against the tier, with "higher is better"
TIER_FIELDS = (("cmi", True), ("cost_index", False), ("time_index", False), ("group_count", True),
               ("alos", False), ("avg_cost", False), ("drug_share", False), ("consumable_share", False),
               ("lowrisk_mortality", False))



# --- access ---------------------------------------------------------------------------------------


def readable_regions(access) -> list[Region]:
    """Regions whose monitoring the user may open (wholly or as a hospital)."""
    ids = access.readable_region_ids()
    return list(Region.objects.filter(pk__in=ids).select_related("province").order_by("code"))


def region_for(access, code: str | None) -> Region:
    """The region by code among the readable ones (default: the first); NotFound otherwise (404)."""
    regions = readable_regions(access)
    if not code:
        if not regions:
            raise NotFound()
        return regions[0]
    for region in regions:
        if region.code == code:
            return region
    raise NotFound()


def supervised_regions(access) -> list[Region]:
    """Regions a province supervisor (or the platform administrator) compares side by side."""
    ids = access.regions_with(*SUPERVISORS)
    return list(Region.objects.filter(pk__in=ids).select_related("province").order_by("province__code", "code"))


# --- periods and rows -----------------------------------------------------------------------------


def periods(region: Region, ready_only: bool = True) -> QuerySet[IndicatorPeriod]:
    qs = scoped(IndicatorPeriod, region.pk).filter(region=region)
    if ready_only:
        qs = qs.filter(status=Lifecycle.READY)
    return qs.order_by("-year", "kind", "-start")


def period_get(region: Region, text: str | None) -> IndicatorPeriod | None:
    """A ready period by text, or the default one: the latest ready year, else the latest ready period."""
    qs = periods(region)
    if text:
        return qs.filter(period=parse_period(text).text).first()
    return qs.filter(kind="year").first() or qs.order_by("-end", "kind").first()


def hospital_rows(period: IndicatorPeriod, hospital_ids: set[int] | None = None) -> QuerySet[Indicator]:
    qs = scoped(Indicator, period.region_id).filter(period=period, scope=Scope.HOSPITAL)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    return qs.select_related("hospital").order_by("hospital__code")


def level_rows(period: IndicatorPeriod) -> QuerySet[Indicator]:
    return scoped(Indicator, period.region_id).filter(period=period, scope=Scope.LEVEL).order_by("-level")


def region_row(period: IndicatorPeriod) -> Indicator | None:
    return scoped(Indicator, period.region_id).filter(period=period, scope=Scope.REGION).first()


def trend(region: Region, year: int, hospital_id: int | None = None) -> list[dict]:
    """The months of a year with ready indicators: the region's (or one hospital's) row per month."""
    months = {p.pk: p for p in periods(region).filter(kind="month", year=year)}
    qs = scoped(Indicator, region.pk).filter(period_id__in=months)
    qs = qs.filter(scope=Scope.HOSPITAL, hospital_id=hospital_id) if hospital_id else qs.filter(scope=Scope.REGION)
    rows = sorted(qs, key=lambda r: months[r.period_id].start)
    return [{"period": months[r.period_id].period, "row": r} for r in rows]


# --- tier view for hospital users (anonymised) ------------------------------------------------------


def ranking_rows(ranking: Ranking) -> QuerySet[RankingRow]:
    return (scoped(RankingRow, ranking.region_id).filter(ranking=ranking).select_related("hospital")
            .order_by("-level", "type", "rank", "hospital__code"))


def anonymised_ranking_rows(ranking: Ranking, own: set[int]) -> list[dict]:
    """Ranking rows as a hospital user sees them: own rows named, the others of its tiers as 机构A/B… (in rank
    order), other tiers left out."""
    rows = list(ranking_rows(ranking))
    tiers = {(r.level, r.type) for r in rows if r.hospital_id in own}
    out, letters = [], {}
    for r in rows:
        if (r.level, r.type) not in tiers:
            continue
        mine = r.hospital_id in own
        if not mine:
            letters[(r.level, r.type)] = letters.get((r.level, r.type), -1) + 1
        out.append({"row": r, "own": mine,
                    "label": r.hospital.name if mine else anonymous_label(letters[(r.level, r.type)]),
                    "code": r.hospital.code if mine else ""})
    return out


MIN_PEERS = 3  # fewer other hospitals in the tier: no anonymised comparison (机构A would be obviously the other one)


def tier_position(period: IndicatorPeriod, hospital: Hospital) -> dict:
    """A hospital against the other hospitals of its tier (level × type) in a period: its value, the tier's
    minimum, median and maximum and its place per indicator; the others only anonymised (机构A, 机构B …).

    With fewer than MIN_PEERS other hospitals in the tier nothing about them is shown (`suppressed`): only the
    hospital's own figures (issue 18: in a tier of two, 机构A is obviously the other one)."""
    rows = list(scoped(Indicator, period.region_id).filter(
        period=period, scope=Scope.HOSPITAL, hospital__level=hospital.level, hospital__type=hospital.type)
        .select_related("hospital").order_by("-cmi", "hospital__code"))
    own = next((r for r in rows if r.hospital_id == hospital.pk), None)
    if len([r for r in rows if r.hospital_id != hospital.pk]) < MIN_PEERS:
        stats = [{"name": name, "own": getattr(own, name) if own is not None else None, "min": None,
                  "median": None, "max": None, "place": None, "of": None, "higher_is_better": higher}
                 for name, higher in TIER_FIELDS]
        return {"own": own, "stats": stats, "rows": [{"label": hospital.name, "own": True, "row": own}] if own else [],
                "size": len(rows), "suppressed": True, "min_peers": MIN_PEERS}
    stats = []
    for name, higher in TIER_FIELDS:
        values = [getattr(r, name) for r in rows if getattr(r, name) is not None]
        mine = getattr(own, name) if own is not None else None
        place = None
        if mine is not None:
            place = 1 + sum(1 for v in values if (v > mine if higher else v < mine))
        stats.append({"name": name, "own": mine, "min": min(values) if values else None,
                      "median": Decimal(statistics.median(values)).quantize(Decimal("0.0001")) if values else None,
                      "max": max(values) if values else None, "place": place, "of": len(values),
                      "higher_is_better": higher})
    others, n = [], 0
    for r in rows:
        if r.hospital_id == hospital.pk:
            others.append({"label": hospital.name, "own": True, "row": r})
        else:
            others.append({"label": anonymous_label(n), "own": False, "row": r})
            n += 1
    return {"own": own, "stats": stats, "rows": others, "size": len(rows), "suppressed": False, "min_peers": MIN_PEERS}
