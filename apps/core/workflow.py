"""Who may see which expert reviewed an application or a dispute: one rule for the API and the screens.

Why: the API hid the assignments from hospitals while the detail pages' history named the experts
(their opinions, their declines). Reviews are blind towards the hospital: only the bureau of the
item's region sees the experts' names; everyone else reads "Expert" in the history.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from apps.tenants.access import Access, get_access
from apps.tenants.enums import BUREAU_ROLES


def shows_expert_names(viewer, region_id: int) -> bool:
    """`viewer` is a user or an Access; True for the bureau of the region (the API's rule)."""
    if viewer is None:
        return False
    access = viewer if isinstance(viewer, Access) else get_access(viewer)
    return access.has_role(region_id, *BUREAU_ROLES)


def mask_expert_actors(rows: list[dict], events: Iterable, *, viewer, region_id: int, expert_ids: set[int]) -> list[dict]:
    """Replace the actor of every history row written by one of the item's experts, unless the viewer may
    see names; `rows` and `events` are parallel (timeline rows built from audit events)."""
    if shows_expert_names(viewer, region_id):
        return rows
    viewer_id = getattr(viewer, "pk", None) or getattr(viewer, "user_id", None)
    for row, event in zip(rows, events, strict=True):
        if event.actor_id in expert_ids and event.actor_id != viewer_id:
            row["actor"] = _("Expert")
    return rows
