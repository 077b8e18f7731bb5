"""Portal screens: the hospital applies, attaches and submits; the bureau's queue, intake, assignment
(eligible experts only) and decision; the expert's de-identified review; scoped downloads; the pool."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications.models import Application, Attachment, ExpertProfile
from apps.tenants.enums import Role
from tests.conftest import PASSWORD

from .conftest import PDF, fresh, make


def login(client, user):
    client.force_login(user)
    return client


def test_hospital_applies_attaches_submits_and_withdraws(aw, client):
    a = aw["A"]
    login(client, a.user(Role.HOSPITAL_STAFF))
    page = client.get("/applications/new/").content.decode()
    assert a.cases[0].settlement_id in page and aw["B"].cases[0].settlement_id not in page
    assert a.extra["h2_cases"][0].settlement_id not in page  # another hospital's case
    response = client.post(f"/applications/new/{a.cases[0].pk}/", {"type": "special_case", "reason": "住院超60天"})
    with scopes_disabled():
        app = Application.objects.get(case=a.cases[0])
    assert response.status_code == 302 and response["Location"] == f"/applications/{app.pk}/"
    client.post(f"/applications/{app.pk}/submit/")
    assert fresh(app).status == "draft"  # the summary is missing
    client.post(f"/applications/{app.pk}/attach/", {"kind": "medical_record_summary",
                                                     "file": SimpleUploadedFile("病案.pdf", PDF)})
    client.post(f"/applications/{app.pk}/submit/")
    assert fresh(app).status == "submitted"
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert "病案.pdf" in page and 'id="timeline"' in page and "application.submitted" in page
    listing = client.get("/applications/?status=submitted").content.decode()
    assert f'data-id="{app.pk}"' in listing
    client.post(f"/applications/{app.pk}/withdraw/", {"reason": "改为下月申请"})
    assert fresh(app).status == "withdrawn"
    assert client.get(f"/applications/new/{aw['B'].cases[0].pk}/").status_code == 404


def test_resubmit_after_return(aw, client):
    a = aw["A"]
    app = make(a, "returned")
    login(client, a.user(Role.HOSPITAL_ADMIN))
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert "缺病程记录" in page
    client.post(f"/applications/{app.pk}/edit/", {"reason": "已补充病程记录", "secondary_drg_code": ""})
    client.post(f"/applications/{app.pk}/submit/")
    app = fresh(app)
    assert app.status == "submitted" and app.reason == "已补充病程记录"


def test_bureau_queue_filters_and_overdue(aw, client):
    a = aw["A"]
    late = make(a, "assigned", case_index=0)
    make(a, "submitted", case_index=1, type="special_case")
    make(aw["B"], "submitted", case_index=0)
    with scopes_disabled():
        Application.objects.filter(pk=late.pk).update(review_due=timezone.localdate() - dt.timedelta(days=2))
    login(client, a.user(Role.BUREAU_STAFF))
    page = client.get("/applications/").content.decode()
    assert page.count("<tr data-id=") == 2 and 'class="overdue"' in page and 'data-overdue="1"' in page
    assert client.get("/applications/?type=special_case").content.decode().count("<tr data-id=") == 1
    assert client.get("/applications/?status=overdue").content.decode().count("<tr data-id=") == 1
    assert client.get(f"/applications/?hospital={a.world.hospitals[1].code}").content.decode().count("<tr data-id=") == 0
    dashboard = client.get("/").content.decode()
    assert 'id="widget-applications_bureau"' in dashboard and 'data-kpi="overdue" class="badge-bad">1<' in dashboard
    assert 'id="close-review-form"' in client.get(f"/applications/{late.pk}/").content.decode()
    client.post(f"/applications/{late.pk}/close/")
    assert fresh(late).status == "reviewed"


def test_bureau_intake_assign_and_decide_on_screens(aw, client):
    a = aw["A"]
    app = make(a, "submitted")
    login(client, a.user(Role.BUREAU_STAFF))
    client.post(f"/applications/{app.pk}/return/", {"reason": ""})
    assert fresh(app).status == "submitted"  # a reason is required
    client.post(f"/applications/{app.pk}/accept/")
    assert fresh(app).status == "under_review"
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="assign-form"' in page
    assert a.conflicted.username not in page  # the affiliated expert is not offered
    for e in a.experts:
        assert f'value="{e.pk}"' in page
    client.post(f"/applications/{app.pk}/assign/", {"experts": [str(e.pk) for e in a.experts]})
    with scopes_disabled():
        assert app.assignments.count() == 3
        from apps.applications import services

        for i, e in enumerate(a.experts):
            services.submit_opinion(actor=e, application=fresh(app), verdict="approve", unreasonable_cost=100 * i)
    login(client, a.user(Role.BUREAU_STAFF))
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="suggestion"' in page and 'data-kpi="median"' in page and 'id="decide"' not in page
    login(client, a.user(Role.BUREAU_ADMIN))
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="decide-form"' in page
    client.post(f"/applications/{app.pk}/decide/", {"outcome": "partial", "unreasonable_cost": "100",
                                                    "reason": "采纳中位数"})
    app = fresh(app)
    assert (app.status, app.outcome, str(app.unreasonable_cost)) == ("approved", "partial", "100.00")


def test_expert_sees_a_de_identified_case_and_gives_an_opinion(aw, client):
    a = aw["A"]
    app = make(a, "assigned")
    with scopes_disabled():
        c = app.case
    expert = a.experts[0]
    login(client, expert)
    assert client.get("/applications/").status_code == 302  # experts go to their assignments
    mine = client.get("/applications/assignments/").content.decode()
    assert f'data-id="{app.pk}"' in mine and a.hospital.name not in mine
    assert client.get(f"/applications/{app.pk}/").status_code == 302
    page = client.get(f"/applications/{app.pk}/review/").content.decode()
    for secret in (c.settlement_id, c.patient_hash, a.hospital.name, a.hospital.code, "summary.pdf"):
        assert secret not in page
    assert str(c.total_cost) in page and 'id="opinion-form"' in page
    client.post(f"/applications/{app.pk}/opinion/", {"verdict": "reject", "unreasonable_cost": "0",
                                                     "comment": "资料不足"})
    with scopes_disabled():
        assert app.assignments.get(expert=expert).opinion.verdict == "reject"
    assert 'id="widget-applications_expert"' in client.get("/").content.decode()
    login(client, a.conflicted)
    assert client.get(f"/applications/{app.pk}/review/").status_code == 404
    login(client, aw["B"].experts[1])
    assert client.get(f"/applications/{app.pk}/review/").status_code == 404


def test_expert_declines_on_screen(aw, client):
    a = aw["A"]
    app = make(a, "assigned")
    login(client, a.experts[1])
    client.post(f"/applications/{app.pk}/decline/", {"reason": "本人为该患者主治医师"})
    with scopes_disabled():
        assert app.assignments.get(expert=a.experts[1]).status == "declined"


@pytest.mark.parametrize(("key", "status"), [
    ("hospital_staff", 200), ("bureau_staff", 200), ("auditor", 200), ("expert_assigned", 200),
    ("expert_unassigned", 404), ("other_hospital", 404), ("B_bureau_admin", 404)])
def test_attachment_download_is_scoped(aw, client, key, status):
    from .roles import actor

    a = aw["A"]
    app = make(a, "assigned")
    with scopes_disabled():
        attachment = Attachment.objects.get(application=app)
    login(client, actor(aw, key))
    response = client.get(f"/applications/attachments/{attachment.pk}/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        name = "summary.pdf" if key != "expert_assigned" else f"medical_record_summary-{attachment.pk}.pdf"
        assert name in response["Content-Disposition"]


def test_expert_pool_screen(aw, client):
    a = aw["A"]
    from apps.tenants.services import user_create

    with scopes_disabled():
        new = user_create(actor=None, username="pool_screen", password=PASSWORD,
                          memberships=[{"role": Role.EXPERT, "region": a.region}])
    login(client, a.user(Role.BUREAU_ADMIN))
    page = client.get("/applications/experts/").content.decode()
    assert 'id="expert-form"' in page and aw["B"].experts[1].username not in page
    client.post("/applications/experts/", {"region": a.region.pk, "user": new.pk, "specialty": "普外科",
                                           "hospital": a.world.hospitals[1].pk, "active": "on"})
    with scopes_disabled():
        assert ExpertProfile.objects.get(user=new).hospital == a.world.hospitals[1]
    login(client, a.user(Role.BUREAU_STAFF))
    page = client.get("/applications/experts/").content.decode()
    assert "pool_screen" in page and 'id="expert-form"' not in page
    login(client, a.user(Role.HOSPITAL_STAFF))
    assert client.get("/applications/experts/").status_code == 403


def test_hospital_widget_shows_returned(aw, client):
    a = aw["A"]
    make(a, "returned")
    login(client, a.user(Role.HOSPITAL_STAFF))
    html = client.get("/").content.decode()
    assert 'id="widget-applications_hospital"' in html and 'data-kpi="returned">1<' in html
