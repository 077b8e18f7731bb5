"""Notifications: rows per recipient, e-mail after commit (locmem), inbox screen, API, template tag and
dashboard widget; nobody reads another user's notifications."""
from __future__ import annotations

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django_scopes import scopes_disabled

from apps.notifications.models import Notification
from apps.notifications.services import mark_all_read, notify
from apps.tenants.enums import Role
from tests.conftest import PASSWORD


@pytest.fixture
def people(world):
    a = world["A"]
    staff, admin = a.users[Role.HOSPITAL_STAFF], a.users[Role.HOSPITAL_ADMIN]
    staff.email = "coder@example.org"
    staff.save()
    return {"A": a, "staff": staff, "admin": admin, "B": world["B"].users[Role.HOSPITAL_STAFF]}


def _send(people, **kw):
    with scopes_disabled():
        return notify(users=[people["staff"], people["admin"], people["staff"]], region=people["A"].region,
                      title=kw.get("title", "申请已退回"), body="请补充病程记录", url="/applications/1/",
                      kind="application.returned")


def test_notify_creates_one_row_per_user_and_mails_after_commit(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = _send(people)
    assert len(rows) == 2
    assert len(mail.outbox) == 1  # only the user with an address
    assert mail.outbox[0].to == ["coder@example.org"] and mail.outbox[0].subject == "申请已退回"
    assert "/applications/1/" in mail.outbox[0].body
    with scopes_disabled():
        assert Notification.objects.get(user=people["staff"]).emailed is True
        assert Notification.objects.get(user=people["admin"]).emailed is False


def test_no_mail_when_the_transaction_rolls_back(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(people)
    assert len(callbacks) == 1 and mail.outbox == []


def test_inbox_screen_mark_read_and_all_read(people, client):
    _send(people)
    _send(people, title="第二条")
    client.login(username=people["staff"].username, password=PASSWORD)
    page = client.get("/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "申请已退回" in html and "第二条" in html and 'id="unread-count"' in html
    with scopes_disabled():
        first = Notification.objects.filter(user=people["staff"]).order_by("id").first()
        others = Notification.objects.get(user=people["admin"], title="第二条")
    response = client.post(f"/inbox/{first.pk}/read/", {"go": "1"})
    assert response.status_code == 302 and response["Location"] == "/applications/1/"
    assert client.post(f"/inbox/{others.pk}/read/").status_code == 404  # another user's
    client.post("/inbox/read-all/")
    with scopes_disabled():
        assert not Notification.objects.filter(user=people["staff"], read_at__isnull=True).exists()
        assert Notification.objects.filter(user=people["admin"], read_at__isnull=True).count() == 2


def test_api_lists_own_and_marks_read(people, api):
    _send(people)
    client = api(people["staff"])
    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 1 and body["results"][0]["read"] is False
    pk = body["results"][0]["id"]
    assert client.post(f"/api/v1/notifications/{pk}/read/").json()["read"] is True
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 0
    assert api(people["admin"]).post(f"/api/v1/notifications/{pk}/read/").status_code == 404
    assert api(people["B"]).get("/api/v1/notifications/").json()["count"] == 0
    assert api(people["B"]).get(f"/api/v1/notifications/{pk}/").status_code == 404


def test_unread_count_tag_and_widget(people, client):
    _send(people)
    request = RequestFactory().get("/")
    request.user = people["staff"]
    rendered = Template("{% load notifications_tags %}{% unread_count %}").render(Context({"request": request}))
    assert rendered == "1"
    with scopes_disabled():
        mark_all_read(user=people["staff"])
    assert Template("{% load notifications_tags %}{% unread_count %}").render(Context({"request": request})) == "0"
    _send(people, title="仪表盘提醒")
    client.login(username=people["staff"].username, password=PASSWORD)
    html = client.get("/").content.decode()
    assert 'id="widget-notifications_unread"' in html and "仪表盘提醒" in html
    assert 'href="/inbox/"' in html  # the navigation entry


def test_a_translatable_notification_reads_in_each_readers_language(people, client, api):
    """Issue 18: stored texts follow the reader's language. A sender gives callables; notify stores every
    language; the inbox (zh-hans, then en) and the API answer in the reader's."""
    from django.utils.translation import gettext as _

    with scopes_disabled():
        [row, _admin_row] = notify(
            users=[people["staff"], people["admin"]], region=people["A"].region, kind="settlement.advance_release",
            title=lambda: _("Advance for %(period)s released") % {"period": "2026-11"},
            body=lambda: _("Run version %(v)s of %(period)s pays your advance again.") % {"v": 2, "period": "2026-11"})
    assert row.title_i18n == {"zh-hans": "2026-11 预付款已恢复", "en": "Advance for 2026-11 released"}
    assert row.body_i18n["en"] == "Run version 2 of 2026-11 pays your advance again."
    client.login(username=people["staff"].username, password=PASSWORD)
    assert "2026-11 预付款已恢复" in client.get("/inbox/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get("/inbox/").content.decode()
    assert "Advance for 2026-11 released" in page and "Run version 2 of 2026-11 pays your advance again." in page
    assert "预付款已恢复" not in page
    api_client = api(people["staff"])
    titles = [n["title"] for n in api_client.get("/api/v1/notifications/?lang=en").json()["results"]]
    assert titles == ["Advance for 2026-11 released"]
    assert api_client.get("/api/v1/notifications/").json()["results"][0]["title"] == "2026-11 预付款已恢复"

