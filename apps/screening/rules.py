"""The screening access policy. Items: region-wide readers see the region's, hospital users their hospital's,
experts those they are asked about (selectors.visible_items). Running a screening: the bureau (or the platform
administrator standing in for it) — the same group the service checks."""
from __future__ import annotations

from apps.tenants.roles import BUREAU_WRITERS

RUN_ROLES = BUREAU_WRITERS


def can_run(access, region_id: int | None = None) -> bool:
    """Screen a region's period (any region of the user's when none is named: shows the form)."""
    if region_id is None:
        return bool(access.regions_with(*RUN_ROLES))
    return access.has_role(region_id, *RUN_ROLES)


def reads_items(access) -> bool:
    """The screening list and export: region-wide readers and hospital users."""
    return bool(access.readable_region_ids())


def reads_statistics(access) -> bool:
    return bool(access.reader_region_ids())
