"""Every transition through the API, per role and scope: the allowed roles move the dispute (200 with the new
JSON); other roles of the region get 403 (or 404 when they cannot even see the dispute: experts not assigned,
the other hospital's users); every user of region B gets 404; an illegal transition is 400 invalid_transition."""
from __future__ import annotations

import pytest

from apps.disputes import letter
from apps.tenants.enums import Role

from .conftest import PDF, fresh, make

ROLES = [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF]


@pytest.fixture(autouse=True)
def fast_letters(monkeypatch):
    """The letter's layout is tested in test_letter.py; here a stub PDF keeps 40 decisions fast."""
    monkeypatch.setattr(letter, "render_pdf", lambda document: PDF)


# action → (state before, allowed roles, body, status after)
TRANSITIONS = {
    "submit": ("draft", {Role.HOSPITAL_ADMIN}, {}, "submitted"),
    "withdraw": ("draft", {Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF}, {}, "withdrawn"),
    "accept": ("submitted", {Role.BUREAU_ADMIN, Role.BUREAU_STAFF}, {}, "accepted"),
    "not_accept": ("submitted", {Role.BUREAU_ADMIN, Role.BUREAU_STAFF}, {"reason": "不属于争议范围"}, "closed"),
    "assign": ("accepted", {Role.BUREAU_ADMIN, Role.BUREAU_STAFF}, "experts", "under_review"),
    # the world's expert is one of the experts make() assigns
    "opinion": ("under_review", {Role.EXPERT}, {"suggestion": "adjusted", "comment": "建议调整"}, "under_review"),
    "decide": ("accepted", {Role.BUREAU_ADMIN}, {"outcome": "partial", "reason": "部分支持", "adjustment": "核减"},
               "decided"),
    "acknowledge": ("decided", {Role.HOSPITAL_ADMIN}, {}, "closed"),
    "appeal": ("decided", {Role.HOSPITAL_ADMIN}, {"reason": "申请复议"}, "appealed"),
    "redecide": ("appealed", {Role.BUREAU_ADMIN}, {"outcome": "upheld", "reason": "复议维持"}, "decided"),
}
# before the expert review the world's expert cannot see the dispute at all (404 rather than 403)
UNASSIGNED = ("draft", "submitted", "accepted")


def _body(dr, body):
    if body == "experts":
        return {"experts": [dr.experts[1].username]}
    return body


def _url(d, action):
    return f"/api/v1/disputes/{d.pk}/{'decide' if action == 'redecide' else action}/"


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_allowed_roles_move_the_dispute(dw, api, action):
    state, allowed, body, after = TRANSITIONS[action]
    a = dw["A"]
    for role in allowed:
        d = make(a, state)
        response = api(a.user(role)).post(_url(d, action), _body(a, body), format="json")
        assert response.status_code == 200, (action, role, response.json())
        data = response.json()
        assert data["id"] == d.pk and data["status"] == after
        assert {"accept_due", "decision_due", "appeal_due", "overdue"} <= set(data)


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_other_roles_are_refused(dw, api, action):
    state, allowed, body, _after = TRANSITIONS[action]
    a = dw["A"]
    d = make(a, state)
    for role in ROLES:
        if role in allowed:
            continue
        response = api(a.user(role)).post(_url(d, action), _body(a, body), format="json")
        expected = 404 if role == Role.EXPERT and state in UNASSIGNED else 403
        assert response.status_code == expected, (action, role, response.status_code, response.json())
    assert fresh(d).status == state


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_other_region_and_other_hospital_get_404(dw, api, action):
    state, _allowed, body, _after = TRANSITIONS[action]
    a, b = dw["A"], dw["B"]
    d = make(b, state)
    for role in ROLES:
        response = api(a.user(role)).post(_url(d, action), _body(b, body), format="json")
        assert response.status_code == 404, (action, role, response.status_code)
    own = make(a, state)
    response = api(a.other_hospital_user).post(_url(own, action), _body(a, body), format="json")
    assert response.status_code == 404
    response = api(dw["world"]["supervisor"]).get(f"/api/v1/disputes/{make(dw['A'], 'draft').pk}/")
    assert response.status_code == 200  # the province supervisor reads A (same province) …
    assert api(dw["world"]["supervisor"]).post(_url(own, action), _body(a, body), format="json").status_code == 403


def test_illegal_transitions_are_400(dw, api):
    a = dw["A"]
    d = make(a, "draft")
    response = api(a.user(Role.BUREAU_STAFF)).post(f"/api/v1/disputes/{d.pk}/accept/")
    assert response.status_code == 400 and response.json()["code"] == "invalid_transition"
    closed = make(a, "closed")
    response = api(a.user(Role.HOSPITAL_ADMIN)).post(f"/api/v1/disputes/{closed.pk}/appeal/", {"reason": "再议"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_transition"
    redecided = make(a, "redecided")
    response = api(a.user(Role.HOSPITAL_ADMIN)).post(f"/api/v1/disputes/{redecided.pk}/appeal/", {"reason": "再议"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_transition"  # one appeal only
    submitted = make(a, "submitted")
    response = api(a.user(Role.BUREAU_STAFF)).post(f"/api/v1/disputes/{submitted.pk}/not_accept/", {"reason": ""})
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_expert_conflict_of_interest_decline_and_replace(dw, api):
    a = dw["A"]
    d = make(a, "accepted")
    bureau = api(a.user(Role.BUREAU_STAFF))
    response = bureau.post(f"/api/v1/disputes/{d.pk}/assign/", {"experts": [a.conflicted.username]}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "conflict_of_interest"
    response = bureau.post(f"/api/v1/disputes/{d.pk}/assign/", {"experts": [a.experts[0].username]}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "under_review"
    expert = api(a.experts[0])
    assert expert.get(f"/api/v1/disputes/{d.pk}/").status_code == 200  # assigned: now in scope
    response = expert.post(f"/api/v1/disputes/{d.pk}/decline/", {"reason": "曾参与该院病案评审"}, format="json")
    assert response.status_code == 200
    response = bureau.post(f"/api/v1/disputes/{d.pk}/assign/", {"experts": [a.experts[1].username]}, format="json")
    statuses = {row["expert"]: row["status"] for row in response.json()["assignments"]}
    assert statuses == {a.experts[0].username: "replaced", a.experts[1].username: "assigned"}
    response = api(a.experts[1]).post(f"/api/v1/disputes/{d.pk}/opinion/",
                                      {"suggestion": "upheld", "comment": "分组正确"}, format="json")
    assert response.status_code == 200
    # the declined expert can no longer give an opinion
    response = expert.post(f"/api/v1/disputes/{d.pk}/opinion/", {"suggestion": "upheld", "comment": "x"},
                           format="json")
    assert response.status_code == 403
    admin = api(a.user(Role.BUREAU_ADMIN))
    response = admin.post(f"/api/v1/disputes/{d.pk}/decide/", {"outcome": "upheld", "reason": "采纳专家意见"},
                          format="json")
    assert response.status_code == 200 and response.json()["letter_number"]
