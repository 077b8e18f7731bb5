"""Regroup a case: change `Case.drg_code`, the group the settlement engine pays, with the reason on record.

Used by dispute decisions (workflows.md §3: "adjusted outcomes apply the change through the owning
service … with the dispute as the reason"); every settlement run computed afterwards reads the new group,
earlier runs keep the figures they stored. The case's `content_hash` is left alone on purpose: an identical
re-upload of the hospital's file stays a no-op and does not undo the bureau's decision.
"""
from __future__ import annotations

from django.db import transaction

from apps.core.audit import record_event
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.groups.selectors import active_catalogue, group_codes
from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES
from apps.tenants.models import User

from .models import Case


@transaction.atomic
def case_regroup(*, actor: User | None, case: Case, drg_code: str, reason: str, source: str = "dispute",
                 source_id: int | None = None) -> Case:
    """Set the case's group to `drg_code` (a group of the region's active catalogue for the discharge year).

    Bureau roles only (actor None = system). Out-of-scope case → NotFound; an unchanged code is refused.
    """
    if actor is not None:
        access = get_access(actor)
        if case.region_id not in access.region_ids:
            raise NotFound()
        if not access.has_role(case.region_id, *BUREAU_ROLES):
            raise Forbidden("Only the medical insurance bureau can regroup a case.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: a reason is required to regroup a case.")
    code = (drg_code or "").strip().upper()
    locked = (Case.objects.with_scope(region=[case.region_id]).select_for_update().select_related("region")
              .get(pk=case.pk))
    catalogue = active_catalogue(locked.region, locked.discharge_date.year)
    if catalogue is None:
        raise ValidationFailed("drg_code: the region has no active group catalogue.")
    if not code or code not in group_codes(catalogue):
        raise ValidationFailed(f"drg_code: {code or '—'} is not a group of the catalogue {catalogue.version}.")
    if code == locked.drg_code:
        raise ValidationFailed(f"drg_code: the case is already in {code}.")
    old = locked.drg_code
    locked.drg_code = code
    locked.save(update_fields=["drg_code", "updated_at"])
    record_event(actor=actor, action="case.regrouped", obj=locked, old={"drg_code": old},
                 new={"drg_code": code, "catalogue": catalogue.version, "source": source, "source_id": source_id},
                 reason=reason)
    return locked
