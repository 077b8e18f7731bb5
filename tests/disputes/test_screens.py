"""Screens: raise from the disputed object's own page, the bureau queue with deadlines and overdue highlighting,
the detail page's actions per role, the expert's list, statistics, dashboard widgets; the daily digest task."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.disputes import letter
from apps.disputes.models import Dispute
from apps.disputes.tasks import daily_digest_task
from apps.notifications.models import Notification
from apps.tenants.enums import Role

from .conftest import PDF, fresh, make, upload


@pytest.fixture(autouse=True)
def fast_letters(monkeypatch):
    monkeypatch.setattr(letter, "render_pdf", lambda document: PDF)


def test_raise_button_on_the_case_page_only_for_its_hospital(dw, client):
    a = dw["A"]
    case = a.cases[0]
    client.force_login(a.user(Role.HOSPITAL_STAFF))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-raise-dispute="case"' in page and f"subject_ref={case.settlement_id}" in page
    client.force_login(a.user(Role.BUREAU_STAFF))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "data-raise-dispute" not in page
    # the form opens pre-filled and saves a draft
    client.force_login(a.user(Role.HOSPITAL_STAFF))
    url = reverse("disputes:new") + f"?subject_type=case&subject_ref={case.settlement_id}"
    page = client.get(url).content.decode()
    assert f'value="{case.settlement_id}"' in page
    response = client.post(url, {"subject_type": "case", "subject_ref": case.settlement_id, "claim": "分组错误",
                                 "requested_outcome": "改组", "evidence": upload()})
    with scopes_disabled():
        d = Dispute.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("disputes:detail", args=[d.pk])


def test_bureau_queue_highlights_overdue(dw, client):
    a = dw["A"]
    late, fine = make(a, "submitted"), make(a, "submitted")
    with scopes_disabled():
        Dispute.objects.filter(pk=late.pk).update(accept_due=dt.date(2020, 1, 2))
    make(dw["B"], "submitted")
    client.force_login(a.user(Role.BUREAU_STAFF))
    page = client.get(reverse("disputes:list") + "?status=open").content.decode()
    assert f'data-id="{late.pk}" data-status="submitted" class="overdue"' in page
    assert f'data-id="{fine.pk}" data-status="submitted">' in page
    assert page.count("<tr data-id=") == 2  # region B is not listed
    page = client.get(reverse("disputes:list") + "?due=overdue").content.decode()
    assert page.count("<tr data-id=") == 1
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-kpi="dispute_overdue"' in page


def test_detail_actions_per_role_through_the_screens(dw, client):
    a = dw["A"]
    d = make(a, "draft", subject_type="case")
    client.force_login(a.user(Role.HOSPITAL_STAFF))
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert 'id="withdraw-form"' in page and 'id="submit-form"' not in page  # staff drafts, the head submits
    client.force_login(a.user(Role.HOSPITAL_ADMIN))
    client.post(reverse("disputes:action", args=[d.pk, "submit"]))
    assert fresh(d).status == "submitted"
    client.force_login(a.user(Role.BUREAU_STAFF))
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert 'id="accept-form"' in page and 'id="decide-form"' not in page
    client.post(reverse("disputes:action", args=[d.pk, "accept"]))
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert 'id="assign-form"' in page and a.conflicted.username not in page and str(a.experts[1]) in page
    client.post(reverse("disputes:action", args=[d.pk, "assign"]), {"experts": [a.experts[1].pk]})
    assert fresh(d).status == "under_review"
    client.force_login(a.experts[1])
    assert client.get(reverse("disputes:assignments")).content.decode().count(f'data-id="{d.pk}"') == 1
    client.post(reverse("disputes:action", args=[d.pk, "opinion"]), {"suggestion": "adjusted", "comment": "应改组"})
    client.force_login(a.user(Role.BUREAU_ADMIN))
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert 'name="drg_code"' in page and 'name="coefficient"' not in page and "应改组" in page
    client.post(reverse("disputes:action", args=[d.pk, "decide"]), {"outcome": "upheld", "reason": "分组正确"})
    d = fresh(d)
    assert d.status == "decided" and d.letter_number
    client.force_login(a.user(Role.HOSPITAL_ADMIN))
    page = client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    assert 'id="letter-link"' in page and 'id="appeal-form"' in page and 'id="acknowledge-form"' in page
    client.post(reverse("disputes:action", args=[d.pk, "acknowledge"]))
    assert fresh(d).status == "closed"
    # the other hospital's user and region B get 404 on the screens
    client.force_login(a.other_hospital_user)
    assert client.get(reverse("disputes:detail", args=[d.pk])).status_code == 404
    client.force_login(dw["B"].user(Role.BUREAU_ADMIN))
    assert client.post(reverse("disputes:action", args=[d.pk, "comment"]), {"text": "x"}).status_code == 404


def test_statistics_view(dw, client):
    a = dw["A"]
    make(a, "decided", outcome="partial", adjustment="核减")
    make(a, "closed")
    make(a, "submitted")
    make(dw["B"], "decided")
    client.force_login(a.user(Role.BUREAU_ADMIN))
    response = client.get(reverse("disputes:stats"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong data-kpi="total">3</strong>' in page and '<strong data-kpi="decided">2</strong>' in page
    assert '<strong data-kpi="median_days">0.0</strong>' in page  # accepted and decided the same day
    assert f'data-hospital="{a.hospital.code}"' in page and dw["B"].hospital.code not in page


def test_daily_digest_marks_overdue_and_notifies_the_bureau(dw):
    a = dw["A"]
    late = make(a, "accepted")
    with scopes_disabled():
        Dispute.objects.filter(pk=late.pk).update(decision_due=dt.date(2020, 1, 2))
        old_decision = make(a, "decided")
        Dispute.objects.filter(pk=old_decision.pk).update(appeal_due=dt.date(2020, 1, 2))
    regions = daily_digest_task.delay().get()
    assert a.region.pk in regions
    assert fresh(late).overdue is True
    assert fresh(old_decision).status == "closed" and fresh(old_decision).closed_reason == "appeal_window"
    with scopes_disabled():
        staff = Notification.objects.filter(kind="dispute.digest", user=a.user(Role.BUREAU_STAFF))
        assert staff.count() == 1 and f"#{late.pk}" in staff.get().body
        assert not Notification.objects.filter(kind="dispute.digest", user=a.user(Role.HOSPITAL_ADMIN)).exists()
        assert not Notification.objects.filter(kind="dispute.digest", region=dw["B"].region).exists()
