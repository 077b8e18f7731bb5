"""API: create with subject resolution and raise windows, list filters, comments and attachments at every step
(content checked by the bytes), the decision letter PDF (stored with SHA-256, scoped), the JSON contract."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from apps.disputes import letter
from apps.disputes.models import Dispute
from apps.tenants.enums import Role

from .conftest import EXE, PDF, fresh, make


@pytest.fixture
def fast_letters(monkeypatch):
    monkeypatch.setattr(letter, "render_pdf", lambda document: PDF)


def test_create_case_dispute_resolves_the_case(dw, api):
    a = dw["A"]
    client = api(a.user(Role.HOSPITAL_STAFF))
    body = {"subject_type": "case", "subject_ref": a.cases[0].settlement_id, "claim": "主要诊断选择错误",
            "requested_outcome": "改入 EC19"}
    # the case is in no published run: the evidence is required (decision 0043)
    response = client.post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "evidence_required"
    assert list(response.json()["errors"]) == ["evidence"]
    response = client.post("/api/v1/disputes/", {**body, "evidence": [SimpleUploadedFile("首页.pdf", PDF)]},
                           format="multipart")
    assert response.status_code == 201, response.json()
    assert [f["original_name"] for f in response.json()["attachments"]] == ["首页.pdf"]
    data = response.json()
    assert data["status"] == "draft" and data["hospital"] == a.hospital.code and data["subject_type"] == "case"
    assert data["accept_due"] is None and data["overdue"] is False
    with scopes_disabled():
        assert Dispute.objects.get(pk=data["id"]).case_id == a.cases[0].pk
    # another hospital's case, another region's case: 404
    response = client.post("/api/v1/disputes/", {"subject_type": "case", "subject_ref": a.cases[1].settlement_id,
                                                 "claim": "x"}, format="json")
    assert response.status_code == 404
    response = client.post("/api/v1/disputes/", {"subject_type": "case",
                                                 "subject_ref": dw["B"].cases[0].settlement_id, "claim": "x"},
                           format="json")
    assert response.status_code == 404
    # bureau users do not raise disputes
    response = api(a.user(Role.BUREAU_STAFF)).post("/api/v1/disputes/", {"subject_type": "other", "claim": "x"},
                                                   format="json")
    assert response.status_code == 403


def test_raise_window_of_a_published_run(dw, api, small_run):
    a = dw["A"]
    run = small_run
    client = api(a.user(Role.HOSPITAL_STAFF))
    body = {"subject_type": "settlement", "subject_ref": str(run.pk), "claim": "点值计算有误"}
    response = client.post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["window_ends"] == (dt.date.today() + dt.timedelta(days=30)).isoformat()
    # published 31 days ago: too late
    from apps.settlement.models import SettlementRun

    with scopes_disabled():
        SettlementRun.objects.filter(pk=run.pk).update(published_at=run.published_at - dt.timedelta(days=31))
    response = client.post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "deadline_passed"


@pytest.fixture
def small_run(dw):
    """A published simulation run of region A with a hospital result for hospital[0] (made directly)."""
    from apps.settlement.models import HospitalResult, SettlementRun

    a = dw["A"]
    with scopes_disabled():
        run = SettlementRun.objects.create(region=a.region, kind="simulation", period="2025", year=2025, version=1,
                                           status="ready")
        HospitalResult.objects.create(region=a.region, run=run, hospital=a.hospital, level=3, coefficient="1.0000",
                                      cases=1, points="100", adjusted_points="100", self_pay="0", point_value="10",
                                      due="1000")
        from apps.settlement.services import settlement_run_publish

        return settlement_run_publish(actor=None, run=run)


def test_list_filters_and_scope(dw, api, fast_letters):
    a, b = dw["A"], dw["B"]
    draft, submitted = make(a, "draft"), make(a, "submitted")
    make(b, "submitted")
    bureau = api(a.user(Role.BUREAU_STAFF))
    rows = bureau.get("/api/v1/disputes/").json()  # a hospital's draft is its own: never in the bureau's list
    assert rows["count"] == 1 and {r["id"] for r in rows["results"]} == {submitted.pk}
    rows = api(a.user(Role.HOSPITAL_STAFF)).get("/api/v1/disputes/").json()
    assert {r["id"] for r in rows["results"]} == {draft.pk, submitted.pk}
    rows = bureau.get("/api/v1/disputes/?status=submitted").json()
    assert [r["id"] for r in rows["results"]] == [submitted.pk]
    assert api(a.other_hospital_user).get("/api/v1/disputes/").json()["count"] == 0
    assert api(a.user(Role.EXPERT)).get("/api/v1/disputes/").json()["count"] == 0
    assert api(dw["world"]["supervisor"]).get("/api/v1/disputes/").json()["count"] == 2  # A and B, same province
    with scopes_disabled():
        Dispute.objects.filter(pk=submitted.pk).update(accept_due=dt.date(2020, 1, 1))
    rows = bureau.get("/api/v1/disputes/?overdue=1").json()
    assert [r["id"] for r in rows["results"]] == [submitted.pk] and rows["results"][0]["overdue"] is True


def test_comments_and_attachments_at_every_step(dw, api, fast_letters, private_media):
    a = dw["A"]
    d = make(a, "draft")
    staff = api(a.user(Role.HOSPITAL_STAFF))
    response = staff.post(f"/api/v1/disputes/{d.pk}/attachments/",
                          {"file": SimpleUploadedFile("病案首页.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 201, response.json()
    assert response.json()["sha256"] == hashlib.sha256(PDF).hexdigest() and response.json()["step"] == "draft"
    stored = list((private_media / "disputes").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    response = staff.post(f"/api/v1/disputes/{d.pk}/attachments/",
                          {"file": SimpleUploadedFile("scan.pdf", EXE, content_type="application/pdf")})
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    d = make(a, "under_review")
    for user in (a.user(Role.HOSPITAL_STAFF), a.user(Role.BUREAU_STAFF), a.experts[1]):
        response = api(user).post(f"/api/v1/disputes/{d.pk}/comments/", {"text": f"意见 {user.username}"}, format="json")
        assert response.status_code == 201 and response.json()["step"] == "under_review"
    assert api(a.user(Role.AUDITOR)).post(f"/api/v1/disputes/{d.pk}/comments/", {"text": "x"}).status_code == 403
    data = api(a.user(Role.HOSPITAL_ADMIN)).get(f"/api/v1/disputes/{d.pk}/").json()
    assert len(data["comments"]) == 3 and data["assignments"] == []  # hospitals do not see who reviews


def test_decision_letter_is_stored_with_its_hash_and_scoped(dw, api, fast_letters, client):
    a = dw["A"]
    d = make(a, "decided", outcome="partial", adjustment="核减部分扣款")
    assert d.letter_number == f"宣医保争〔{dt.date.today().year}〕1号"
    second = make(a, "decided")
    assert second.letter_number.endswith("〕2号")  # numbered per region and year
    assert make(dw["B"], "decided").letter_number.startswith("合医保争") and \
        make(dw["B"], "decided").letter_number.endswith("〕2号")
    response = api(a.user(Role.HOSPITAL_ADMIN)).get(f"/api/v1/disputes/{d.pk}/letter/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert hashlib.sha256(body).hexdigest() == fresh(d).letter_sha256
    assert api(a.other_hospital_user).get(f"/api/v1/disputes/{d.pk}/letter/").status_code == 404
    assert api(dw["B"].user(Role.HOSPITAL_ADMIN)).get(f"/api/v1/disputes/{d.pk}/letter/").status_code == 404
    client.force_login(a.user(Role.HOSPITAL_STAFF))
    assert client.get(f"/disputes/{d.pk}/letter/").status_code == 200
    # a tampered file is refused
    from django.conf import settings

    (settings.PRIVATE_MEDIA_ROOT / fresh(d).letter_path).write_bytes(b"%PDF-tampered")
    assert api(a.user(Role.HOSPITAL_ADMIN)).get(f"/api/v1/disputes/{d.pk}/letter/").status_code == 404


def test_appeal_keeps_the_first_decision(dw, api, fast_letters):
    a = dw["A"]
    d = make(a, "redecided")
    data = api(a.user(Role.HOSPITAL_ADMIN)).get(f"/api/v1/disputes/{d.pk}/").json()
    assert data["status"] == "decided" and data["decision_round"] == 2 and data["appeal_due"] is None
    assert data["first_decision"]["outcome"] == "upheld" and data["can_appeal"] is False
    assert data["letter_number"] != data["first_decision"]["letter"]


def test_schema_is_valid(dw, api):
    response = api(dw["A"].user(Role.BUREAU_ADMIN)).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/disputes/{id}/decide/" in response.content
