"""`record_event`: the one way to write the audit trail (workflows.md §6)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def model_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _jsonable(getattr(obj, name)) for name in names}


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, as (old, new)."""
    changed = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in changed}, {k: new.get(k) for k in changed}


def record_event(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    region=None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    old: dict | None = None,
    new: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event. `region` defaults to the object's region (or the object itself if a Region)."""
    if region is None and obj is not None:
        region = obj if obj._meta.label == "tenants.Region" else getattr(obj, "region", None)
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        region=region,
        actor=actor_obj,
        actor_name=(str(actor_obj) if actor_obj else "system")[:150],
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
        object_repr=str(obj)[:200] if obj is not None else "",
        action=action,
        old=_jsonable(old) if old is not None else None,
        new=_jsonable(new) if new is not None else None,
        reason=reason,
    )
