"""Expert assignment from a region's pool: one rule for applications and disputes (workflows.md §2, §3).

Why: both apps carried the same checks (active pool member, conflict of interest, never the same expert
twice) and the same replacement of declined assignments; the messages name the item and stay the apps'.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext as _

from .errors import ValidationFailed


def assign_from_pool(item, experts: list, *, due: dt.date, actor, link: str, assignments, pool,
                     affiliated_of: Callable[[object, int], set], affiliated: str, repeated: str) -> list:
    """Create one assignment per expert on `item` (the `link` foreign key) after the pool and conflict checks.

    `assignments` is the scoped Assignment queryset, `pool` the scoped ExpertProfile queryset,
    `affiliated_of(expert, region_id)` every hospital the expert belongs to (all memberships, not only the
    pool profile). Declined assignments of the item become replaced.
    """
    previous = set(assignments.filter(**{link: item}).values_list("expert_id", flat=True))
    for expert in experts:
        if not pool.filter(region_id=item.region_id, user=expert, active=True, user__is_active=True).exists():
            raise ValidationFailed(_("experts: %(name)s is not an active expert of the region.") % {"name": expert})
        if item.hospital_id in affiliated_of(expert, item.region_id):
            raise ValidationFailed(affiliated % {"name": expert}, code="conflict_of_interest")
        if expert.pk in previous:
            raise ValidationFailed(repeated % {"name": expert}, code="conflict_of_interest")
    created = [assignments.create(region_id=item.region_id, expert=e, due=due, assigned_by=actor, **{link: item})
               for e in experts]
    assignments.filter(**{link: item}, status="declined").update(status="replaced")
    return created
