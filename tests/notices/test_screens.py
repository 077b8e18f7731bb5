"""Screens: bureau list / create with addressee picker / preview / publish / withdraw / acknowledgement
status; hospital inbox with unread and unacknowledged counts, detail, acknowledge, download; prepare buttons."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.notices.models import Acknowledgement, Notice
from apps.tenants.enums import Role

from .conftest import fresh, hospital_user, make_notice, publish


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_bureau_creates_previews_and_publishes(world):
    a = world["A"]
    client = login(a.users[Role.BUREAU_ADMIN])
    assert client.get("/notices/new/").status_code == 200
    r = client.post("/notices/new/", {"type": "training", "title": "关于举办DRG培训班的通知", "body": "请参加。\n第二段。",
                                      "mode": "hospitals", "hospitals": [a.hospitals[1].code], "region": "341800"})
    assert r.status_code == 302, r.content.decode()[:2000]
    with scopes_disabled():
        notice = Notice.objects.get(title="关于举办DRG培训班的通知")
    assert notice.addressees == {"hospitals": [a.hospitals[1].code]}
    page = client.get(f"/notices/{notice.pk}/")
    assert page.status_code == 200 and "publish-form" in page.content.decode()
    preview = client.get(f"/notices/{notice.pk}/preview/")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert fresh(notice).sha256 == ""  # a preview stores nothing
    r = client.post(f"/notices/{notice.pk}/edit/", {"type": "training", "title": "关于举办DRG培训班的通知（二）",
                                                    "mode": "levels", "levels": ["1", "2"]})
    assert r.status_code == 302 and fresh(notice).addressees == {"levels": [1, 2]}
    r = client.post(f"/notices/{notice.pk}/publish/")
    assert r.status_code == 302
    notice = fresh(notice)
    assert notice.status == "published" and notice.sha256
    assert client.get(f"/notices/{notice.pk}/preview/").status_code == 302  # → the stored file
    ack = client.get(f"/notices/{notice.pk}/acknowledgements/")
    assert ack.status_code == 200 and a.hospitals[1].name in ack.content.decode()
    r = client.post(f"/notices/{notice.pk}/withdraw/", {"reason": "时间调整"})
    assert r.status_code == 302 and fresh(notice).status == "withdrawn"


def test_form_errors_are_shown(world):
    client = login(world["A"].users[Role.BUREAU_STAFF])
    r = client.post("/notices/new/", {"type": "general", "title": "x", "mode": "hospitals"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()


def test_staff_cannot_publish_from_the_screen(world):
    notice = make_notice(world)
    r = login(world["A"].users[Role.BUREAU_STAFF]).post(f"/notices/{notice.pk}/publish/")
    assert r.status_code == 403
    assert fresh(notice).status == "draft"


def test_hospital_inbox_counts_acknowledge_and_download(world):
    a = world["A"]
    one = publish(world, make_notice(world, title="第一份通知"))
    publish(world, make_notice(world, title="第二份通知"))
    publish(world, make_notice(world, title="给中医院的通知", addressees={"hospitals": [a.hospitals[1].code]}))
    client = login(a.users[Role.HOSPITAL_STAFF])
    assert client.get("/notices/").status_code == 302  # hospital users land in their inbox
    inbox = client.get("/notices/inbox/").content.decode()
    assert "第一份通知" in inbox and "给中医院的通知" not in inbox
    assert 'data-kpi="unread">2<' in inbox and 'data-kpi="unacknowledged">2<' in inbox
    page = client.get(f"/notices/{one.pk}/").content.decode()
    assert "acknowledge-form" in page
    assert client.post(f"/notices/{one.pk}/acknowledge/").status_code == 302
    assert client.post(f"/notices/{one.pk}/acknowledge/").status_code == 302
    with scopes_disabled():
        assert Acknowledgement.objects.filter(notice=one).count() == 1
    inbox = client.get("/notices/inbox/").content.decode()
    assert 'data-kpi="unread">1<' in inbox and 'data-kpi="unacknowledged">1<' in inbox
    pdf = client.get(f"/notices/{one.pk}/pdf/?download=1")
    assert pdf.status_code == 200 and pdf["Content-Disposition"].startswith("attachment")
    # the dashboard widget shows the counts
    home = client.get("/").content.decode()
    assert 'data-kpi="notices-unacknowledged">1<' in home
    # another hospital's notice and drafts are 404
    other = publish(world, make_notice(world, title="只给社区", addressees={"hospitals": [a.hospitals[2].code]}))
    assert client.get(f"/notices/{other.pk}/").status_code == 404
    assert client.get(f"/notices/{make_notice(world).pk}/").status_code == 404


def test_bureau_widget_and_missing_acknowledgements(world):
    publish(world, make_notice(world))
    client = login(world["A"].users[Role.BUREAU_ADMIN])
    home = client.get("/").content.decode()
    assert 'data-kpi="notice-missing">3<' in home
    listing = client.get("/notices/?status=published").content.decode()
    assert "0 / 3" in listing


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EXPERT])
def test_readers_and_experts(world, role):
    notice = publish(world, make_notice(world))
    client = login(world["A"].users[role])
    expected = 200 if role == Role.AUDITOR else 404
    assert client.get(f"/notices/{notice.pk}/").status_code == expected


def test_prepare_buttons(sources):
    world = sources["world"]
    client = login(world["A"].users[Role.BUREAU_ADMIN])
    page = client.get(reverse("settlement:coefficient_version", args=[sources["coefficients"].pk]))
    assert page.status_code == 200 and "prepare-notice-coefficients" in page.content.decode()
    page = client.get(reverse("settlement:run_detail", args=[sources["run"].pk]))
    assert page.status_code == 200 and "prepare-notice-run" in page.content.decode()
    assert "prepare-notice-run-points" in page.content.decode()
    r = client.post(f"/notices/prepare/coefficients/{sources['coefficients'].pk}/")
    assert r.status_code == 302
    with scopes_disabled():
        notice = Notice.objects.get(source_kind="coefficient_version")
    assert r["Location"] == f"/notices/{notice.pk}/"
    r = client.post(f"/notices/prepare/run/{sources['run'].pk}/")
    assert r.status_code == 302
    with scopes_disabled():
        assert Notice.objects.filter(source_kind="settlement_run", status="draft").count() >= 2
    r = client.post(f"/notices/prepare/stats/{sources['stats'].pk}/")
    assert r.status_code == 302
    assert login(world["A"].users[Role.HOSPITAL_ADMIN]).post(
        f"/notices/prepare/stats/{sources['stats'].pk}/").status_code == 404
    r = client.post("/notices/prepare/review-results/", {"year": "2025"})
    assert r.status_code == 302  # no approved application: an error message, back to the list


def test_hospital_user_of_another_hospital_sees_nothing(world):
    publish(world, make_notice(world, addressees={"hospitals": [world["A"].hospitals[0].code]}))
    client = login(hospital_user(world, index=2))
    assert 'data-kpi="total">0<' in client.get("/notices/inbox/").content.decode()
