"""The workflow kernel (transition tables, `transition`, `tell`) and who may see which expert reviewed an item.

Why: the API hid the assignments from hospitals while the detail pages' history named the experts
(their opinions, their declines). Reviews are blind towards the hospital: only the bureau of the
item's region sees the experts' names; everyone else reads "Expert" in the history.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.audit import record_event
from apps.core.errors import Forbidden, InvalidTransition, NotFound
from apps.tenants.access import Access, get_access
from apps.tenants.enums import BUREAU_ROLES
from apps.tenants.models import Membership, User


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


# --- the workflow kernel ---------------------------------------------------------------------------
# Why one kernel: applications, disputes, notices, training and screening each carried their own lock,
# scope check, state check, audit event and notification helpers, and no table said which moves an item
# allows. Each app now declares a `Workflow` (its transitions.py) and its services call `transition`,
# the one place that runs the pipeline in this order: scope (404) → role (403) → input checks → row lock →
# table (`invalid_transition`) → guards under the lock → save → one audit event → notify.
# ADR docs/decisions/0037-workflow-kernel.md.

Predicate = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Move:
    """One row of a transition table: in any of `sources`, `action` leads to `target` (None: state unchanged)."""

    action: str
    sources: tuple[str, ...]
    target: str | None
    role: str  # a key of `Workflow.roles`


@dataclass(frozen=True)
class Role:
    """Who may take an action: a policy predicate (actor, item) → bool and the message of the refusal."""

    allows: Predicate
    refusal: Any  # a lazy translatable string
    scope: Predicate | None = None  # who is "in scope" for this role's actions, if not the workflow's can_see


@dataclass
class Workflow:
    """A declarative transition table of one item type plus the policy predicates it is checked with."""

    name: str  # the audit prefix: "application" → "application.submitted"
    model: Any
    moves: tuple[Move, ...]
    can_see: Predicate
    roles: dict[str, Role]
    state_message: Any  # "Not possible while the … is %(status)s."
    events: dict[str, str] = field(default_factory=dict)  # action → audit name where it differs
    related: tuple[str, ...] = ()  # select_related of the locked row
    state_field: str = "status"
    locker: Callable[[Any], Any] | None = None  # another lock order (e.g. the parent row first)
    _index: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for move in self.moves:
            if move.role not in self.roles:
                raise ValueError(f"{self.name}.{move.action}: unknown role {move.role!r}")
            for state in move.sources:
                if (state, move.action) in self._index:
                    raise ValueError(f"{self.name}: ({state}, {move.action}) declared twice")
                self._index[(state, move.action)] = move
        for action in self.actions:
            if len({m.role for m in self.moves if m.action == action}) != 1:
                raise ValueError(f"{self.name}.{action}: one role per action (the role check precedes the state)")
        WORKFLOWS[self.model._meta.label] = self

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.action for m in self.moves))

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.model._meta.get_field(self.state_field).choices)

    def move(self, state: str, action: str) -> Move | None:
        return self._index.get((state, action))

    def role_of(self, action: str) -> Role:
        for move in self.moves:
            if move.action == action:
                return self.roles[move.role]
        raise KeyError(f"{self.name}: no action {action!r}")

    def actions_in(self, state: str) -> list[str]:
        return [a for a in self.actions if (state, a) in self._index]

    def may(self, actor, item, action: str) -> bool:
        """The table and the role together: what the screens ask before offering a button."""
        if self.move(getattr(item, self.state_field), action) is None:
            return False
        role = self.role_of(action)
        return actor is None or ((role.scope or self.can_see)(actor, item) and role.allows(actor, item))

    def lock(self, item):
        """Re-read the row under a lock: two people acting at once get one outcome."""
        if self.locker is not None:
            return self.locker(item)
        rows = self.model.objects.with_scope(region=[item.region_id]).select_for_update(of=("self",))
        return rows.select_related(*self.related).get(pk=item.pk) if self.related else rows.get(pk=item.pk)


WORKFLOWS: dict[str, Workflow] = {}


def workflow_of(item) -> Workflow:
    return WORKFLOWS[item._meta.label]


def authorize(item, action: str, *, actor) -> Workflow:
    """Scope (out of scope → NotFound) then role (→ Forbidden) of `actor` for `action`; None is the system."""
    workflow = workflow_of(item)
    if action not in workflow.actions:
        raise InvalidTransition(_("Unknown action %(action)s.") % {"action": action})
    if actor is None:
        return workflow
    role = workflow.role_of(action)
    if not (role.scope or workflow.can_see)(actor, item):
        raise NotFound()
    if not role.allows(actor, item):
        raise Forbidden(str(role.refusal))
    return workflow


def require_state(workflow: Workflow, item, action: str) -> Move:
    move = workflow.move(getattr(item, workflow.state_field), action)
    if move is None:
        raise InvalidTransition(workflow.state_message % {"status": item.get_status_display()})
    return move


def transition(item, action: str, *, actor, reason: str | Callable[[], str] = "", clean: Callable[[], None] | None = None,
               check: Callable[[Any], Any] | None = None, event: str | Callable[[], str] | None = None, extra: dict | None = None,
               after: Callable[[Any, str], None] | None = None, audit: bool = True, snapshot: tuple[str, ...] = (),
               **fields):
    """Take `action` on `item` as `actor` and return the locked, saved row.

    `clean()` validates input after the access checks and before the lock; `check(locked)` runs the guards
    that need the locked row (deadlines, caps) and may return a dict merged into the audit event;
    `snapshot` names fields whose old values the audit event keeps besides the status;
    `fields` are set on the row (a callable value is called with the locked row); `after(locked, old)`
    runs the side effects and the notifications (inside the transaction: mails go on commit).
    """
    with transaction.atomic():
        workflow = authorize(item, action, actor=actor)
        if clean is not None:
            clean()
        locked = workflow.lock(item)
        move = require_state(workflow, locked, action)
        old = getattr(locked, workflow.state_field)
        before = {"status": old, **{name: getattr(locked, name) for name in snapshot}}
        more = check(locked) if check is not None else None
        for name, value in fields.items():
            setattr(locked, name, value(locked) if callable(value) else value)
        if move.target is not None:
            setattr(locked, workflow.state_field, move.target)
        locked.save()
        if audit:
            label = (event() if callable(event) else event) or workflow.events.get(action, action)
            record_event(actor=actor, action=f"{workflow.name}.{label}",
                         obj=locked, old=before,
                         new={"status": getattr(locked, workflow.state_field), **(extra or {}), **(more or {})},
                         reason=reason() if callable(reason) else reason)
        if after is not None:
            after(locked, old)
        return locked


def recipients(region_id: int, roles, hospital_id: int | None = None) -> list:
    """The active users holding one of `roles` in the region (of one hospital, if given)."""
    rows = Membership.objects.with_scope(region=[region_id]).filter(region_id=region_id, role__in=list(roles),
                                                                     user__is_active=True)
    if hospital_id is not None:
        rows = rows.filter(hospital_id=hospital_id)
    return list(User.objects.filter(pk__in=set(rows.values_list("user_id", flat=True))).order_by("pk"))


# Who delivers `tell`: apps.notifications puts its `notify` here in its ready() (core sits below it).
NOTIFIERS: list[Callable[..., Any]] = []


def tell(item, roles, title, body="", *, kind: str, url: str, hospital_id: int | None = None) -> None:
    """Notify whoever must act next on `item`: the holders of `roles` in its region (or one hospital).

    `title`/`body` as `notify` takes them: a callable builds them in every portal language."""
    users = recipients(item.region_id, roles, hospital_id)
    for notify in NOTIFIERS:
        notify(users=users, region=item.region, title=title, body=body, url=url, kind=kind)
