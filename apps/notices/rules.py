"""Who may see a notice (scope) and who may act on it (role); services, selectors and views ask here.

Scope: region-wide readers (bureau, supervisor, auditor, platform admin) see every notice of their
regions, drafts included; hospital users see published (or later withdrawn/superseded) notices
addressed to their hospital. Anything else — other regions, other hospitals' notices, experts — is 404.
"""
from __future__ import annotations

from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES, REGION_WIDE_READ_ROLES, Role

# Drafting (create, edit, prepare from published data): the bureau. Every notice is a city bureau's document
# under its red head; the province supervisor reads them but never drafts, edits, publishes or withdraws one
# (there are no province notices; decision 0023).
DRAFT_ROLES = (*BUREAU_ROLES, Role.PLATFORM_ADMIN)
# Publishing, withdrawing, superseding: the bureau administrator.
PUBLISH_ROLES = (Role.BUREAU_ADMIN, Role.PLATFORM_ADMIN)
# Acknowledging receipt (签收): hospital users of an addressed hospital.
ACK_ROLES = tuple(HOSPITAL_ROLES)


def reads_region(user, region_id: int) -> bool:
    return user is None or get_access(user).has_role(region_id, *REGION_WIDE_READ_ROLES)


def can_draft(user, region_id: int) -> bool:
    return user is None or get_access(user).has_role(region_id, *DRAFT_ROLES)


def can_publish(user, region_id: int) -> bool:
    return user is None or get_access(user).has_role(region_id, *PUBLISH_ROLES)


def own_hospitals(user, region_id: int) -> set[int]:
    if user is None:
        return set()
    access = get_access(user)
    if not access.has_role(region_id, *ACK_ROLES):
        return set()
    return access.hospital_ids(region_id)


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
