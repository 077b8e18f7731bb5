"""The transition table: every allowed move works for its role; every other (state, action) answers
`invalid_transition`; roles outside the table 403, other regions/hospitals 404."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.screening import services, transitions
from apps.screening.enums import Status
from apps.screening.models import ScreeningItem
from apps.tenants.enums import Role
from tests.screening.conftest import make_case

pytestmark = pytest.mark.django_db


def _item(rw, status: str = Status.OPEN, due_offset: int = 5, hospital=None, expert=None) -> ScreeningItem:
    hospital = hospital or rw.hospital
    case = make_case(hospital, patient=f"x{ScreeningItem.objects.with_scope(region=[rw.region.pk]).count()}",
                     admission=dt.date(2025, 3, 1))
    with scopes_disabled():
        return ScreeningItem.objects.create(region=rw.region, rule="split_admission", case=case, hospital=hospital,
                                            year=2025, month=3, evidence={"gap_days": 3}, status=status,
                                            reply_due=timezone.localdate() + dt.timedelta(days=due_offset),
                                            expert=expert)


def _expert_pool(rw):
    from apps.applications.models import ExpertProfile

    with scopes_disabled():
        ExpertProfile.objects.get_or_create(region=rw.region, user=rw.users[Role.EXPERT],
                                            defaults={"hospital": rw.hospitals[1], "specialty": "呼吸内科"})


def _act(action: str, actor, item):
    with scopes_disabled():
        if action == "answer":
            return services.item_answer(actor=actor, item=item, text="计划性分次治疗，见病程记录。")
        if action in ("confirm", "clear"):
            return services.ACTIONS[action](actor=actor, item=item, reason="核实")
        if action == "assign":
            return services.item_assign(actor=actor, item=item, expert=item._expert_user)
        return services.item_opinion(actor=actor, item=item, suggestion="confirm", comment="证据充分")


def _actor(rw, roles):
    for role in (Role.HOSPITAL_STAFF, Role.BUREAU_STAFF, Role.EXPERT):
        if role in roles:
            return rw.users[role]
    raise AssertionError(roles)


CASES = [(state, action) for state in Status.values for action in transitions.ACTIONS]


@pytest.mark.parametrize(("state", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_every_state_and_action(world, state, action):
    a = world["A"]
    _expert_pool(a)
    move = transitions.move(state, action)
    expert = a.users[Role.EXPERT]
    # guards: an open item may be confirmed only once overdue; the answer only within the reply period
    item = _item(a, state, due_offset=-1 if action == "confirm" else 5, hospital=a.hospitals[0], expert=expert)
    item._expert_user = expert
    roles = transitions.roles_for(action)
    actor = _actor(a, roles)
    if action == "assign":  # the expert is affiliated with hospitals[1]; the item is of hospitals[0]
        pass
    if move is None:
        with pytest.raises(InvalidTransition) as err:
            _act(action, actor, item)
        assert err.value.code == "invalid_transition"
        with scopes_disabled():
            item.refresh_from_db()
        assert item.status == state
        return
    done = _act(action, actor, item)
    with scopes_disabled():
        done.refresh_from_db()
    assert done.status == move.target


def test_open_item_cannot_be_confirmed_before_the_reply_period_ends(world):
    a = world["A"]
    item = _item(a, Status.OPEN, due_offset=0)  # due today: still the hospital's turn
    with pytest.raises(InvalidTransition):
        _act("confirm", a.users[Role.BUREAU_STAFF], item)


def test_answer_after_the_reply_period_is_refused(world):
    a = world["A"]
    item = _item(a, Status.OPEN, due_offset=-1)
    with pytest.raises(InvalidTransition) as err:
        _act("answer", a.users[Role.HOSPITAL_STAFF], item)
    assert err.value.code == "deadline_passed"


@pytest.mark.parametrize("role", [Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, Role.AUDITOR])
def test_only_the_bureau_confirms(world, role):
    a = world["A"]
    item = _item(a, Status.ANSWERED)
    with pytest.raises(Forbidden):
        _act("confirm", a.users[role], item)


def test_bureau_cannot_answer_for_the_hospital(world):
    a = world["A"]
    with pytest.raises(Forbidden):
        _act("answer", a.users[Role.BUREAU_ADMIN], _item(a))


def test_other_region_and_other_hospital_are_not_found(world):
    a, b = world["A"], world["B"]
    with pytest.raises(NotFound):
        _act("confirm", b.users[Role.BUREAU_ADMIN], _item(a, Status.ANSWERED))
    other = _item(a, Status.OPEN, hospital=a.hospitals[1])
    with pytest.raises(NotFound):
        _act("answer", a.users[Role.HOSPITAL_STAFF], other)


def test_expert_affiliated_with_the_hospital_is_refused(world):
    a = world["A"]
    _expert_pool(a)
    item = _item(a, Status.ANSWERED, hospital=a.hospitals[1])  # the expert's own hospital
    with pytest.raises(ValidationFailed) as err, scopes_disabled():
        services.item_assign(actor=a.users[Role.BUREAU_ADMIN], item=item, expert=a.users[Role.EXPERT])
    assert err.value.code == "conflict_of_interest"


def test_unassigned_expert_does_not_see_the_item(world):
    a = world["A"]
    item = _item(a, Status.ANSWERED)
    with pytest.raises(NotFound):
        _act("opinion", a.users[Role.EXPERT], item)


def test_every_action_is_audited_and_notified(world):
    from apps.core.models import AuditEvent
    from apps.notifications.models import Notification

    a = world["A"]
    item = _item(a)
    _act("answer", a.users[Role.HOSPITAL_STAFF], item)
    _act("clear", a.users[Role.BUREAU_STAFF], item)
    with scopes_disabled():
        actions = list(AuditEvent.objects.filter(object_type="screening.ScreeningItem", object_id=str(item.pk))
                       .order_by("id").values_list("action", flat=True))
        bureau = Notification.objects.filter(user=a.users[Role.BUREAU_ADMIN], title__contains=f"#{item.pk}").count()
        hospital = Notification.objects.filter(user=a.users[Role.HOSPITAL_ADMIN], title__contains="已排除").count()
    assert actions == ["screening.answered", "screening.cleared"]
    assert bureau == 1 and hospital == 1
