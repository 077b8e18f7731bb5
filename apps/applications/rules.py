"""Who may see an application (scope) and who may act on it (role); services and views both ask here.

Scope: region-wide readers of its region; hospital roles of its hospital; experts assigned to it
(including an assignment they declined, so they can see why it left their list). Anything else is 404.
"""
from __future__ import annotations

from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES, REGION_WIDE_READ_ROLES, Role


def is_hospital_of(access, region_id: int, hospital_id: int) -> bool:
    return access.has_role(region_id, *HOSPITAL_ROLES) and hospital_id in access.hospital_ids(region_id)


def is_assigned_expert(user, application) -> bool:
    from .models import Assignment

    if user is None or not access_of(user).has_role(application.region_id, Role.EXPERT):
        return False
    return Assignment.objects.with_scope(region=[application.region_id]).filter(
        application_id=application.pk, expert=user).exists()


def access_of(user):
    return get_access(user)


def can_see(user, application) -> bool:
    if user is None:
        return True
    access = get_access(user)
    if access.has_role(application.region_id, *REGION_WIDE_READ_ROLES):
        return True
    if is_hospital_of(access, application.region_id, application.hospital_id):
        return True
    return is_assigned_expert(user, application)


def is_bureau(user, region_id: int) -> bool:
    return get_access(user).has_role(region_id, *BUREAU_ROLES)


def is_bureau_admin(user, region_id: int) -> bool:
    return get_access(user).has_role(region_id, Role.BUREAU_ADMIN)


def sees_identity(user, application) -> bool:
    """Experts see de-identified data only (no settlement id, no hospital name); everyone else in scope does."""
    if user is None:
        return True
    access = get_access(user)
    return access.has_role(application.region_id, *REGION_WIDE_READ_ROLES) or is_hospital_of(
        access, application.region_id, application.hospital_id)
