"""Every transition × every actor through the services: allowed, Forbidden (403) or NotFound (404)."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.applications import services
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.tenants.enums import Role

from .conftest import fresh, make
from .roles import ACTORS, TRANSITIONS, actor, expected, service_call


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition_role_and_scope(aw, name):
    """One fresh application per actor (case i): allowed → new status; else 403/404 and no change."""
    a = aw["A"]
    prepare, _allowed, after, _ = TRANSITIONS[name]
    wrong = []
    for i, key in enumerate(ACTORS):
        app = prepare(a, i)
        before = fresh(app).status
        user = actor(aw, key)
        outcome = expected(name, key)
        with scopes_disabled():
            try:
                service_call(name, user, fresh(app), a)
                got = "ok"
            except Forbidden:
                got = "forbidden"
            except NotFound:
                got = "not_found"
        status = fresh(app).status
        if got != outcome or status != (after if outcome == "ok" else before):
            wrong.append((key, outcome, got, status))
    assert wrong == [], wrong


@pytest.mark.parametrize("key", ["hospital_admin", "hospital_staff", "bureau_admin", "other_hospital", "B_hospital_staff",
                                 "expert_unassigned"])
def test_create_draft_roles(aw, key):
    a = aw["A"]
    user = actor(aw, key)
    with scopes_disabled():
        if key in ("hospital_admin", "hospital_staff"):
            app = services.create_draft(actor=user, case=a.cases[0], type="special_case", reason="超长住院")
            assert app.status == "draft" and app.hospital_id == a.hospital.pk and app.created_by == user
        else:
            with pytest.raises(Forbidden if key == "bureau_admin" else NotFound):
                services.create_draft(actor=user, case=a.cases[0], type="special_case", reason="超长住院")


# Illegal transitions: (state, transition) pairs that must raise InvalidTransition for an allowed actor.
ILLEGAL = [
    ("draft", "accept"), ("draft", "return"), ("draft", "decide"), ("submitted", "submit"),
    ("submitted", "decide"), ("returned", "accept"), ("under_review", "accept"), ("under_review", "decide"),
    ("under_review", "withdraw"), ("reviewed", "assign"), ("approved", "decide"), ("approved", "withdraw"),
    ("approved", "opinion"), ("rejected", "submit"), ("withdrawn", "submit"), ("withdrawn", "accept"),
]


@pytest.mark.parametrize(("state", "name"), ILLEGAL, ids=[f"{s}-{n}" for s, n in ILLEGAL])
def test_illegal_transitions(aw, state, name):
    a = aw["A"]
    app = make(a, "reviewed" if state == "approved" else state)
    if state == "approved":
        with scopes_disabled():
            app = services.decide(actor=a.user(Role.BUREAU_ADMIN), application=fresh(app), outcome="approve",
                                  reason="同意")
    key = {"submit": "hospital_staff", "withdraw": "hospital_staff", "decide": "bureau_admin",
           "opinion": "expert_assigned"}.get(name, "bureau_staff")
    with scopes_disabled(), pytest.raises((InvalidTransition, Forbidden) if name == "opinion" else InvalidTransition):
        from .roles import service_call as call

        call(name, actor(aw, key), fresh(app), a)


def test_reasons_are_required(aw):
    a = aw["A"]
    app = make(a, "submitted")
    with scopes_disabled():
        for fn in (services.return_, services.reject_at_intake):
            with pytest.raises(ValidationFailed):
                fn(actor=a.user(Role.BUREAU_STAFF), application=fresh(app), reason="  ")
    reviewed = make(a, "reviewed", case_index=1)
    with scopes_disabled(), pytest.raises(ValidationFailed):
        services.decide(actor=a.user(Role.BUREAU_ADMIN), application=fresh(reviewed), outcome="reject", reason="")
