"""The monitoring access policy: indicators, rankings, quality scorecards and rectification requests.

Region-wide readers see the whole region; hospital users their own hospitals' rows of computed periods and
published rankings (selectors.readable_regions / region_for build on `Access.reads_region` and
`Access.own_hospitals`). The services check the same roles when they act.
"""
from __future__ import annotations

from apps.tenants.roles import BUREAU_ADMINS, BUREAU_AND_AUDITORS, BUREAU_ROLES

COMPUTE_ROLES = BUREAU_ROLES
PUBLISH_ROLES = BUREAU_ADMINS
RECTIFY_ROLES = BUREAU_ADMINS


def can_compute(access, region_id: int) -> bool:
    """Compute indicators and rankings: the bureau."""
    return access.has_role(region_id, *COMPUTE_ROLES)


def can_publish(access, region_id: int) -> bool:
    """Publish a ranking: the bureau administrator."""
    return access.has_role(region_id, *PUBLISH_ROLES)


def can_rectify(access, region_id: int) -> bool:
    """Send a rectification request to a hospital: the bureau administrator."""
    return access.has_role(region_id, *RECTIFY_ROLES)


def widget_region_ids(access) -> list[int]:
    """The monitoring overview widget: the bureau and the auditor of a region."""
    return access.regions_with(*BUREAU_AND_AUDITORS)
