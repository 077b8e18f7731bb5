"""The appeal loop as a table: (state, action) → next state and the roles that may take it.

```
open ─answer (hospital, within the reply period)→ answered ─confirm (bureau)→ confirmed
  │                                                  └─clear (bureau)→ cleared
  ├─confirm (bureau, only once the reply period has passed: overdue)→ confirmed
  └─clear (bureau)→ cleared
open/answered ─assign (bureau) / opinion (assigned expert)→ unchanged
```
Any (state, action) pair not in the table answers `invalid_transition`; `apps.core.workflow.transition` is
the only place that reads it, so the screens, the API and the tests all follow the same table. The two
guards (`GUARDS`) are checked by the services under the row lock.
"""
from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from apps.core.workflow import Move, Role, Workflow
from apps.tenants.access import get_access
from apps.tenants.enums import Role as UserRole
from apps.tenants.roles import BUREAU_ROLES, EXPERT_ROLES, HOSPITAL_ROLES

from . import selectors
from .enums import Status
from .models import ScreeningItem

ACTIONS = ("answer", "confirm", "clear", "assign", "opinion")
ROLE_GROUPS = {"hospital": HOSPITAL_ROLES, "bureau": BUREAU_ROLES, "expert": EXPERT_ROLES}
# "overdue": only once the reply period has passed; "in_time": only within it
GUARDS = {(Status.OPEN, "confirm"): "overdue", (Status.OPEN, "answer"): "in_time"}
LIVE = (Status.OPEN, Status.ANSWERED)


def _can_see(actor, item) -> bool:
    return selectors.visible_items(actor).filter(pk=item.pk).exists()


def _hospital(actor, item) -> bool:
    access = get_access(actor)
    return access.has_role(item.region_id, *HOSPITAL_ROLES) and item.hospital_id in access.hospital_ids(item.region_id)


def _bureau(actor, item) -> bool:
    return get_access(actor).has_role(item.region_id, *BUREAU_ROLES)


def _expert(actor, item) -> bool:
    return get_access(actor).has_role(item.region_id, UserRole.EXPERT) and item.expert_id == actor.pk


WORKFLOW = Workflow(
    name="screening",
    model=ScreeningItem,
    can_see=_can_see,
    roles={
        "hospital": Role(_hospital, _("Your role does not allow this action on this item.")),
        "bureau": Role(_bureau, _("Your role does not allow this action on this item.")),
        "expert": Role(_expert, _("Your role does not allow this action on this item.")),
    },
    moves=(
        Move("answer", (Status.OPEN,), Status.ANSWERED, "hospital"),
        Move("confirm", LIVE, Status.CONFIRMED, "bureau"),
        Move("clear", LIVE, Status.CLEARED, "bureau"),
        Move("assign", LIVE, None, "bureau"),
        Move("opinion", LIVE, None, "expert"),
    ),
    events={"answer": "answered", "confirm": "confirmed", "clear": "cleared", "assign": "expert_assigned",
            "opinion": "expert_opinion"},
    related=("region", "hospital", "case"),
    state_message=_("Not possible while the item is %(status)s."),
)


def roles_for(action: str) -> frozenset[str]:
    """Every role that may take `action` (the role check comes before the state check)."""
    return frozenset(ROLE_GROUPS[next(m.role for m in WORKFLOW.moves if m.action == action)])


def move(state: str, action: str) -> Move | None:
    """The move of (state, action), its target spelled out (an unchanged state is the state itself)."""
    found = WORKFLOW.move(state, action)
    return None if found is None else replace(found, target=found.target or state)


def actions_in(state: str) -> list[str]:
    return WORKFLOW.actions_in(state)
