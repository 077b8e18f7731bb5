"""The role groups of the access policy, each defined once (workflows.md §1).

Every rule, selector, view, API, export and dashboard widget names one of these groups instead of spelling
a tuple of roles; a new group goes here, never inline. `Access.has_role(region_id, *GROUP)` is the test.
"""
from __future__ import annotations

from .enums import Role

ALL_ROLES = frozenset(Role.values)
# Roles above a region: the province supervisor (its province's regions) and the platform administrator (all).
SUPERVISORS = frozenset({Role.PROVINCE_SUPERVISOR, Role.PLATFORM_ADMIN})
# The bureau of a region: computes, drafts, reviews.
BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
# Who acts on a region's work for the bureau: the bureau, and the platform administrator standing in for it.
BUREAU_WRITERS = BUREAU_ROLES | {Role.PLATFORM_ADMIN}
BUREAU_ADMINS = frozenset({Role.BUREAU_ADMIN})
# Who administers a region (catalogues, hospitals, users, publishing notices).
REGION_ADMINS = frozenset({Role.BUREAU_ADMIN, Role.PLATFORM_ADMIN})
# The users of one hospital.
HOSPITAL_ROLES = frozenset({Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF})
# Roles that read every row of a region (hospital roles read their hospital's rows only; experts read master
# data of the region and the items assigned to them).
REGION_WIDE_READ_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR}
)
BUREAU_READERS = REGION_WIDE_READ_ROLES
# Region readers plus the hospitals (cases, statements: hospitals see their own rows).
CASE_READERS = REGION_WIDE_READ_ROLES | HOSPITAL_ROLES
# Who may upload settlement lists.
UPLOADERS = BUREAU_WRITERS | HOSPITAL_ROLES
# The bureau and its auditor (dashboard widgets about the region's work).
BUREAU_AND_AUDITORS = BUREAU_ROLES | {Role.AUDITOR}
# Who reads the audit trail.
AUDIT_READERS = frozenset({Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.AUDITOR})
# The audit readers of a region itself (the dashboard's recent-audit widget): bureau administrator and auditor.
REGION_AUDITORS = AUDIT_READERS - SUPERVISORS
# Who manages user accounts (each within their reach: platform, region, own hospital).
USER_MANAGERS = frozenset({Role.PLATFORM_ADMIN, Role.BUREAU_ADMIN, Role.HOSPITAL_ADMIN})
# Roles held per region (a membership with a region and no province).
REGIONAL_ROLES = ALL_ROLES - SUPERVISORS
EXPERT_ROLES = frozenset({Role.EXPERT})
# Who a training session may be addressed to (the order is the form's).
TRAINING_AUDIENCE = (Role.HOSPITAL_STAFF, Role.HOSPITAL_ADMIN, Role.EXPERT, Role.BUREAU_STAFF, Role.BUREAU_ADMIN)

__all__ = [
    "ALL_ROLES", "AUDIT_READERS", "BUREAU_ADMINS", "BUREAU_AND_AUDITORS", "BUREAU_READERS", "BUREAU_ROLES", "BUREAU_WRITERS",
    "CASE_READERS", "EXPERT_ROLES", "HOSPITAL_ROLES", "REGIONAL_ROLES", "REGION_ADMINS", "REGION_AUDITORS", "REGION_WIDE_READ_ROLES",
    "SUPERVISORS", "TRAINING_AUDIENCE", "UPLOADERS", "USER_MANAGERS", "Role",
]
