"""API of training (interfaces.md §3): per role allowed / forbidden / out of scope (404)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from apps.training.models import Session

from .conftest import make_session, staff_user, start_now

pytestmark = pytest.mark.django_db


def _iso(delta: dt.timedelta) -> str:
    return (timezone.now() + delta).isoformat()


def test_bureau_plans_and_hospital_enrols_through_the_api(world, api):
    a = world["A"]
    bureau = api(a.users[Role.BUREAU_STAFF])
    r = bureau.post("/api/v1/courses/", {"title": "DRG付费政策解读", "category": "policy", "hours": "2",
                                         "audience": ["hospital_staff", "hospital_admin"]}, format="json")
    assert r.status_code == 201, r.content
    course = r.json()
    assert course["region"] == "341800" and course["audience"] == ["hospital_admin", "hospital_staff"]
    r = bureau.post("/api/v1/sessions/", {"course": course["id"], "starts_at": _iso(dt.timedelta(days=5)),
                                          "capacity": 1, "enrol_deadline": _iso(dt.timedelta(days=4)),
                                          "pass_mark": "70", "venue": "线上会议 123-456", "mode": "online"},
                    format="json")
    assert r.status_code == 201, r.content
    session = r.json()
    assert session["status"] == "draft"
    # a hospital user never sees a draft
    assert api(a.users[Role.HOSPITAL_STAFF]).get(f"/api/v1/sessions/{session['id']}/").status_code == 404
    r = bureau.post(f"/api/v1/sessions/{session['id']}/publish/", {"send_notice": True, "levels": [3]}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "published", r.content
    staff = api(a.users[Role.HOSPITAL_STAFF])
    assert [s["id"] for s in staff.get("/api/v1/sessions/?open=1").json()["results"]] == [session["id"]]
    r = staff.post("/api/v1/enrollments/", {"session": session["id"]}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "enrolled", r.content
    mine = r.json()
    r = api(a.users[Role.HOSPITAL_ADMIN]).post("/api/v1/enrollments/", {"session": session["id"]}, format="json")
    assert r.json()["status"] == "waitlisted" and r.json()["waitlist_position"] == 1
    waiting = r.json()
    r = staff.post(f"/api/v1/enrollments/{mine['id']}/cancel/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api(a.users[Role.HOSPITAL_ADMIN]).get(f"/api/v1/enrollments/{waiting['id']}/").json()["status"] == "enrolled"
    # role: a hospital user cannot mark attendance or create courses
    assert staff.post(f"/api/v1/enrollments/{waiting['id']}/attend/").status_code == 404  # not theirs: invisible
    admin = api(a.users[Role.HOSPITAL_ADMIN])
    assert admin.post(f"/api/v1/enrollments/{waiting['id']}/attend/").status_code == 403
    assert admin.post("/api/v1/courses/", {"title": "x", "category": "policy", "hours": 1},
                      format="json").status_code == 403


def test_attend_score_and_certificate_only_when_passed(world, api):
    a = world["A"]
    session = make_session(a, capacity=5, pass_mark="60")
    ok_user, ko_user = staff_user(a, "通过"), staff_user(a, "未通过")
    ok = api(ok_user).post("/api/v1/enrollments/", {"session": session.pk}, format="json").json()
    ko = api(ko_user).post("/api/v1/enrollments/", {"session": session.pk}, format="json").json()
    bureau = api(a.users[Role.BUREAU_ADMIN])
    r = bureau.post(f"/api/v1/enrollments/{ok['id']}/attend/")
    assert r.status_code == 400 and r.json()["code"] == "invalid_transition"  # not the session's day yet
    start_now(session)
    for e in (ok, ko):
        r = bureau.post(f"/api/v1/enrollments/{e['id']}/attend/")
        assert r.status_code == 200 and r.json()["status"] == "attended"
    r = bureau.post(f"/api/v1/enrollments/{ok['id']}/score/", {"score": "86"}, format="json")
    assert r.status_code == 200 and r.json()["passed"] is True and r.json()["certificate_number"]
    r = bureau.post(f"/api/v1/sessions/{session.pk}/scores/", {str(ko["id"]): "40"}, format="json")
    assert r.status_code == 200 and r.json()[0]["passed"] is False
    assert bureau.post(f"/api/v1/enrollments/{ko['id']}/score/", {"score": "101"}, format="json").status_code == 400
    assert api(ko_user).get(f"/api/v1/enrollments/{ko['id']}/certificate/").status_code == 404
    r = api(ok_user).get(f"/api/v1/enrollments/{ok['id']}/certificate/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    # the other hospital's admin / another region: 404
    assert api(world["B"].users[Role.BUREAU_ADMIN]).get(f"/api/v1/enrollments/{ok['id']}/certificate/").status_code == 404
    assert api(ko_user).get(f"/api/v1/enrollments/{ok['id']}/").status_code == 404


def test_deadline_passed_code_and_scope(world, api):
    a, b = world["A"], world["B"]
    session = make_session(a, capacity=5)
    with scopes_disabled():
        Session.objects.filter(pk=session.pk).update(enrol_deadline=timezone.now() - dt.timedelta(minutes=1))
    r = api(a.users[Role.HOSPITAL_STAFF]).post("/api/v1/enrollments/", {"session": session.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "deadline_passed"
    # region B sees none of A's sessions or courses; its ids are 404
    other = api(b.users[Role.HOSPITAL_STAFF])
    assert other.get("/api/v1/sessions/").json()["count"] == 0
    assert other.get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert other.post("/api/v1/enrollments/", {"session": session.pk}, format="json").status_code == 404
    assert api(b.users[Role.BUREAU_ADMIN]).get(f"/api/v1/courses/{session.course_id}/").status_code == 404
    assert api(world["C"].users[Role.BUREAU_ADMIN]).get("/api/v1/courses/").json()["count"] == 0
    # the province supervisor reads A's sessions (same province), not C's
    assert api(world["supervisor"]).get(f"/api/v1/sessions/{session.pk}/").status_code == 200


def test_schema_documents_the_training_endpoints(world, api):
    r = api(world["A"].users[Role.BUREAU_ADMIN]).get("/api/v1/schema/?format=json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/v1/courses/", "/api/v1/sessions/", "/api/v1/enrollments/{id}/cancel/",
                 "/api/v1/enrollments/{id}/score/", "/api/v1/enrollments/{id}/certificate/"):
        assert path in paths, path
