"""Object-level permissions (django-rules). `obj` is a Region or anything with `region_id`."""
from __future__ import annotations

import rules

from .access import get_access
from .enums import Role
from .roles import REGION_ADMINS, REGION_WIDE_READ_ROLES


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
is_bureau_admin_role = role_predicate(Role.BUREAU_ADMIN, name="is_bureau_admin_role")
is_province_supervisor = role_predicate(Role.PROVINCE_SUPERVISOR, name="is_province_supervisor")
is_auditor = role_predicate(Role.AUDITOR, name="is_auditor")
is_expert = role_predicate(Role.EXPERT, name="is_expert")
is_region_reader = role_predicate(*REGION_WIDE_READ_ROLES, name="is_region_reader")

# Regions and policy parameters
rules.add_perm("tenants.add_region", is_platform_admin)
rules.add_perm("tenants.view_region", is_region_reader | is_expert)
rules.add_perm("tenants.view_policyyear", is_region_reader)
rules.add_perm("tenants.change_policyyear", is_bureau_admin_role)
rules.add_perm("tenants.view_auditevent", is_auditor | is_bureau_admin_role | is_platform_admin | is_province_supervisor)
# Users and memberships: bureau admins manage their region's users; hospital admins their hospital's.
rules.add_perm("tenants.manage_users", is_platform_admin | is_bureau_admin_role | role_predicate(Role.HOSPITAL_ADMIN, name="is_hospital_admin"))


# Plain predicates (the access policy of the tenants screens and API) --------------------------------------------


def reads_region_pages(access, region_id: int) -> bool:
    """Region pages: the region-wide readers and the region's experts (master data)."""
    return access.reads_region(region_id) or access.is_expert(region_id)


def can_edit_policy(access, region_id: int) -> bool:
    """Policy parameters of a year: the region's administrator (bureau or platform)."""
    return access.has_role(region_id, *REGION_ADMINS)
