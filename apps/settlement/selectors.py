"""Reads of the settlement app. Screens, the API, exports and other apps (cases, monitoring) call these.

Functions taking a `region` read exactly that region (the caller has checked access to it); functions
taking an `access` read only what that user may see, and `*_get` raises NotFound (404) for anything
outside it — another region's run is indistinguishable from a missing one.
"""
from __future__ import annotations

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.tenants.models import Region

from .enums import RunKind, VersionStatus
from .models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun


def _scoped(model, region_id: int):
    return model.objects.with_scope(region=[region_id])


# --- coefficients --------------------------------------------------------------------------------


def coefficient_versions(region: Region, year: int | None = None) -> QuerySet[CoefficientVersion]:
    qs = _scoped(CoefficientVersion, region.pk).filter(region=region)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-number")


def published_coefficients(region: Region, year: int) -> CoefficientVersion | None:
    """The coefficient version in force for a payment year."""
    return coefficient_versions(region, year).filter(status=VersionStatus.PUBLISHED).first()


def latest_coefficients(region: Region, year: int) -> CoefficientVersion | None:
    return coefficient_versions(region, year).first()


def coefficient_rows(version: CoefficientVersion) -> QuerySet[HospitalCoefficient]:
    return (_scoped(HospitalCoefficient, version.region_id).filter(version=version)
            .select_related("hospital").order_by("hospital__code"))


def hospital_coefficient(region: Region, year: int, hospital_id: int) -> HospitalCoefficient | None:
    """A hospital's coefficient in the year's published version (None if not published or no row)."""
    version = published_coefficients(region, year)
    if version is None:
        return None
    return coefficient_rows(version).filter(hospital_id=hospital_id).first()


# --- runs ----------------------------------------------------------------------------------------


def runs(region: Region, kind: str | None = None, year: int | None = None) -> QuerySet[SettlementRun]:
    qs = _scoped(SettlementRun, region.pk).filter(region=region)
    if kind:
        qs = qs.filter(kind=kind)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-period", "kind", "-version")


def run_versions(region: Region, kind: str, period: str) -> QuerySet[SettlementRun]:
    return runs(region, kind).filter(period=period).order_by("-version")


def published_run(region: Region, kind: str, period: str) -> SettlementRun | None:
    """The published (in force) run of a period."""
    return run_versions(region, kind, period).filter(status=VersionStatus.PUBLISHED).first()


def published_monthly_runs(region: Region, year: int) -> QuerySet[SettlementRun]:
    return runs(region, RunKind.MONTHLY, year).filter(status=VersionStatus.PUBLISHED).order_by("month")


def cleared_years(region: Region) -> set[int]:
    """Years with a published annual clearing: their cases are frozen (the cases import rejects updates)."""
    return set(runs(region, RunKind.ANNUAL).filter(status=VersionStatus.PUBLISHED)
               .values_list("year", flat=True).distinct())


def visible_runs(access) -> QuerySet[SettlementRun]:
    """Runs of every region the user has a role in (hospital users see their hospital's rows inside)."""
    return SettlementRun.objects.with_scope(region=access.region_ids).all()


def run_get(access, run_id: int) -> SettlementRun:
    """A run the user may see, else NotFound."""
    run = visible_runs(access).filter(pk=run_id).select_related("region", "stats_version", "coefficient_version").first()
    if run is None:
        raise NotFound()
    return run


def case_results(run: SettlementRun, access=None) -> QuerySet[CaseResult]:
    """A run's case results; with `access`, a hospital user gets only their hospital's cases."""
    qs = _scoped(CaseResult, run.region_id).filter(run=run)
    if access is not None:
        qs = access.filter(qs)
    return qs.select_related("hospital").order_by("hospital__code", "settlement_id")


def hospital_results(run: SettlementRun, access=None) -> QuerySet[HospitalResult]:
    """A run's hospital statements; with `access`, a hospital user gets only their hospital's."""
    qs = _scoped(HospitalResult, run.region_id).filter(run=run)
    if access is not None:
        qs = access.filter(qs)
    return qs.select_related("hospital").order_by("hospital__code")


def visible_coefficient_versions(access) -> QuerySet[CoefficientVersion]:
    return CoefficientVersion.objects.with_scope(region=access.region_ids).all()


def coefficient_version_get(access, version_id: int) -> CoefficientVersion:
    version = visible_coefficient_versions(access).filter(pk=version_id).select_related("region").first()
    if version is None:
        raise NotFound()
    return version


def case_published_results(case, include_superseded: bool = False) -> QuerySet[CaseResult]:
    """A case's figures in the runs in force (published monthly/annual runs, newest first) — what a hospital
    may be told; simulations and unpublished drafts never. With `include_superseded`, also the runs that a
    re-run replaced, so the case page can show the history."""
    statuses = [VersionStatus.PUBLISHED] + ([VersionStatus.SUPERSEDED] if include_superseded else [])
    return (_scoped(CaseResult, case.region_id).filter(case=case, run__status__in=statuses)
            .exclude(run__kind=RunKind.SIMULATION).select_related("run")
            .order_by("-run__year", "-run__period", "-run__published_at", "-run_id"))
