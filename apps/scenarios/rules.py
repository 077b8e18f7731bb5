"""The what-if scenario access policy. Region-wide readers see a region's scenarios (selectors.visible_scenarios);
hospital users and experts may not know they exist. The services check the same groups when they act."""
from __future__ import annotations

from apps.tenants.roles import BUREAU_ADMINS, BUREAU_ROLES

COMPUTE_ROLES = BUREAU_ROLES
ADOPT_ROLES = BUREAU_ADMINS


def can_build(access, region_id: int) -> bool:
    """Build and compute scenarios: the bureau."""
    return access.has_role(region_id, *COMPUTE_ROLES)


def build_region_ids(access) -> list[int]:
    return access.regions_with(*COMPUTE_ROLES)


def can_adopt(access, region_id: int) -> bool:
    """Adopt a scenario's parameters for the year: the bureau administrator."""
    return access.has_role(region_id, *ADOPT_ROLES)
