"""Who may see an application (scope) and who may act on it (role); services and views both ask here.

Scope: region-wide readers of its region; hospital roles of its hospital; experts assigned to it
(including an assignment they declined, so they can see why it left their list). Anything else is 404.
"""
from __future__ import annotations

from apps.tenants.access import get_access, is_bureau, is_bureau_admin, is_hospital_of
from apps.tenants.enums import Role
from apps.tenants.roles import REGION_WIDE_READ_ROLES

__all__ = ["can_see", "is_assigned_expert", "is_bureau", "is_bureau_admin", "is_hospital_of", "sees_identity"]


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


def sees_identity(user, application) -> bool:
    """Experts see de-identified data only (no settlement id, no hospital name); everyone else in scope does."""
    if user is None:
        return True
    access = get_access(user)
    return access.has_role(application.region_id, *REGION_WIDE_READ_ROLES) or is_hospital_of(
        access, application.region_id, application.hospital_id)
