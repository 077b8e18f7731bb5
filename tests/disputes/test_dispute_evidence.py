"""A dispute about a case in no published run (decision 0043): it has a window from the day the case reached
the portal, and the evidence the page asks for is required — one rule in the service, answered on the form
(at the evidence input) and by the API (400 naming `evidence`), checked again when the draft is submitted."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.core.errors import ValidationFailed
from apps.disputes import services
from apps.disputes.models import Attachment, Dispute
from apps.tenants.enums import Role

from .conftest import EXE, PDF, fresh, make, upload

pytestmark = pytest.mark.django_db


def _create(dr, **kw):
    with scopes_disabled():
        return services.dispute_create(actor=dr.user(Role.HOSPITAL_STAFF), hospital=dr.hospital, subject_type="case",
                                       subject_ref=dr.cases[0].settlement_id, claim="主要诊断选择错误", **kw)


def test_service_requires_evidence_for_a_never_settled_case(dw):
    a = dw["A"]
    with pytest.raises(ValidationFailed) as err:
        _create(a)
    assert err.value.code == "evidence_required" and err.value.field == "evidence"
    with pytest.raises(ValidationFailed) as err:  # a file that is not a PDF/JPEG/PNG is refused at the same input
        _create(a, evidence=[upload(EXE, "病案首页.pdf")])
    assert err.value.field == "evidence"
    with scopes_disabled():
        assert not Dispute.objects.filter(case=a.cases[0]).exists()  # nothing half-saved
    d = _create(a, evidence=[upload()])
    assert d.subject_published_at is None and d.window_ends is not None  # its window shows
    with scopes_disabled():
        assert list(Attachment.objects.filter(dispute=d).values_list("step", "original_name")) == [
            ("draft", "evidence.pdf")]


def test_other_subjects_need_no_evidence(dw):
    d = make(dw["A"], "submitted")  # subject "other", no file
    assert d.status == "submitted"


def test_submit_checks_the_rule_again(dw, client):
    """A draft saved before the rule (no file) cannot be submitted until the evidence is attached."""
    a = dw["A"]
    d = _create(a, evidence=[upload()])
    with scopes_disabled():
        Attachment.objects.filter(dispute=d).delete()
    client.force_login(a.user(Role.HOSPITAL_ADMIN))
    assert 'id="evidence-required"' in client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    client.post(reverse("disputes:action", args=[d.pk, "submit"]))
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert "请上传证据材料" in page and fresh(d).status == "draft"
    with scopes_disabled():
        with pytest.raises(ValidationFailed) as err:
            services.dispute_submit(actor=a.user(Role.HOSPITAL_ADMIN), dispute=d)
        assert err.value.field == "evidence" and fresh(d).status == "draft"
        services.attachment_add(actor=a.user(Role.HOSPITAL_STAFF), dispute=d, upload=upload())
        assert services.dispute_submit(actor=a.user(Role.HOSPITAL_ADMIN), dispute=d).status == "submitted"


def test_the_form_shows_the_error_at_the_evidence_input(dw, client):
    a = dw["A"]
    case = a.cases[0]
    client.force_login(a.user(Role.HOSPITAL_STAFF))
    data = {"subject_type": "case", "subject_ref": case.settlement_id, "claim": "分组错误"}
    response = client.post(reverse("disputes:new"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["evidence"] and "请上传证据材料" in form.errors["evidence"][0]
    assert 'enctype="multipart/form-data"' in response.content.decode()
    response = client.post(reverse("disputes:new"), {**data, "evidence": upload()})
    with scopes_disabled():
        d = Dispute.objects.get(case=case)
        assert d.attachments.count() == 1
    assert response.status_code == 302 and response["Location"] == reverse("disputes:detail", args=[d.pk])
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert d.window_ends.isoformat() in page and "evidence.pdf" in page


def test_the_api_answers_400_naming_the_field(dw, api):
    a = dw["A"]
    client = api(a.user(Role.HOSPITAL_STAFF))
    body = {"subject_type": "case", "subject_ref": a.cases[0].settlement_id, "claim": "分组错误"}
    response = client.post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "evidence_required" and list(data["errors"]) == ["evidence"] and data["detail"]
    response = client.post("/api/v1/disputes/", {**body, "evidence": [upload(PDF, "首页.pdf")]}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["window_ends"] and len(response.json()["attachments"]) == 1
