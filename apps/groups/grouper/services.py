"""State changes of the grouper: a rule set's catalogue into a region, and regional subdivision rules.

Local subdivision rules are managed by the bureau (bureau_admin, bureau_staff; platform admin), are
audited, and take effect in every process at the next `get_ruleset` call (the cache compares the
region's rule count and last change).
"""
from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from apps.core.audit import model_snapshot, record_event
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.groups.models import Adrg, Catalogue, Group, Mdc
from apps.groups.services import (
    CATALOGUE_ROLES,
    _group_rows,
    _has_active,
    _locked_catalogue,
    _require,
    _scoped,
    _write_items,
    catalogue_activate,
)
from apps.tenants.access import get_access
from apps.tenants.models import Region, User
from apps.tenants.roles import BUREAU_WRITERS

from .files import SHIPPED, read_catalogue_rows, read_shipped
from .models import GrouperRuleSet, LocalGroupRule

__all__ = ["grouper_catalogue_load", "local_rule_create", "local_rule_update", "local_rule_deactivate",
           "LOCAL_RULE_ROLES"]

LOCAL_RULE_ROLES = BUREAU_WRITERS
LOCAL_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-_]{0,19}$")
CODE_RE = re.compile(r"^[A-Za-z0-9.+*\-x]{1,40}$")
FIELDS = ("base_code", "local_code", "local_name", "procedures", "diagnoses", "age_min", "age_max", "los_min",
          "los_max", "priority", "note")


@transaction.atomic
def grouper_catalogue_load(*, actor: User | None, region: Region, version: str = "chs-drg-1.1",
                           activate: bool = False) -> dict[str, Any]:
    """The shipped rule set's catalogue (e.g. CHS-DRG 1.1: 26 MDCs, 376 ADRGs, 628 DRGs) as a catalogue
    version of the region; idempotent. Activated only when asked or when the region has none."""
    _require(actor, region, CATALOGUE_ROLES, "Only the bureau administrator can manage catalogues.")
    meta = SHIPPED.get(version)
    if meta is None:
        raise NotFound(f"No shipped grouper {version}.")
    data = read_shipped(version)
    catalogue, created = _locked_catalogue(region, meta["catalogue_version"], meta["catalogue_name"],
                                           source=f"shipped: {meta['catalogue_name']}")
    mdc = _write_items(catalogue, Mdc, [{"code": m["code"], "name": m["name"]} for m in data.mdcs], ("name",))
    adrgs = {a["code"].split("_", 1)[0]: a for a in reversed(data.adrgs)}  # IB1_1, IB1_2 → IB1 (yunnan-2023)
    adrg = _write_items(catalogue, Adrg, [{"code": code, "name": a["name"], "mdc_code": a["mdc"]}
                                          for code, a in reversed(adrgs.items())], ("name", "mdc_code"))
    group = _write_items(catalogue, Group, _group_rows(read_catalogue_rows(version)),
                         ("name", "mdc_code", "adrg_code", "severity"))
    if created or mdc["created"] or adrg["created"] or group["created"] or group["updated"]:
        record_event(actor=actor, action="catalogue.load_shipped", obj=catalogue,
                     new={"grouper": version, "mdc": mdc, "adrg": adrg, "group": group})
    if activate or not _has_active(region):
        catalogue_activate(actor=actor, catalogue=catalogue)
    counts = {m: _scoped(m, region.pk).filter(catalogue=catalogue).count() for m in (Mdc, Adrg, Group)}
    return {"region": region.code, "version": catalogue.version, "catalogue_id": catalogue.pk, "created": created,
            "mdcs": counts[Mdc], "adrgs": counts[Adrg], "groups": counts[Group],
            "active": _scoped(Catalogue, region.pk).filter(pk=catalogue.pk, is_active=True).exists()}


# --- local subdivision rules --------------------------------------------------------------------------


def _codes(value, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = re.split(r"[\s,;，；|]+", value)
    out = []
    for item in value:
        item = str(item).strip()
        if not item:
            continue
        if not CODE_RE.match(item):
            raise ValidationFailed(f"{field}: {item!r} is not a code")
        if item not in out:
            out.append(item)
    return out


def _int(value, field: str, maximum: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field}: a whole number is required")
    if not 0 <= number <= maximum:
        raise ValidationFailed(f"{field}: between 0 and {maximum}")
    return number


def _clean(region: Region, version: str, values: dict[str, Any], *, instance: LocalGroupRule | None) -> dict:
    ruleset = GrouperRuleSet.objects.filter(version=version).first()
    if ruleset is None:
        raise ValidationFailed(f"ruleset_version: the grouper version {version} is not loaded")
    out: dict[str, Any] = {}
    base = str(values.get("base_code", instance.base_code if instance else "") or "").strip().upper()
    from .models import GrouperAdrgRule, GrouperDrgRule
    if len(base) == 3:
        known = GrouperAdrgRule.objects.filter(ruleset=ruleset, code=base).exists()
    else:
        known = GrouperDrgRule.objects.filter(ruleset=ruleset, code=base).exists()
    if not known:
        raise ValidationFailed(f"base_code: {base or '—'} is no ADRG or DRG of {version}")
    out["base_code"] = base
    local_code = str(values.get("local_code", instance.local_code if instance else "") or "").strip().upper()
    if not LOCAL_CODE_RE.match(local_code):
        raise ValidationFailed("local_code: 1–20 letters, digits, '.', '-' or '_'")
    if GrouperDrgRule.objects.filter(ruleset=ruleset, code=local_code).exists():
        raise ValidationFailed(f"local_code: {local_code} is a national DRG code")
    clash = LocalGroupRule.objects.with_scope(region=[region.pk]).filter(
        region=region, ruleset_version=version, local_code=local_code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(f"local_code: {local_code} already exists", code="duplicate")
    out["local_code"] = local_code
    name = str(values.get("local_name", instance.local_name if instance else "") or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("local_name: 1–200 characters")
    out["local_name"] = name
    for field in ("procedures", "diagnoses"):
        out[field] = _codes(values[field], field) if field in values else (getattr(instance, field) if instance else [])
    for field, maximum in (("age_min", 150), ("age_max", 150), ("los_min", 3650), ("los_max", 3650)):
        out[field] = _int(values[field], field, maximum) if field in values else (
            getattr(instance, field) if instance else None)
    for low, high in (("age_min", "age_max"), ("los_min", "los_max")):
        if out[low] is not None and out[high] is not None and out[low] > out[high]:
            raise ValidationFailed(f"{low}: greater than {high}")
    if not (out["procedures"] or out["diagnoses"] or any(out[f] is not None for f in
                                                         ("age_min", "age_max", "los_min", "los_max"))):
        raise ValidationFailed("condition: give a procedure list, a diagnosis list, an age or a length-of-stay range")
    priority = _int(values.get("priority", instance.priority if instance else 100), "priority", 1000)
    out["priority"] = 100 if priority is None else priority
    out["note"] = str(values.get("note", instance.note if instance else "") or "")[:2000]
    return out


def _require_local(actor: User | None, region: Region) -> None:
    if actor is None:
        return
    access = get_access(actor)
    if not access.has_role(region.pk, *LOCAL_RULE_ROLES):
        raise Forbidden("Only the bureau can manage local grouping rules.")


@transaction.atomic
def local_rule_create(*, actor: User | None, region: Region, ruleset_version: str, **values) -> LocalGroupRule:
    """A local subdivision of a national ADRG/DRG: base_code, local_code, local_name and at least one
    condition (procedures, diagnoses, age_min/age_max, los_min/los_max); priority (lower first)."""
    _require_local(actor, region)
    clean = _clean(region, ruleset_version, values, instance=None)
    rule = LocalGroupRule.objects.create(region=region, ruleset_version=ruleset_version,
                                         created_by=actor if actor is not None else None, **clean)
    record_event(actor=actor, action="grouper.local_rule.create", obj=rule, new=model_snapshot(rule))
    return rule


def _locked(region: Region, rule: LocalGroupRule | int) -> LocalGroupRule:
    pk = rule.pk if isinstance(rule, LocalGroupRule) else rule
    found = LocalGroupRule.objects.with_scope(region=[region.pk]).select_for_update().filter(
        region=region, pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic
def local_rule_update(*, actor: User | None, region: Region, rule: LocalGroupRule | int, **values) -> LocalGroupRule:
    _require_local(actor, region)
    locked = _locked(region, rule)
    if not locked.is_active and not values.pop("reactivate", False):
        raise InvalidTransition("A deactivated local rule cannot be changed; reactivate it first.")
    old = model_snapshot(locked)
    clean = _clean(region, locked.ruleset_version, values, instance=locked)
    for field, value in clean.items():
        setattr(locked, field, value)
    locked.is_active = True
    locked.save()
    record_event(actor=actor, action="grouper.local_rule.update", obj=locked, old=old, new=model_snapshot(locked))
    return locked


@transaction.atomic
def local_rule_deactivate(*, actor: User | None, region: Region, rule: LocalGroupRule | int,
                          reason: str = "") -> LocalGroupRule:
    _require_local(actor, region)
    locked = _locked(region, rule)
    if not locked.is_active:
        raise InvalidTransition("The local rule is already inactive.")
    locked.is_active = False
    locked.save(update_fields=["is_active", "updated_at"])
    record_event(actor=actor, action="grouper.local_rule.deactivate", obj=locked, old={"is_active": True},
                 new={"is_active": False}, reason=reason)
    return locked
