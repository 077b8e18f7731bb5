"""Who may see a notice (scope) and who may act on it (role); services, selectors and views ask here.

Scope: region-wide readers (bureau, supervisor, auditor, platform admin) see every notice of their
regions, drafts included; hospital users see published (or later withdrawn/superseded) notices
addressed to their hospital. Anything else — other regions, other hospitals' notices, experts — is 404.
"""
from __future__ import annotations

from apps.tenants.access import get_access, own_hospitals
from apps.tenants.roles import BUREAU_WRITERS, REGION_ADMINS

__all__ = ["can_draft", "can_publish", "can_see", "own_hospitals", "reads_region"]

# Drafting (create, edit, prepare from published data): the bureau. Every notice is a city bureau's document
# under its red head; the province supervisor reads them but never drafts, edits, publishes or withdraws one
# (there are no province notices; decision 0023).
DRAFT_ROLES = BUREAU_WRITERS
# Publishing, withdrawing, superseding: the bureau administrator.
PUBLISH_ROLES = REGION_ADMINS


def reads_region(user, region_id: int) -> bool:
    return user is None or get_access(user).reads_region(region_id)


def can_draft(user, region_id: int) -> bool:
    return user is None or get_access(user).has_role(region_id, *DRAFT_ROLES)


def can_publish(user, region_id: int) -> bool:
    return user is None or get_access(user).has_role(region_id, *PUBLISH_ROLES)


def can_see(user, notice) -> bool:
    from .enums import VISIBLE_TO_HOSPITALS
    from .models import NoticeRecipient

    if reads_region(user, notice.region_id):
        return True
    hospitals = own_hospitals(user, notice.region_id)
    if not hospitals or notice.status not in VISIBLE_TO_HOSPITALS:
        return False
    return NoticeRecipient.objects.with_scope(region=[notice.region_id]).filter(
        notice_id=notice.pk, hospital_id__in=hospitals).exists()
