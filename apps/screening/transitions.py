"""The appeal loop as a table: (state, action) → next state and the roles that may take it.

```
open ─answer (hospital, within the reply period)→ answered ─confirm (bureau)→ confirmed
  │                                                  └─clear (bureau)→ cleared
  ├─confirm (bureau, only once the reply period has passed: overdue)→ confirmed
  └─clear (bureau)→ cleared
open/answered ─assign (bureau) / opinion (assigned expert)→ unchanged
```
Any (state, action) pair not in the table answers `invalid_transition`; `services.transition` is the only
place that reads it, so the screens, the API and the tests all follow the same table.
"""
from __future__ import annotations

from dataclasses import dataclass

from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES, Role

from .enums import Status

ACTIONS = ("answer", "confirm", "clear", "assign", "opinion")


@dataclass(frozen=True)
class Move:
    target: str
    roles: frozenset[str]
    guard: str = ""  # "overdue": only once the reply period has passed; "in_time": only within it


TRANSITIONS: dict[tuple[str, str], Move] = {
    (Status.OPEN, "answer"): Move(Status.ANSWERED, HOSPITAL_ROLES, guard="in_time"),
    (Status.OPEN, "confirm"): Move(Status.CONFIRMED, BUREAU_ROLES, guard="overdue"),
    (Status.OPEN, "clear"): Move(Status.CLEARED, BUREAU_ROLES),
    (Status.ANSWERED, "confirm"): Move(Status.CONFIRMED, BUREAU_ROLES),
    (Status.ANSWERED, "clear"): Move(Status.CLEARED, BUREAU_ROLES),
    (Status.OPEN, "assign"): Move(Status.OPEN, BUREAU_ROLES),
    (Status.ANSWERED, "assign"): Move(Status.ANSWERED, BUREAU_ROLES),
    (Status.OPEN, "opinion"): Move(Status.OPEN, frozenset({Role.EXPERT})),
    (Status.ANSWERED, "opinion"): Move(Status.ANSWERED, frozenset({Role.EXPERT})),
}


def roles_for(action: str) -> frozenset[str]:
    """Every role that may take `action` in some state (the role check comes before the state check)."""
    return frozenset().union(*(m.roles for (_, a), m in TRANSITIONS.items() if a == action))


def move(state: str, action: str) -> Move | None:
    return TRANSITIONS.get((state, action))


def actions_in(state: str) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == state]
