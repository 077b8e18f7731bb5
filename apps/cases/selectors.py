"""Reads for cases and imports; the only place that asks other apps about catalogues and periods."""
from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.models import Group
from apps.groups.selectors import active_catalogue, group_codes, published_stats, stats_rows
from apps.tenants.models import Region

from . import hooks
from .models import Case, ImportJob


def cleared_years(region: Region) -> set[int]:
    """Years whose annual clearing is done (cases there are frozen). Settlement, above cases, fills the hook."""
    return {int(year) for hook in hooks.CLEARED_YEARS for year in hook(region)}


def catalogue_group_codes(region: Region, year: int) -> list[str]:
    """Group codes of the region's active catalogue for a year ([] when there is none)."""
    catalogue = active_catalogue(region, year)
    return list(group_codes(catalogue)) if catalogue is not None else []


def published_group_means(region: Region, year: int) -> dict[str, object]:
    """Mean cost per group from the region's published statistics for `year` ({} if none)."""
    version = published_stats(region, year)
    if version is None:
        return {}
    return dict(stats_rows(version).values_list("group_code", "mean_cost"))


def visible_cases(access, region_ids: list[int] | None = None) -> QuerySet[Case]:
    """Cases the caller may read: whole regions for region-wide roles, own hospital for hospital roles."""
    qs = access.filter(Case.objects.all())
    if region_ids is not None:
        qs = qs.filter(region_id__in=region_ids)
    return qs


def visible_imports(access) -> QuerySet[ImportJob]:
    """Import jobs: region-wide readers see the region's, hospital users their hospital's uploads."""
    return access.filter(ImportJob.objects.all()).select_related("region", "uploaded_by", "hospital")


def grouping_report(access, region: Region, period: str | None = None, version: str | None = None) -> dict:
    """Declared-vs-grouper disagreement for a region and discharge period, per hospital and per ADRG.

    Only cases the caller may read (hospital users: their hospitals). `compared` = cases with a declared
    code and a grouper answer other than `invalid`; `rate` = mismatches / compared; `upcoded` = same ADRG
    but a more severe digit declared than the grouper found (1 < 3 < 5), the 高套 pattern.
    """
    from decimal import ROUND_HALF_UP, Decimal

    from django.db.models import Count, F, Q
    from django.db.models.functions import Left, Right
    from django.db.models.lookups import Exact, LessThan

    from .grouping import period_range

    qs = visible_cases(access).filter(region=region).exclude(grouping_status="")
    bounds = period_range(period)
    if bounds:
        qs = qs.filter(discharge_date__gte=bounds[0], discharge_date__lt=bounds[1])
    if version:
        qs = qs.filter(grouper_version=version)
    declared = Q(declared_drg_code__gt="")
    compared = declared & ~Q(grouping_status="invalid")
    upcoded = Q(Q(grouping_mismatch=True), Exact(Left("declared_drg_code", 3), F("grouper_adrg")),
                LessThan(Right("declared_drg_code", 1), Right("grouper_drg_code", 1)))
    metrics = {
        "cases": Count("id"), "ok": Count("id", filter=Q(grouping_status="ok")),
        "ambiguous": Count("id", filter=Q(grouping_status="ambiguous")),
        "ungroupable": Count("id", filter=Q(grouping_status="ungroupable")),
        "invalid": Count("id", filter=Q(grouping_status="invalid")),
        "declared": Count("id", filter=declared), "compared": Count("id", filter=compared),
        "mismatch": Count("id", filter=Q(grouping_mismatch=True)), "upcoded": Count("id", filter=upcoded),
    }

    def with_rate(row: dict) -> dict:
        rate = Decimal(row["mismatch"]) / Decimal(row["compared"]) if row["compared"] else None
        row["rate"] = (rate * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if rate is not None else None
        return row

    by_hospital = [with_rate(r) for r in qs.values("hospital__code", "hospital__name").annotate(**metrics)
                   .order_by("hospital__code")]
    by_adrg = [with_rate(r) for r in qs.values("grouper_adrg").annotate(**metrics).order_by("-mismatch", "grouper_adrg")]
    totals = with_rate(qs.aggregate(**metrics))
    return {"by_hospital": by_hospital, "by_adrg": by_adrg, "totals": totals}


def declared_group_mdc(case: Case) -> str:
    """The MDC of the case's declared group in the catalogue in force for its discharge year ('' if unknown)."""
    catalogue = active_catalogue(case.region, case.discharge_date.year)
    if catalogue is None:
        return ""
    return (Group.objects.with_scope(region=[case.region_id]).filter(catalogue=catalogue, code=case.declared_drg_code)
            .values_list("mdc_code", flat=True).first() or "")
