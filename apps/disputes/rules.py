"""Who may see a dispute (scope) and who may act on it (role); services, views and the API ask here.

Scope: region-wide readers of its region; hospital roles of its hospital; experts assigned to it.
Anything else is 404. Roles (workflows.md §1): hospital staff draft, comment and attach; the hospital
administrator submits, accepts a decision or appeals; bureau staff and administrators take disputes in
and assign experts; only the bureau administrator decides.
"""
from __future__ import annotations

from apps.tenants.access import get_access, is_bureau, is_bureau_admin, is_hospital_of
from apps.tenants.enums import Role
from apps.tenants.models import Membership
from apps.tenants.roles import REGION_WIDE_READ_ROLES

__all__ = ["can_see", "can_write", "is_assigned_expert", "is_bureau", "is_bureau_admin", "is_hospital_admin_of",
           "is_hospital_of"]


def is_hospital_admin_of(access, region_id: int, hospital_id: int) -> bool:
    """Membership rows carry one role each: the admin role must be held for this very hospital."""
    if not access.has_role(region_id, Role.HOSPITAL_ADMIN) or not access.user_id:
        return False
    return Membership.objects.with_scope(region=[region_id]).filter(
        user_id=access.user_id, region_id=region_id, role=Role.HOSPITAL_ADMIN, hospital_id=hospital_id).exists()


def is_assigned_expert(user, dispute) -> bool:
    from .models import Assignment

    if user is None or not get_access(user).has_role(dispute.region_id, Role.EXPERT):
        return False
    return Assignment.objects.with_scope(region=[dispute.region_id]).filter(dispute_id=dispute.pk,
                                                                           expert=user).exists()


def can_see(user, dispute) -> bool:
    if user is None:
        return True
    access = get_access(user)
    if access.has_role(dispute.region_id, *REGION_WIDE_READ_ROLES):
        return True
    if is_hospital_of(access, dispute.region_id, dispute.hospital_id):
        return True
    return is_assigned_expert(user, dispute)


def can_write(user, dispute) -> bool:
    """Comments and attachments: the hospital, the bureau and assigned experts (auditors only read)."""
    if user is None:
        return True
    access = get_access(user)
    return (is_bureau(user, dispute.region_id) or is_hospital_of(access, dispute.region_id, dispute.hospital_id)
            or is_assigned_expert(user, dispute))
