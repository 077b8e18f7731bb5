"""State changes of the groups app: catalogues (import, shipped load, activation) and group statistics.

Every write checks the actor's role in the region (actor None = system, e.g. the demo and commands),
runs in a transaction and writes the audit trail. Bulk work is set-based (bulk_create, INSERT … SELECT).
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from apps.core import jobs, lifecycle
from apps.core.audit import model_snapshot, record_event
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.scoping import region_scope, scoped
from apps.tenants.access import get_access
from apps.tenants.models import PolicyYear, Region, User
from apps.tenants.roles import BUREAU_ADMINS, BUREAU_ROLES, REGION_ADMINS
from apps.tenants.services import policy_get_or_create

from . import catalogue as files
from .models import Adrg, Catalogue, Group, Mdc, StatsVersion
from .stats import compute_stats_sql

__all__ = [
    "catalogue_import", "catalogue_load_shipped", "catalogue_activate",
    "group_stats_compute", "group_stats_publish", "compute_stats_sql", "stats_version_run",
]

CATALOGUE_ROLES = REGION_ADMINS
COMPUTE_ROLES = BUREAU_ROLES
PUBLISH_ROLES = BUREAU_ADMINS


def _require(actor: User | None, region: Region, roles: tuple[str, ...], message: str) -> None:
    """Role and scope in one check: a role is always held in a region."""
    if actor is not None and not get_access(actor).has_role(region.pk, *roles):
        raise Forbidden(message)


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


# --- catalogues -----------------------------------------------------------------------------------


def _write_items(catalogue: Catalogue, model, rows: list[dict[str, str]], fields: tuple[str, ...]) -> dict[str, int]:
    """Upsert rows by code, set-based: one read, one bulk_create, one bulk_update."""
    existing = {obj.code: obj for obj in _scoped(model, catalogue.region_id).filter(catalogue=catalogue)}
    new, changed = [], []
    for row in rows:
        values = {f: row.get(f, "") for f in fields}
        obj = existing.get(row["code"])
        if obj is None:
            new.append(model(region_id=catalogue.region_id, catalogue=catalogue, code=row["code"], **values))
        elif any(getattr(obj, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(obj, f, v)
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=1000)
    if changed:
        _scoped(model, catalogue.region_id).bulk_update(changed, list(fields), batch_size=1000)
    return {"created": len(new), "updated": len(changed), "unchanged": len(rows) - len(new) - len(changed)}


def _hierarchy_from_groups(catalogue: Catalogue, groups: list[dict[str, str]]) -> tuple[list[dict], list[dict]]:
    """MDC and ADRG rows implied by a group file: names from the shipped lists where the code is known,
    existing rows keep theirs."""
    mdc_names = {m["code"]: m["name"] for m in files.shipped_mdcs()}
    adrg_names = {a["code"]: a["name"] for a in files.shipped_adrgs()}
    have_mdc = dict(_scoped(Mdc, catalogue.region_id).filter(catalogue=catalogue).values_list("code", "name"))
    have_adrg = dict(_scoped(Adrg, catalogue.region_id).filter(catalogue=catalogue).values_list("code", "name"))
    mdcs = {g["mdc"]: {"code": g["mdc"], "name": have_mdc.get(g["mdc"]) or mdc_names.get(g["mdc"], "")}
            for g in groups if g["mdc"]}
    adrgs = {g["adrg"]: {"code": g["adrg"], "name": have_adrg.get(g["adrg"]) or adrg_names.get(g["adrg"], ""),
                         "mdc": g["mdc"]} for g in groups if g["adrg"]}
    return list(mdcs.values()), [{"code": a["code"], "name": a["name"], "mdc_code": a["mdc"]} for a in adrgs.values()]


def _group_rows(groups: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"code": g["code"], "name": g["name"], "mdc_code": g["mdc"], "adrg_code": g["adrg"],
             "severity": g["severity"]} for g in groups]


def _locked_catalogue(region: Region, version: str, name: str, source: str) -> tuple[Catalogue, bool]:
    catalogue, created = _scoped(Catalogue, region.pk).get_or_create(
        region=region, version=version,
        defaults={"name": name or version, "method": region.payment_method, "source": source},
    )
    return _scoped(Catalogue, region.pk).select_for_update().get(pk=catalogue.pk), created


def _has_active(region: Region) -> bool:
    return _scoped(Catalogue, region.pk).filter(is_active=True).exists()


def _check_version(version: str) -> str:
    version = (version or "").strip()
    if not version or len(version) > 50 or not files.CODE_RE.match(version.replace(" ", "-")):
        raise ValidationFailed("version: 1–50 letters, digits, '.', '-' or '_'")
    return version


@transaction.atomic
def catalogue_import(
    *, actor: User | None, region: Region, version: str, data: bytes, filename: str, name: str = "",
    activate: bool = False,
) -> dict[str, Any]:
    """Import a `code,name,mdc,adrg` file into a catalogue version (created if new).

    Idempotent: re-importing the same file changes nothing. Bad rows come back in `errors`, the
    good rows land. Groups missing from the file are kept (published statistics may refer to them).
    """
    _require(actor, region, CATALOGUE_ROLES, "Only the bureau administrator can manage catalogues.")
    version = _check_version(version)
    try:
        parsed = files.parse_catalogue(files.load_dataset(data, filename))
    except ValueError as err:
        raise ValidationFailed(f"file: {err}")
    except Exception:  # tablib/openpyxl raise many kinds on a broken file
        raise ValidationFailed("file: cannot read the file as CSV or XLSX")
    summary: dict[str, Any] = {"region": region.code, "version": version, "catalogue_id": None,
                               "total": parsed.total, "created": 0, "updated": 0, "unchanged": 0,
                               "rejected": len({e["row"] for e in parsed.errors}), "errors": parsed.errors}
    if not parsed.rows:
        return summary
    catalogue, _ = _locked_catalogue(region, version, name, source=filename[:255])
    mdcs, adrgs = _hierarchy_from_groups(catalogue, parsed.rows)
    _write_items(catalogue, Mdc, mdcs, ("name",))
    _write_items(catalogue, Adrg, adrgs, ("name", "mdc_code"))
    counts = _write_items(catalogue, Group, _group_rows(parsed.rows), ("name", "mdc_code", "adrg_code", "severity"))
    summary.update(counts, catalogue_id=catalogue.pk)
    if counts["created"] or counts["updated"]:
        record_event(actor=actor, action="catalogue.import", obj=catalogue,
                     new={"file": filename, **counts, "rejected": summary["rejected"]})
    if activate and not catalogue.is_active:
        catalogue_activate(actor=actor, catalogue=catalogue)
    return summary


@transaction.atomic
def catalogue_load_shipped(
    *, actor: User | None, region: Region, version: str = files.SHIPPED_VERSION, activate: bool | None = None,
) -> dict[str, Any]:
    """Load the shipped CHS-DRG 2.0 catalogue (26 MDCs, 409 ADRGs, 634 DRGs) in one step; idempotent.

    `activate` None means: activate it when the region has no active catalogue yet.
    """
    _require(actor, region, CATALOGUE_ROLES, "Only the bureau administrator can manage catalogues.")
    if version != files.SHIPPED_VERSION:
        raise ValidationFailed(f"version: the shipped catalogue is {files.SHIPPED_VERSION}")
    catalogue, created = _locked_catalogue(region, version, files.SHIPPED_NAME, source="shipped: CHS-DRG 2.0 (NHSA)")
    mdc = _write_items(catalogue, Mdc, files.shipped_mdcs(), ("name",))
    adrg = _write_items(catalogue, Adrg, [{"code": a["code"], "name": a["name"], "mdc_code": a["mdc"]}
                                          for a in files.shipped_adrgs()], ("name", "mdc_code"))
    group = _write_items(catalogue, Group, _group_rows(files.shipped_groups()), ("name", "mdc_code", "adrg_code", "severity"))
    if created or mdc["created"] or adrg["created"] or group["created"] or group["updated"]:
        record_event(actor=actor, action="catalogue.load_shipped", obj=catalogue,
                     new={"mdc": mdc, "adrg": adrg, "group": group})
    if activate or (activate is None and not _has_active(region)):
        catalogue_activate(actor=actor, catalogue=catalogue)
    scoped = {m: _scoped(m, region.pk).filter(catalogue=catalogue).count() for m in (Mdc, Adrg, Group)}
    return {"region": region.code, "version": version, "catalogue_id": catalogue.pk, "created": created,
            "mdcs": scoped[Mdc], "adrgs": scoped[Adrg], "groups": scoped[Group],
            "groups_created": group["created"], "groups_updated": group["updated"]}


@transaction.atomic
def catalogue_activate(*, actor: User | None, catalogue: Catalogue) -> Catalogue:
    """Make this the region's active catalogue (the one quality checks use when no year names one)."""
    region = catalogue.region
    _require(actor, region, CATALOGUE_ROLES, "Only the bureau administrator can manage catalogues.")
    locked = list(_scoped(Catalogue, region.pk).select_for_update().filter(region=region).order_by("pk"))
    target = next((c for c in locked if c.pk == catalogue.pk), None)
    if target is None:
        raise NotFound()
    previous = next((c for c in locked if c.is_active), None)
    if previous is not None and previous.pk == target.pk:
        return target
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    target.is_active = True
    target.save(update_fields=["is_active"])
    record_event(actor=actor, action="catalogue.activate", obj=target,
                 old={"active": previous.version if previous else None}, new={"active": target.version})
    return target


# --- group statistics ----------------------------------------------------------------------------


def _catalogue_for(region: Region, policy: PolicyYear) -> Catalogue:
    from .selectors import active_catalogue

    catalogue = active_catalogue(region, policy.year)
    if catalogue is None:
        raise ValidationFailed("catalogue: the region has no group catalogue for this year (load or activate one)")
    return catalogue


def group_stats_compute(*, actor: User | None, region: Region, year: int, sync: bool = False) -> StatsVersion:
    """Start a new statistics version for (region, year) and compute it in a Celery task.

    The version row is committed first (so its progress can be polled); the task then runs the
    set-based SQL. With eager Celery (tests) or `sync=True` (commands, demo, bench) the version
    comes back finished.
    """
    _require(actor, region, COMPUTE_ROLES, "Only bureau staff can compute group statistics.")
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed("year: out of range")
    with transaction.atomic():
        policy = policy_get_or_create(region=region, year=year)
        policy = PolicyYear.objects.with_scope(region=[region.pk]).select_for_update().get(pk=policy.pk)
        catalogue = _catalogue_for(region, policy)
        versions = _scoped(StatsVersion, region.pk).filter(region=region, year=year)
        # A version left queued/running by a killed worker must not block the year for ever.
        lifecycle.refuse_if_active(versions, "year")
        start, end = policy.base_years
        if start > end:
            raise ValidationFailed("base_start: the base period starts after it ends")
        version = StatsVersion.objects.create(
            region=region, year=year, catalogue=catalogue,
            number=(versions.aggregate(m=Max("number"))["m"] or 0) + 1,
            base_start=start, base_end=end, min_cases=policy.min_cases, cv_max=policy.cv_max,
            lln_cases=policy.lln_cases, computed_by=actor if actor is not None else None,
        )
        record_event(actor=actor, action="group_stats.compute", obj=version,
                     new=model_snapshot(version, ["year", "number", "catalogue_id", "base_start", "base_end",
                                                  "min_cases", "cv_max", "lln_cases"]))
    if sync:
        with region_scope(region.pk):
            stats_version_run(version.pk)
    else:
        jobs.enqueue("groups.compute_group_stats", region_id=region.pk, version_id=version.pk)
    version.refresh_from_db()
    return version


def stats_version_run(version_id: int) -> StatsVersion:
    """The task body: compute, and on any failure leave the version `failed` with the reason."""
    version = StatsVersion.objects.get(pk=version_id)
    try:
        return compute_stats_sql(version)
    except Exception as err:  # the version must never stay "running"
        message = err.message if isinstance(err, ValidationFailed) else f"{type(err).__name__}: {err}"
        lifecycle.fail(StatsVersion, version_id, str(message), quiet=True)
        version.refresh_from_db()
        if not isinstance(err, ValidationFailed):
            raise
        return version


@transaction.atomic
def group_stats_publish(*, actor: User | None, version: StatsVersion) -> StatsVersion:
    """Publish a ready version; the earlier published version of the same region and year is superseded."""
    region = version.region
    _require(actor, region, PUBLISH_ROLES, "Only the bureau administrator can publish group statistics.")
    locked, _previous = lifecycle.publish(
        version, actor=actor,
        details=lambda v, prev: {"number": v.number, "all_avg": v.all_avg, "n_cases": v.n_cases,
                                 "n_groups": v.n_groups, "superseded": prev.number if prev else None})
    return locked
