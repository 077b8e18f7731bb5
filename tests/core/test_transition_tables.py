"""Generated from the transition tables (apps/*/transitions.py): for every item type, every (state, action)
pair. An allowed move succeeds as its role and writes exactly one audit event; every other pair answers
`invalid_transition` and writes nothing; an in-scope user without the role (the auditor) is refused (403).

The items are created directly in each state (the kernel is what is under test here; each app's own tests
drive the same moves through its services with their guards)."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications.models import Application
from apps.applications.models import Assignment as ApplicationAssignment
from apps.applications.transitions import WORKFLOW as APPLICATION
from apps.core.errors import Forbidden, InvalidTransition, NotFound
from apps.core.models import AuditEvent
from apps.core.workflow import WORKFLOWS, transition
from apps.disputes.models import Assignment as DisputeAssignment
from apps.disputes.models import Dispute
from apps.disputes.transitions import WORKFLOW as DISPUTE
from apps.notices.models import Notice, NoticeRecipient
from apps.notices.transitions import WORKFLOW as NOTICE
from apps.screening.models import ScreeningItem
from apps.screening.transitions import WORKFLOW as SCREENING
from apps.tenants.enums import Role
from apps.training.models import Course, Enrollment, Session
from apps.training.transitions import ENROLLMENT, SESSION
from tests.screening.conftest import make_case

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def _case(rw):
    return make_case(rw.hospital, patient=f"t{next(_n)}", admission=timezone.localdate() - dt.timedelta(days=10))


def _application(rw, state):
    case = _case(rw)
    item = Application.objects.create(region=rw.region, case=case, hospital=rw.hospital, type="special_case",
                                      reason="复杂病例", year=case.discharge_date.year, status=state)
    ApplicationAssignment.objects.create(region=rw.region, application=item, expert=rw.users[Role.EXPERT],
                                         due=timezone.localdate())
    return item


def _dispute(rw, state):
    item = Dispute.objects.create(region=rw.region, hospital=rw.hospital, subject_type="other", year=2025,
                                  claim="结算有误", status=state)
    DisputeAssignment.objects.create(region=rw.region, dispute=item, expert=rw.users[Role.EXPERT],
                                     due=timezone.localdate())
    return item


def _notice(rw, state):
    item = Notice.objects.create(region=rw.region, title=f"通知{next(_n)}", status=state)
    NoticeRecipient.objects.create(region=rw.region, notice=item, hospital=rw.hospital)
    return item


def _session(rw, state):
    course = Course.objects.create(region=rw.region, title=f"课程{next(_n)}", category="coding", hours=2)
    start = timezone.now() + dt.timedelta(days=3)
    return Session.objects.create(region=rw.region, course=course, starts_at=start,
                                  ends_at=start + dt.timedelta(hours=2), capacity=10,
                                  enrol_deadline=start - dt.timedelta(days=1), status=state)


def _enrollment(rw, state):
    session = _session(rw, "published")
    return Enrollment.objects.create(region=rw.region, session=session, user=rw.users[Role.HOSPITAL_STAFF],
                                     hospital=rw.hospital, status=state)


def _screening(rw, state):
    return ScreeningItem.objects.create(region=rw.region, rule="split_admission", case=_case(rw), hospital=rw.hospital,
                                        year=2025, month=3, evidence={}, status=state, expert=rw.users[Role.EXPERT],
                                        reply_due=timezone.localdate() + dt.timedelta(days=5))


# Per table: how to make an item in a state, and who holds each role of the table (None: the system).
TABLES = {
    "application": (APPLICATION, _application, {"hospital": Role.HOSPITAL_STAFF, "bureau": Role.BUREAU_STAFF,
                                                "bureau_admin": Role.BUREAU_ADMIN, "assigned_expert": Role.EXPERT}),
    "dispute": (DISPUTE, _dispute, {"hospital": Role.HOSPITAL_STAFF, "hospital_admin": Role.HOSPITAL_ADMIN,
                                    "bureau": Role.BUREAU_STAFF, "bureau_admin": Role.BUREAU_ADMIN,
                                    "assigned_expert": Role.EXPERT, "writer": Role.HOSPITAL_STAFF, "system": None}),
    "notice": (NOTICE, _notice, {"drafter": Role.BUREAU_STAFF, "publisher": Role.BUREAU_ADMIN,
                                 "addressed": Role.HOSPITAL_STAFF, "system": None}),
    "session": (SESSION, _session, {"bureau": Role.BUREAU_STAFF}),
    "enrollment": (ENROLLMENT, _enrollment, {"canceller": Role.BUREAU_STAFF, "runner": Role.BUREAU_STAFF}),
    "screening": (SCREENING, _screening, {"hospital": Role.HOSPITAL_STAFF, "bureau": Role.BUREAU_STAFF,
                                          "expert": Role.EXPERT}),
}
CASES = [(name, state, action) for name, (wf, _make, _roles) in TABLES.items()
         for state in wf.states for action in wf.actions]


def _role_key(workflow, action: str) -> str:
    return next(m.role for m in workflow.moves if m.action == action)


def test_every_registered_table_is_covered():
    """A new workflow must be added to TABLES (its states and roles are what this test walks)."""
    assert {wf.model._meta.label for wf, _m, _r in TABLES.values()} == set(WORKFLOWS)
    for wf, _make, roles in TABLES.values():
        assert {m.role for m in wf.moves} <= set(roles), wf.name
        assert {s for m in wf.moves for s in m.sources} <= set(wf.states), wf.name


@pytest.mark.parametrize(("table", "state", "action"), CASES, ids=[f"{t}-{s}-{a}" for t, s, a in CASES])
def test_every_state_and_action(world, table, state, action):
    workflow, make, roles = TABLES[table]
    rw = world["A"]
    with scopes_disabled():
        item = make(rw, state)
        role = roles[_role_key(workflow, action)]
        actor = rw.users[role] if role is not None else None
        move = workflow.move(state, action)
        events = AuditEvent.objects.count()
        in_scope = workflow.role_of(action).scope or workflow.can_see
        if actor is not None and not in_scope(actor, item):  # e.g. a hospital and a draft notice
            assert move is None
            with pytest.raises(NotFound):
                transition(item, action, actor=actor)
            return
        if move is None:
            with pytest.raises(InvalidTransition) as err:
                transition(item, action, actor=actor)
            assert err.value.code == "invalid_transition"
            item.refresh_from_db()
            assert item.status == state
            assert AuditEvent.objects.count() == events
            return
        done = transition(item, action, actor=actor)
        done.refresh_from_db()
        assert done.status == (move.target or state)
        assert AuditEvent.objects.count() == events + 1
        event = AuditEvent.objects.order_by("-pk").first()
        assert event.action.startswith(f"{workflow.name}.") and event.object_id == str(item.pk)
        assert event.old["status"] == state and event.new["status"] == done.status


ALLOWED = [(name, m.sources[0], m.action) for name, (wf, _make, _roles) in TABLES.items() for m in wf.moves]


@pytest.mark.parametrize(("table", "state", "action"), ALLOWED, ids=[f"{t}-{s}-{a}" for t, s, a in ALLOWED])
def test_a_reader_without_the_role_is_refused(world, table, state, action):
    """The auditor reads the whole region but acts on nothing: 403 before the table is even read."""
    workflow, make, _roles = TABLES[table]
    rw = world["A"]
    with scopes_disabled():
        item = make(rw, state)
        events = AuditEvent.objects.count()
        with pytest.raises(Forbidden):
            transition(item, action, actor=rw.users[Role.AUDITOR])
        assert AuditEvent.objects.count() == events
