"""Object-level permissions (django-rules). `obj` is a Region or anything with `region_id`."""
from __future__ import annotations

import rules

from .access import get_access
from .enums import BUREAU_ROLES, Role


def region_id_of(obj) -> int | None:
    if obj is None:
        return None
    if obj.__class__.__name__ == "Region":
        return obj.pk
    return getattr(obj, "region_id", None)


def role_predicate(*roles: str, name: str) -> rules.Predicate:
    @rules.predicate(name=name)
    def check(user, obj=None) -> bool:
        access = get_access(user)
        if obj is None:
            return access.has_any_role(*roles)
        return access.has_role(region_id_of(obj), *roles)

    return check


is_platform_admin = rules.predicate(lambda user: get_access(user).is_platform_admin, name="is_platform_admin")
is_bureau_admin = role_predicate(Role.BUREAU_ADMIN, name="is_bureau_admin")
is_bureau_staff = role_predicate(Role.BUREAU_STAFF, name="is_bureau_staff")
is_bureau = role_predicate(*BUREAU_ROLES, name="is_bureau")
is_province_supervisor = role_predicate(Role.PROVINCE_SUPERVISOR, name="is_province_supervisor")
is_auditor = role_predicate(Role.AUDITOR, name="is_auditor")
is_expert = role_predicate(Role.EXPERT, name="is_expert")
is_region_reader = role_predicate(
    Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR,
    name="is_region_reader",
)

# Regions and policy parameters
rules.add_perm("tenants.add_region", is_platform_admin)
rules.add_perm("tenants.view_region", is_region_reader | is_expert)
rules.add_perm("tenants.view_policyyear", is_region_reader)
rules.add_perm("tenants.change_policyyear", is_bureau_admin)
rules.add_perm("tenants.view_auditevent", is_auditor | is_bureau_admin | is_platform_admin | is_province_supervisor)
# Users and memberships: bureau admins manage their region's users; hospital admins their hospital's.
rules.add_perm("tenants.manage_users", is_platform_admin | is_bureau_admin | role_predicate(Role.HOSPITAL_ADMIN, name="is_hospital_admin"))
