"""State changes for hospitals: create, update (bureau administrators), each audited."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.audit import diff, model_snapshot, record_event
from apps.core.errors import Forbidden, ValidationFailed
from apps.tenants.access import get_access
from apps.tenants.enums import Role
from apps.tenants.models import Region, User

from .models import Hospital

EDITABLE_FIELDS = ("code", "name", "level", "grade", "type", "drg_enabled_from", "active")


def _check_can_manage(actor: User | None, region: Region) -> None:
    if actor is not None and not get_access(actor).has_role(region.pk, Role.BUREAU_ADMIN, Role.PLATFORM_ADMIN):
        raise Forbidden("Only the bureau administrator can manage hospitals.")


def _validate(hospital: Hospital) -> None:
    try:
        hospital.full_clean(validate_unique=False, exclude=["region"])
    except ValidationError as err:
        raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in err.message_dict.items()))
    clash = Hospital.objects.with_scope(region=[hospital.region_id]).filter(region_id=hospital.region_id, code=hospital.code)
    if clash.exclude(pk=hospital.pk).exists():
        raise ValidationFailed(f"code: hospital code {hospital.code} already exists in this region")


@transaction.atomic
def hospital_create(*, actor: User | None, region: Region, **fields: Any) -> Hospital:
    _check_can_manage(actor, region)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(sorted(unknown))}")
    hospital = Hospital(region=region, **fields)
    _validate(hospital)
    hospital.save()
    record_event(actor=actor, action="hospital.create", obj=hospital, new=model_snapshot(hospital, list(EDITABLE_FIELDS)))
    return hospital


@transaction.atomic
def hospital_update(*, actor: User | None, hospital: Hospital, reason: str = "", **fields: Any) -> Hospital:
    _check_can_manage(actor, hospital.region)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(sorted(unknown))}")
    locked = Hospital.objects.with_scope(region=[hospital.region_id]).select_for_update().get(pk=hospital.pk)
    before = model_snapshot(locked, list(EDITABLE_FIELDS))
    for name, value in fields.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.save()
    old, new = diff(before, model_snapshot(locked, list(EDITABLE_FIELDS)))
    if old or new:
        record_event(actor=actor, action="hospital.update", obj=locked, old=old, new=new, reason=reason)
    return locked
