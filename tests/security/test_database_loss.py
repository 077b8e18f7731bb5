"""Losing the database connection during a request gives a clean 503 (bilingual page, JSON under /api/)."""
from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

from apps.tenants.enums import Role


def _failing_execute(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_page_request_gets_503_page_when_queries_fail(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    with mock.patch("django.db.backends.utils.CursorWrapper._execute", _failing_execute):
        response = client.get("/hospitals/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "服务暂时不可用" in body and "Service temporarily unavailable" in body
    assert "Traceback" not in body and response["Retry-After"] == "30"


@pytest.mark.django_db
def test_api_request_gets_json_503(world, api):
    client = api(world["A"].users[Role.BUREAU_STAFF])
    client.raise_request_exception = False
    with mock.patch("django.db.backends.utils.CursorWrapper._execute", _failing_execute):
        response = client.get("/api/v1/hospitals/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db
def test_other_errors_still_give_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    with mock.patch("apps.hospitals.views.render", side_effect=ValueError("boom")):
        response = client.get("/hospitals/")
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_gives_503_then_the_next_request_reconnects():
    from apps.tenants.services import user_create

    user = user_create(actor=None, username="dbloss", password="Test-pass-2026", name="x", memberships=[])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with connection.cursor() as cursor:  # the server ends our session, as in a PostgreSQL restart or failover
        try:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        except Exception:  # noqa: BLE001 - terminating one's own backend errors on the way back
            pass
    response = client.get("/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()
    assert client.get("/").status_code == 200  # the broken connection was discarded, not reused


@pytest.mark.django_db
def test_healthz_answers_without_login_and_reports_a_lost_database():
    client = Client(raise_request_exception=False)
    assert client.get("/core/healthz/").json() == {"status": "ok"}
    with mock.patch("django.db.backends.utils.CursorWrapper._execute", _failing_execute):
        assert client.get("/core/healthz/").status_code == 503
