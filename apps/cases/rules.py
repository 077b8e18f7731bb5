"""The cases access policy: settlement lists and their imports. Region-wide readers read every case of the region,
hospital users their own hospital's (selectors build on `Access.visible_q`); uploading is for the bureau, the
platform administrator and hospital users (UPLOADERS), grouping for the bureau side (BUREAU_WRITERS)."""
from __future__ import annotations

from apps.tenants.roles import BUREAU_WRITERS, UPLOADERS

UPLOAD_ROLES = UPLOADERS
GROUPING_ROLES = BUREAU_WRITERS


def can_upload(access, region_id: int) -> bool:
    return access.has_role(region_id, *UPLOAD_ROLES)


def upload_region_ids(access) -> list[int]:
    return access.regions_with(*UPLOAD_ROLES)
