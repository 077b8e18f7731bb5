"""Reads of the settlement app. Screens, the API, exports and other apps (cases, monitoring) call these.

Functions taking a `region` read exactly that region (the caller has checked access to it); functions
taking an `access` read only what that user may see (the policy: `rules.py`), and `*_visible_get` raises Http404
for anything outside it — another region's run is indistinguishable from a missing one.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.core.lifecycle import Lifecycle
from apps.core.scoping import scoped
from apps.tenants.models import Region
from apps.tenants.roles import REGION_WIDE_READ_ROLES

from . import rules
from .enums import RunKind
from .models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun

# --- coefficients --------------------------------------------------------------------------------


def coefficient_versions(region: Region, year: int | None = None) -> QuerySet[CoefficientVersion]:
    qs = scoped(CoefficientVersion, region.pk).filter(region=region)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-number")


def published_coefficients(region: Region, year: int) -> CoefficientVersion | None:
    """The coefficient version in force for a payment year."""
    return coefficient_versions(region, year).filter(status=Lifecycle.PUBLISHED).first()


def latest_coefficients(region: Region, year: int) -> CoefficientVersion | None:
    return coefficient_versions(region, year).first()


def coefficient_rows(version: CoefficientVersion) -> QuerySet[HospitalCoefficient]:
    return (scoped(HospitalCoefficient, version.region_id).filter(version=version)
            .select_related("hospital").order_by("hospital__code"))


def hospital_coefficient(region: Region, year: int, hospital_id: int) -> HospitalCoefficient | None:
    """A hospital's coefficient in the year's published version (None if not published or no row)."""
    version = published_coefficients(region, year)
    if version is None:
        return None
    return coefficient_rows(version).filter(hospital_id=hospital_id).first()


# --- runs ----------------------------------------------------------------------------------------


def runs(region: Region, kind: str | None = None, year: int | None = None) -> QuerySet[SettlementRun]:
    qs = scoped(SettlementRun, region.pk).filter(region=region)
    if kind:
        qs = qs.filter(kind=kind)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-period", "kind", "-version")


def run_versions(region: Region, kind: str, period: str) -> QuerySet[SettlementRun]:
    return runs(region, kind).filter(period=period).order_by("-version")


def published_run(region: Region, kind: str, period: str) -> SettlementRun | None:
    """The published (in force) run of a period."""
    return run_versions(region, kind, period).filter(status=Lifecycle.PUBLISHED).first()


def published_monthly_runs(region: Region, year: int) -> QuerySet[SettlementRun]:
    return runs(region, RunKind.MONTHLY, year).filter(status=Lifecycle.PUBLISHED).order_by("month")


def cleared_years(region: Region) -> set[int]:
    """Years with a published annual clearing: their cases are frozen (the cases import rejects updates)."""
    return set(runs(region, RunKind.ANNUAL).filter(status=Lifecycle.PUBLISHED)
               .values_list("year", flat=True).distinct())


def runs_visible(access) -> QuerySet[SettlementRun]:
    """The official runs a user may see (the one rule of screens, API and exports): every run of the regions read
    wholly, published (or superseded) runs of a hospital user's regions. What-if scenario runs are never here
    (`SettlementRun.objects` leaves them out); a hospital user sees only their own rows inside (`*_results`)."""
    wide = access.regions_with(*REGION_WIDE_READ_ROLES)
    hospital = [r for r in access.region_ids if r not in wide and access.own_hospitals(r)]
    runs = SettlementRun.objects.with_scope(region=access.region_ids)
    return runs.filter(region_id__in=wide) | runs.filter(region_id__in=hospital, status__in=rules.PUBLIC)


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def run_visible_get(access, run_id: int) -> tuple[SettlementRun, set[int] | None]:
    """A run the user may see with their reading rights (None = whole region, else their hospital ids).

    404 for a run of another region, a scenario run, or an unpublished run asked by a hospital user; 403 for the
    other roles of the region."""
    run = (SettlementRun.objects.with_scope(region=access.region_ids).filter(pk=_pk(run_id))
           .select_related("region", "stats_version", "coefficient_version").first())
    if run is None:
        raise Http404
    return run, rules.reader_hospitals(access, run.region_id, run.status)


def case_result_visible_get(access, result_id: int) -> tuple[CaseResult, set[int] | None]:
    """A case result of an official run the user may see (never a what-if scenario run's), else 404/403."""
    result = (CaseResult.objects.with_scope(region=access.region_ids)
              .filter(pk=_pk(result_id), run__scenario__isnull=True).with_inputs()
              .select_related("run", "hospital", "case").first())
    if result is None:
        raise Http404
    own = rules.reader_hospitals(access, result.region_id, result.run.status)
    if own is not None and result.hospital_id not in own:
        raise Http404
    return result, own


def coefficient_versions_visible(access) -> QuerySet[CoefficientVersion]:
    """Official coefficient versions a user may see: all of the regions read wholly, published ones of a hospital
    user's regions."""
    wide = access.regions_with(*REGION_WIDE_READ_ROLES)
    hospital = [r for r in access.region_ids if r not in wide and access.own_hospitals(r)]
    versions = CoefficientVersion.objects.with_scope(region=access.region_ids)
    return versions.filter(region_id__in=wide) | versions.filter(region_id__in=hospital, status__in=rules.PUBLIC)


def coefficient_version_visible_get(access, version_id: int) -> tuple[CoefficientVersion, set[int] | None]:
    version = (CoefficientVersion.objects.with_scope(region=access.region_ids).filter(pk=_pk(version_id))
               .select_related("region").first())
    if version is None:
        raise Http404
    return version, rules.reader_hospitals(access, version.region_id, version.status)


def case_results(run: SettlementRun, access=None) -> QuerySet[CaseResult]:
    """A run's case results; with `access`, a hospital user gets only their hospital's cases."""
    qs = scoped(CaseResult, run.region_id).filter(run=run).with_inputs()
    if access is not None:
        qs = access.filter(qs)
    return qs.select_related("hospital").order_by("hospital__code", "settlement_id")


def hospital_results(run: SettlementRun, access=None) -> QuerySet[HospitalResult]:
    """A run's hospital statements; with `access`, a hospital user gets only their hospital's."""
    qs = scoped(HospitalResult, run.region_id).filter(run=run)
    if access is not None:
        qs = access.filter(qs)
    return qs.select_related("hospital").order_by("hospital__code")


def case_published_results(case, include_superseded: bool = False) -> QuerySet[CaseResult]:
    """A case's figures in the runs in force (published monthly/annual runs, newest first) — what a hospital
    may be told; simulations and unpublished drafts never. With `include_superseded`, also the runs that a
    re-run replaced, so the case page can show the history."""
    statuses = [Lifecycle.PUBLISHED] + ([Lifecycle.SUPERSEDED] if include_superseded else [])
    return (scoped(CaseResult, case.region_id).filter(case=case, run__status__in=statuses)
            .exclude(run__kind=RunKind.SIMULATION).with_inputs().select_related("run")
            .order_by("-run__year", "-run__period", "-run__published_at", "-run_id"))
