"""The landing page's cost (issue 21): at most 10 SQL queries once the widgets' data is cached, for the bureau,
the hospital and the province supervisor with data present — and the cache never hides an action's result."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from apps.core import dashboard
from apps.disputes import services as dispute_services
from apps.notifications.models import Notification
from apps.tenants.enums import Role
from tests.disputes.conftest import build_dw, make

MAX_QUERIES = 10
LAST: list = []


@pytest.fixture
def busy(world, settings, tmp_path):
    """Region A with disputes in several states (and the audit trail, notifications they leave behind)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    dw = build_dw(world)
    a = dw["A"]
    for state in ("submitted", "submitted", "accepted", "under_review", "decided", "draft"):
        make(a, state)
    make(dw["B"], "submitted")
    return dw


def visit(client, user) -> tuple[dict, int]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    # the test's transaction turns the session save's atomic block into SAVEPOINT/RELEASE: not queries in production
    LAST[:] = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    return {w["key"]: w["data"] for w in response.context["widgets"]}, len(LAST)


@pytest.mark.parametrize("who", [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.HOSPITAL_STAFF, Role.EXPERT, "supervisor"])
def test_a_warm_dashboard_costs_at_most_ten_queries(client, busy, who):
    user = busy["world"]["supervisor"] if who == "supervisor" else busy["A"].user(who)
    cold, cold_queries = visit(client, user)
    warm, warm_queries = visit(client, user)
    assert warm_queries <= MAX_QUERIES, "\n".join(q["sql"][:150] for q in LAST)
    assert warm_queries < cold_queries
    assert set(warm) == set(cold) and warm
    if who == "supervisor":
        assert {row["region"].code for row in warm["province_regions"]["rows"]} == {"341800", "340100"}
        assert warm["province_regions"]["total"]["hospitals"] == 6
    if who in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF):
        assert warm["disputes_bureau"]["submitted"] == cold["disputes_bureau"]["submitted"] == 2  # B's one is not ours
        assert warm["region_overview"]["regions"][0]["hospitals"] == 3
    if who == Role.HOSPITAL_STAFF:
        assert warm["disputes_hospital"]["drafts"] == 1 and warm["disputes_hospital"]["decided"] == 1


def test_an_action_shows_on_the_next_visit(client, busy):
    """Submitting a dispute writes an audit event of the region: the bureau's next dashboard recomputes."""
    bureau = busy["A"].user(Role.BUREAU_STAFF)
    before, _ = visit(client, bureau)
    assert before["disputes_bureau"]["submitted"] == 2
    with scopes_disabled():
        draft = make(busy["A"], "draft")
        dispute_services.dispute_submit(actor=busy["A"].user(Role.HOSPITAL_ADMIN), dispute=draft)
    after, _ = visit(client, bureau)
    assert after["disputes_bureau"]["submitted"] == 3


def test_another_regions_action_keeps_the_cache(client, busy):
    bureau = busy["A"].user(Role.BUREAU_STAFF)
    visit(client, bureau)
    _, warm = visit(client, bureau)
    make(busy["B"], "submitted")  # audit events of region B only
    data, queries = visit(client, bureau)
    assert queries == warm and data["disputes_bureau"]["submitted"] == 2


def test_unread_notifications_are_not_cached(client, busy):
    """Reading a notification is not audited, so that widget is read on every visit (one query)."""
    user = busy["A"].user(Role.BUREAU_STAFF)
    first, _ = visit(client, user)
    unread = first.get("notifications_unread", {"count": 0})["count"]
    with scopes_disabled():
        Notification.objects.filter(user=user).update(read_at=None)
        total = Notification.objects.filter(user=user).count()
        Notification.objects.filter(user=user).update(read_at="2026-01-01T00:00:00Z")
    second, _ = visit(client, user)
    assert total >= unread and "notifications_unread" not in second


def test_each_user_has_own_cache_entry(client, busy):
    """Two users of one region never share cached data: the key carries the user and their access."""
    visit(client, busy["A"].user(Role.BUREAU_STAFF))
    data, _ = visit(client, busy["A"].user(Role.HOSPITAL_STAFF))
    assert "disputes_bureau" not in data and data["disputes_hospital"]["drafts"] == 1
    assert dashboard.WIDGETS["disputes_bureau"].cached and not dashboard.WIDGETS["notifications_unread"].cached
