"""Rule sets in and out of the database, and the per-process cache the engine runs from.

- `load_shipped(version)`: the files under apps/groups/data/grouper/<version>/ → the database
  (idempotent: unchanged content is not rewritten; changed content replaces the rows and bumps
  `stamp`), and the rule set's catalogue into regions (`grouper_catalogue_load`).
- `get_ruleset(version, region_id=None)`: built from the database once per process and kept while
  the rule set's `stamp` and the region's local rules (count, last change) are unchanged; each call
  costs one or two tiny queries. Call it once per batch/chunk, not once per case.
- `ruleset_from_files(version)`: the same RuleSet straight from the shipped files (unit tests, bench).
"""
from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from apps.core.errors import NotFound
from apps.groups.models import Catalogue
from apps.tenants.enums import PaymentMethod
from apps.tenants.models import PolicyYear, Region

from .files import CODE_KINDS, SHIPPED, RuleData, read_shipped
from .ruleset import LocalRule, RuleSet, build_ruleset

__all__ = [
    "get_ruleset", "available_versions", "load_shipped", "ruleset_from_files", "clear_cache", "default_version",
    "local_rules_of", "policy_version",
]

_lock = threading.Lock()
_national: dict[str, tuple[str, RuleSet]] = {}  # version → (stamp, rule set)
_regional: dict[tuple[str, int], tuple[str, RuleSet]] = {}  # (version, region) → (stamp, rule set)
_files: dict[str, RuleSet] = {}


def clear_cache() -> None:
    with _lock:
        _national.clear()
        _regional.clear()


def ruleset_from_files(version: str = "chs-drg-1.1") -> RuleSet:
    """The shipped rule set without a database (cached per process)."""
    if version not in _files:
        _files[version] = build_ruleset(read_shipped(version), stamp="files")
    return _files[version]


# --- reading from the database ----------------------------------------------------------------------


def _read_db(ruleset_id: int, meta: dict) -> RuleData:
    from .models import GrouperAdrgRule, GrouperCode, GrouperDrgRule, GrouperMdcRule

    data = RuleData(meta=meta)
    data.mdcs = list(GrouperMdcRule.objects.filter(ruleset_id=ruleset_id).values("code", "name", "order", "entry",
                                                                                    "adrgs", "qy"))
    data.adrgs = list(GrouperAdrgRule.objects.filter(ruleset_id=ruleset_id).values("code", "mdc", "name", "label",
                                                                                       "rule", "drgs"))
    data.drgs = list(GrouperDrgRule.objects.filter(ruleset_id=ruleset_id).values("code", "name", "adrg", "severity"))
    with connection.cursor() as cursor:  # 250k rows: a plain cursor, not model instances
        cursor.execute(f"SELECT kind, owner, code, value FROM {GrouperCode._meta.db_table} WHERE ruleset_id = %s "
                       "ORDER BY id", [ruleset_id])
        data.codes = cursor.fetchall()
    return data


def _ruleset_row(version: str) -> dict:
    from .models import GrouperRuleSet

    row = GrouperRuleSet.objects.filter(version=version).values(
        "id", "version", "catalogue_version", "name", "source", "licences", "stamp").first()
    if row is None:
        raise NotFound(f"The grouper version {version} is not loaded.")
    return row


def local_rules_of(region_id: int, version: str, *, active_only: bool = True) -> list[LocalRule]:
    from .models import LocalGroupRule

    qs = LocalGroupRule.objects.with_scope(region=[region_id]).filter(region_id=region_id, ruleset_version=version)
    if active_only:
        qs = qs.filter(is_active=True)
    return [LocalRule(id=r.pk, base_code=r.base_code, local_code=r.local_code, local_name=r.local_name,
                      procedures=frozenset(r.procedures or ()), diagnoses=frozenset(r.diagnoses or ()),
                      age_min=r.age_min, age_max=r.age_max, los_min=r.los_min, los_max=r.los_max,
                      priority=r.priority) for r in qs]


def _local_stamp(region_id: int, version: str) -> str:
    from .models import LocalGroupRule

    agg = LocalGroupRule.objects.with_scope(region=[region_id]).filter(
        region_id=region_id, ruleset_version=version).aggregate(n=Count("id"), last=Max("updated_at"))
    return f"{agg['n']}:{agg['last'].isoformat() if agg['last'] else '-'}"


def get_ruleset(version: str, region_id: int | None = None) -> RuleSet:
    """The rule set of `version` (plus the region's active local rules); NotFound if not loaded."""
    row = _ruleset_row(version)
    stamp = f"{row['id']}:{row['stamp']}"
    cached = _national.get(version)
    if cached is None or cached[0] != stamp:
        with _lock:
            cached = _national.get(version)
            if cached is None or cached[0] != stamp:
                meta = {k: row[k] for k in ("version", "catalogue_version", "name", "source", "licences")}
                cached = (stamp, build_ruleset(_read_db(row["id"], meta), stamp=stamp))
                _national[version] = cached
                for key in [k for k in _regional if k[0] == version]:
                    del _regional[key]
    national = cached[1]
    if region_id is None:
        return national
    local_stamp = f"{stamp}|{_local_stamp(region_id, version)}"
    key = (version, region_id)
    hit = _regional.get(key)
    if hit is None or hit[0] != local_stamp:
        rules = local_rules_of(region_id, version)
        hit = (local_stamp, national.with_local_rules(region_id, rules, stamp=local_stamp) if rules else national)
        with _lock:
            _regional[key] = hit
    return hit[1]


def available_versions() -> list[dict[str, Any]]:
    from .files import SHIPPED
    from .models import GrouperRuleSet

    return [
        {"version": r.version, "label": SHIPPED.get(r.version, {}).get("label", r.version),
         "catalogue_version": r.catalogue_version, "name": r.name, "drg_count": r.drg_count,
         "adrg_count": r.adrg_count, "loaded_at": r.loaded_at, "licences": r.licences}
        for r in GrouperRuleSet.objects.order_by("version")
    ]


def default_version(region_id: int | None = None) -> str | None:
    """The rule set for a region: the one whose catalogue is the region's active catalogue, else the
    newest loaded rule set; None when no rule set is loaded."""
    from .models import GrouperRuleSet

    if region_id is not None:
        active = Catalogue.objects.with_scope(region=[region_id]).filter(region_id=region_id, is_active=True) \
            .values_list("version", flat=True).first()
        if active:
            hit = GrouperRuleSet.objects.filter(catalogue_version=active).values_list("version", flat=True).first()
            if hit:
                return hit
    return GrouperRuleSet.objects.order_by("-loaded_at").values_list("version", flat=True).first()


def policy_version(region_id: int, year: int | None = None) -> str | None:
    """The grouper version the region's policy year names (`PolicyYear.grouper_version`): the year asked
    (default: this year), else the latest earlier policy year. "" — the region keeps no portal grouper
    (its declared codes are used as they are); None — no policy year says."""
    year = year or timezone.localdate().year
    row = PolicyYear.objects.with_scope(region=[region_id]).filter(region_id=region_id, year__lte=year) \
        .order_by("-year").values_list("grouper_version", flat=True).first()
    if row is None:
        row = PolicyYear.objects.with_scope(region=[region_id]).filter(region_id=region_id) \
            .order_by("year").values_list("grouper_version", flat=True).first()
    return row


# --- writing ----------------------------------------------------------------------------------------


def _digest(data: RuleData) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([data.mdcs, data.adrgs, data.drgs], ensure_ascii=False, sort_keys=True).encode())
    for row in data.codes:
        h.update("\x1f".join(row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def _copy_codes(ruleset_id: int, codes: list[tuple[str, str, str, str]]) -> None:
    from .models import GrouperCode

    table = GrouperCode._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} (ruleset_id, kind, owner, code, value) FROM STDIN") as copy:
                for kind, owner, code, value in codes:
                    copy.write_row((ruleset_id, kind, owner, code, value))
        return
    GrouperCode.objects.bulk_create([GrouperCode(ruleset_id=ruleset_id, kind=k, owner=o, code=c, value=v)
                                     for k, o, c, v in codes], batch_size=5000)


@transaction.atomic
def store_ruleset(data: RuleData) -> dict[str, Any]:
    """Write a RuleData into the database (replacing an older content of the same version)."""
    from .models import GrouperAdrgRule, GrouperCode, GrouperDrgRule, GrouperMdcRule, GrouperRuleSet

    unknown = {row[0] for row in data.codes} - set(CODE_KINDS)
    if unknown:
        raise ValueError(f"unknown code kinds {sorted(unknown)}")
    meta = data.meta
    digest = _digest(data)
    ruleset = GrouperRuleSet.objects.select_for_update().filter(version=meta["version"]).first()
    if ruleset is not None and ruleset.sha256 == digest:
        return {"version": ruleset.version, "created": False, "changed": False, "stamp": ruleset.stamp,
                "mdcs": ruleset.mdc_count, "adrgs": ruleset.adrg_count, "drgs": ruleset.drg_count,
                "codes": ruleset.code_count}
    created = ruleset is None
    if created:
        ruleset = GrouperRuleSet(version=meta["version"], stamp=0)
    ruleset.catalogue_version = meta.get("catalogue_version", meta["version"])
    ruleset.name = meta.get("name", meta["version"])[:200]
    ruleset.source = meta.get("source", "")[:255]
    ruleset.licences = list(meta.get("licences", []))
    ruleset.sha256 = digest
    ruleset.stamp += 1
    ruleset.mdc_count, ruleset.adrg_count = len(data.mdcs), len(data.adrgs)
    ruleset.drg_count, ruleset.code_count = len(data.drgs), len(data.codes)
    ruleset.loaded_at = timezone.now()
    ruleset.save()
    for model in (GrouperMdcRule, GrouperAdrgRule, GrouperDrgRule, GrouperCode):
        model.objects.filter(ruleset=ruleset).delete()
    GrouperMdcRule.objects.bulk_create([
        GrouperMdcRule(ruleset=ruleset, code=m["code"], name=m.get("name", ""), order=m["order"], entry=m["entry"],
                       adrgs=m["adrgs"], qy=m.get("qy") or {}) for m in data.mdcs])
    GrouperAdrgRule.objects.bulk_create([
        GrouperAdrgRule(ruleset=ruleset, code=a["code"], mdc=a["mdc"], name=a.get("name", "")[:200],
                        label=a.get("label", "")[:100], rule=a["rule"], drgs=a["drgs"]) for a in data.adrgs])
    GrouperDrgRule.objects.bulk_create([
        GrouperDrgRule(ruleset=ruleset, code=d["code"], name=d["name"][:200], adrg=d["adrg"], severity=d["severity"])
        for d in data.drgs])
    _copy_codes(ruleset.pk, data.codes)
    return {"version": ruleset.version, "created": created, "changed": True, "stamp": ruleset.stamp,
            "mdcs": ruleset.mdc_count, "adrgs": ruleset.adrg_count, "drgs": ruleset.drg_count,
            "codes": ruleset.code_count}


def load_shipped(version: str = "chs-drg-1.1", *, actor=None, regions=None, activate: bool = False) -> dict[str, Any]:
    """Load a shipped rule set and its catalogue; idempotent.

    `regions`: the regions that get the rule set's catalogue version (None: every DRG region). The
    catalogue is not activated unless `activate` (the regions keep their active catalogue).
    """
    from .services import grouper_catalogue_load

    if version not in SHIPPED:
        raise NotFound(f"No shipped grouper {version}; shipped: {', '.join(sorted(SHIPPED))}.")
    summary = store_ruleset(read_shipped(version))
    if regions is None:
        regions = list(Region.objects.filter(payment_method=PaymentMethod.DRG).order_by("code"))
    summary["catalogues"] = [grouper_catalogue_load(actor=actor, region=region, version=version, activate=activate)
                             for region in regions]
    return summary
