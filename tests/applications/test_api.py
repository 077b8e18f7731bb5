"""The API of interfaces §3: every action × every actor (200 / 403 / 404), create, attachments, lists
and filters, error codes, the expert's de-identified JSON and the expert pool."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from apps.applications.models import ExpertProfile
from apps.tenants.enums import Role

from .conftest import EXE, PDF, PNG, fresh, make
from .roles import ACTORS, TRANSITIONS, actor, api_body, expected

STATUS = {"ok": 200, "forbidden": 403, "not_found": 404}


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_action_role_and_scope(aw, api, name):
    """Every actor POSTs the action on its own fresh application: 200 with the new JSON, or 403/404."""
    a = aw["A"]
    prepare, _allowed, after, _ = TRANSITIONS[name]
    wrong = []
    for i, key in enumerate(ACTORS):
        app = prepare(a, i)
        before = fresh(app).status
        response = api(actor(aw, key)).post(f"/api/v1/applications/{app.pk}/{name}/", api_body(name, a),
                                            format="json")
        outcome = expected(name, key)
        body = response.json()
        ok = response.status_code == STATUS[outcome]
        if outcome == "ok":
            ok = ok and body["id"] == app.pk and body["status"] == after == fresh(app).status
        else:
            ok = ok and body["code"] in ("permission_denied", "not_found") and fresh(app).status == before
        if not ok:
            wrong.append((key, outcome, response.status_code, body))
    assert wrong == [], wrong


def test_create_attach_submit_through_the_api(aw, api):
    a = aw["A"]
    client = api(a.user(Role.HOSPITAL_STAFF))
    settlement_id = a.cases[0].settlement_id
    response = client.post("/api/v1/applications/", {"case": settlement_id, "type": "incentive_major",
                                                      "reason": "危重抢救"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["case"] == settlement_id and body["hospital"] == a.hospital.code
    pk = body["id"]
    response = client.post(f"/api/v1/applications/{pk}/submit/")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    response = client.post(f"/api/v1/applications/{pk}/attachments/",
                           {"file": SimpleUploadedFile("病案首页.pdf", PDF), "kind": "medical_record_summary"},
                           format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf" and response.json()["original_name"] == "病案首页.pdf"
    bad = client.post(f"/api/v1/applications/{pk}/attachments/",
                      {"file": SimpleUploadedFile("x.pdf", EXE), "kind": "other"}, format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    png = client.post(f"/api/v1/applications/{pk}/attachments/",
                      {"file": SimpleUploadedFile("scan.pdf", PNG), "kind": "medical_record_summary"},
                      format="multipart")
    assert png.status_code == 400
    response = client.post(f"/api/v1/applications/{pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert len(response.json()["attachments"]) == 1
    again = client.post(f"/api/v1/applications/{pk}/submit/")
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"
    dup = client.post("/api/v1/applications/", {"case": settlement_id, "type": "special_case", "reason": "x"},
                      format="json")
    assert dup.status_code == 400 and dup.json()["code"] == "validation_error"


@pytest.mark.parametrize("key", ["bureau_admin", "auditor", "other_hospital", "B_hospital_staff", "expert_unassigned"])
def test_create_refused(aw, api, key):
    a = aw["A"]
    response = api(actor(aw, key)).post("/api/v1/applications/", {
        "case": a.cases[0].settlement_id, "type": "special_case", "reason": "x"}, format="json")
    assert response.status_code == (403 if key in ("bureau_admin", "auditor") else 404)


def test_create_with_unknown_case_is_404_and_bad_type_400(aw, api):
    client = api(aw["A"].user(Role.HOSPITAL_STAFF))
    assert client.post("/api/v1/applications/", {"case": aw["B"].cases[0].settlement_id, "type": "bilateral",
                                                 "reason": "x"}, format="json").status_code == 404
    response = client.post("/api/v1/applications/", {"case": aw["A"].cases[0].settlement_id, "type": "nope",
                                                      "reason": "x"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_error_codes(aw, api):
    a = aw["A"]
    app = make(a, "under_review")
    response = api(a.user(Role.BUREAU_STAFF)).post(f"/api/v1/applications/{app.pk}/assign/", {
        "experts": [a.experts[0].username, a.experts[1].username, a.conflicted.username]}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "conflict_of_interest"
    from decimal import Decimal

    from apps.tenants.services import policy_set

    from .conftest import recent_day
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=recent_day().year, values={"incentive_rate_3": Decimal("1")})
    draft = make(a, "draft", case_index=3)
    client = api(a.user(Role.HOSPITAL_STAFF))
    client.post(f"/api/v1/applications/{draft.pk}/attachments/", {"file": SimpleUploadedFile("s.pdf", PDF)},
                format="multipart")
    response = client.post(f"/api/v1/applications/{draft.pk}/submit/")
    assert response.status_code == 400 and response.json()["code"] == "cap_exceeded"


def test_list_filters_and_scope(aw, api):
    a, b = aw["A"], aw["B"]
    make(a, "submitted", case_index=0)
    make(a, "draft", case_index=1, type="bilateral")
    make(b, "submitted", case_index=0)
    with scopes_disabled():
        from apps.applications import services

        h2_app = services.create_draft(actor=a.other_hospital_user, case=a.extra["h2_cases"][0], type="bilateral",
                                       reason="x")
    bureau = api(a.user(Role.BUREAU_STAFF))
    body = bureau.get("/api/v1/applications/").json()
    assert body["count"] == 1  # the two hospitals' drafts are theirs until submitted (decision 0043)
    assert bureau.get("/api/v1/applications/?status=submitted").json()["count"] == 1
    assert bureau.get("/api/v1/applications/?type=bilateral").json()["count"] == 0
    assert bureau.get(f"/api/v1/applications/?hospital={a.hospital.code}").json()["count"] == 1
    hospital = api(a.user(Role.HOSPITAL_STAFF)).get("/api/v1/applications/").json()
    assert hospital["count"] == 2 and h2_app.pk not in {r["id"] for r in hospital["results"]}
    assert api(a.user(Role.HOSPITAL_STAFF)).get(f"/api/v1/applications/{h2_app.pk}/").status_code == 404
    assert api(b.user(Role.BUREAU_ADMIN)).get("/api/v1/applications/").json()["count"] == 1
    supervisor = api(aw["world"]["supervisor"]).get("/api/v1/applications/").json()
    assert supervisor["count"] == 2
    assert api(a.conflicted).get("/api/v1/applications/").json()["count"] == 0


def test_expert_json_is_de_identified(aw, api):
    a = aw["A"]
    app = make(a, "assigned")
    body = api(a.experts[0]).get(f"/api/v1/applications/{app.pk}/").json()
    assert body["case"] is None and body["hospital"] is None and body["created_by"] is None
    assert body["hospital_level"] == 3 and body["assignments"] == []
    assert body["attachments"][0]["original_name"].startswith("medical_record_summary-")
    assert a.cases[0].settlement_id not in str(body) and a.hospital.code not in str(body)
    listed = api(a.experts[0]).get("/api/v1/applications/").json()
    assert listed["count"] == 1 and listed["results"][0]["hospital"] is None
    assert api(a.experts[0]).get(f"/api/v1/applications/?hospital={a.hospital.code}").json()["count"] == 0
    full = api(a.user(Role.BUREAU_STAFF)).get(f"/api/v1/applications/{app.pk}/").json()
    assert full["case"] == a.cases[0].settlement_id and len(full["assignments"]) == 3


def test_opinion_and_decide_bodies(aw, api):
    a = aw["A"]
    app = make(a, "assigned")
    for i, expert in enumerate(a.experts):
        response = api(expert).post(f"/api/v1/applications/{app.pk}/opinion/", {
            "verdict": "approve", "unreasonable_cost": str(100 * (i + 1)), "comment": "ok"}, format="json")
        assert response.status_code == 200
    assert response.json()["status"] == "reviewed"
    too_much = api(a.experts[0]).post(f"/api/v1/applications/{app.pk}/opinion/", {
        "verdict": "approve", "unreasonable_cost": "99999", "comment": ""}, format="json")
    assert too_much.status_code == 400
    admin = api(a.user(Role.BUREAU_ADMIN))
    assert admin.get(f"/api/v1/applications/{app.pk}/suggestion/").json() == {
        "opinions": 3, "approve": 3, "reject": 0, "verdict": "approve", "unreasonable_cost": "200.00"}
    assert admin.post(f"/api/v1/applications/{app.pk}/decide/", {"outcome": "partial", "reason": ""},
                      format="json").status_code == 400
    response = admin.post(f"/api/v1/applications/{app.pk}/decide/", {
        "outcome": "partial", "unreasonable_cost": "200", "reason": "按专家意见中位数扣除"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["outcome"] == "partial"
    assert response.json()["unreasonable_cost"] == "200.00"


def test_expert_pool_api(aw, api):
    a, b = aw["A"], aw["B"]
    admin = api(a.user(Role.BUREAU_ADMIN))
    listed = admin.get("/api/v1/expert-profiles/").json()
    assert listed["count"] == 4 and all(r["region"] == a.region.code for r in listed["results"])
    from apps.tenants.services import user_create
    from tests.conftest import PASSWORD

    with scopes_disabled():
        new = user_create(actor=None, username="pool_new", password=PASSWORD,
                          memberships=[{"role": Role.EXPERT, "region": a.region}])
    body = {"region": a.region.code, "username": new.username, "specialty": "神经内科",
            "hospital": a.world.hospitals[1].code, "active": True}
    assert api(a.user(Role.BUREAU_STAFF)).post("/api/v1/expert-profiles/", body, format="json").status_code == 403
    assert api(b.user(Role.BUREAU_ADMIN)).post("/api/v1/expert-profiles/", body, format="json").status_code == 404
    response = admin.post("/api/v1/expert-profiles/", body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = admin.patch(f"/api/v1/expert-profiles/{pk}/", {"active": False}, format="json")
    assert response.status_code == 200 and response.json()["active"] is False
    with scopes_disabled():
        assert ExpertProfile.objects.get(pk=pk).hospital == a.world.hospitals[1]
    assert api(b.user(Role.BUREAU_ADMIN)).get(f"/api/v1/expert-profiles/{pk}/").status_code == 404
    assert api(a.user(Role.HOSPITAL_STAFF)).get("/api/v1/expert-profiles/").json()["count"] == 0
    not_expert = dict(body, username=a.user(Role.HOSPITAL_STAFF).username)
    assert admin.post("/api/v1/expert-profiles/", not_expert, format="json").status_code == 400
