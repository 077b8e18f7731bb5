"""Reads for cases and imports; the only place that asks other apps about catalogues and periods."""
from __future__ import annotations

from django.db.models import QuerySet

from apps.tenants.models import Region

from .models import Case, ImportJob


def cleared_years(region: Region) -> set[int]:
    """Years whose annual clearing is done (cases there are frozen). The settlement app fills this in."""
    try:
        from apps.settlement.selectors import cleared_years as settlement_cleared_years  # type: ignore[import-not-found]
    except ImportError:
        return set()
    return set(settlement_cleared_years(region))


def catalogue_group_codes(region: Region, year: int) -> list[str]:
    """Group codes of the region's active catalogue for a year ([] when there is none)."""
    try:
        from apps.groups.selectors import active_catalogue, group_codes
    except ImportError:  # the groups app exposes its selectors later in the same release
        from apps.groups.models import Catalogue, Group

        catalogue = Catalogue.objects.filter(region=region, is_active=True).first()
        if catalogue is None:
            return []
        return list(Group.objects.filter(catalogue=catalogue).values_list("code", flat=True))
    catalogue = active_catalogue(region, year)
    return list(group_codes(catalogue)) if catalogue is not None else []


def published_group_means(region: Region, year: int) -> dict[str, object]:
    """Mean cost per group from the region's published statistics for `year` ({} if none)."""
    from apps.groups.selectors import published_stats, stats_rows

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
