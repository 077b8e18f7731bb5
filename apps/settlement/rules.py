"""The settlement access policy: who sees coefficient versions, runs, statements and case results, and who acts.

Region-wide readers (platform, province, bureau, auditor) see every version and run of their regions; hospital
users see published (or superseded) items only, and inside them only their own hospital's rows — anything else
is 404; other roles of the region (experts) get 403. Screens, the API, exports and the dashboard ask here; the
querysets built on these rules are in `selectors.py` (`runs_visible`, `run_visible_get`, …).
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.core.lifecycle import Lifecycle
from apps.tenants.roles import BUREAU_ROLES

PUBLIC = (Lifecycle.PUBLISHED, Lifecycle.SUPERSEDED)  # what hospital users may see


def reader_hospitals(access, region_id: int, status: str) -> set[int] | None:
    """None for a region-wide reader; the own hospital ids for a hospital user of a published item.

    Raises 404 for hospital users on unpublished items and 403 for other roles of the region.
    """
    if access.reads_region(region_id):
        return None
    own = access.own_hospitals(region_id)
    if own:
        if status not in PUBLIC:
            raise Http404
        return own
    raise PermissionDenied


def require_region_reader(access, region_id: int) -> None:
    """Acting on a region's settlement (override, publish, flag): a region-wide reader first — the service checks
    the role; a hospital user may not even know the item exists (404), anyone else is refused (403)."""
    if not access.reads_region(region_id):
        raise Http404 if access.own_hospitals(region_id) else PermissionDenied


def can_compute(access, region_id: int) -> bool:
    """Computes coefficients, starts runs, flags overdue months: the bureau."""
    return access.is_bureau(region_id)


def can_publish(access, region_id: int) -> bool:
    """Publishes coefficients and runs: the bureau administrator."""
    return access.is_bureau_admin(region_id)


def compute_region_ids(access) -> list[int]:
    return access.regions_with(*BUREAU_ROLES)
