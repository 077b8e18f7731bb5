"""The groups access policy: catalogues, group statistics, the grouper and local subdivision rules.

Everyone of a region reads its catalogues and published statistics; region-wide readers also see the versions
being computed. The services check the same predicates when they act (CATALOGUE_ROLES, COMPUTE_ROLES,
PUBLISH_ROLES, LOCAL_RULE_ROLES all name groups of apps/tenants/roles.py).
"""
from __future__ import annotations

from apps.tenants.roles import BUREAU_ROLES, BUREAU_WRITERS, REGION_ADMINS


def can_manage_catalogue(access, region_id: int) -> bool:
    """Load, import, activate catalogues: the region's administrator (bureau or platform)."""
    return access.has_role(region_id, *REGION_ADMINS)


def catalogue_region_ids(access) -> list[int]:
    return access.regions_with(*REGION_ADMINS)


def reads_stats_versions(access, region_id: int) -> bool:
    """Every statistics version (drafts included), exports and progress: region-wide readers."""
    return access.reads_region(region_id)


def can_compute_stats(access, region_id: int) -> bool:
    return access.has_role(region_id, *BUREAU_ROLES)


def can_publish_stats(access, region_id: int) -> bool:
    return access.is_bureau_admin(region_id)


def reads_grouper_report(access, region_id: int) -> bool:
    """The grouping report: region-wide readers (whole region) and hospital users (their hospitals)."""
    return access.reads_region(region_id) or bool(access.own_hospitals(region_id))


def can_run_grouper(access, region_id: int) -> bool:
    """Start a grouping run and follow its jobs: the bureau (or the platform administrator)."""
    return access.has_role(region_id, *BUREAU_WRITERS)


def can_manage_local_rules(access, region_id: int) -> bool:
    """Create and deactivate local subdivision rules — the same group the service checks."""
    return access.has_role(region_id, *BUREAU_WRITERS)


def reads_local_rules(access, region_id: int) -> bool:
    return can_manage_local_rules(access, region_id) or access.reads_region(region_id)
