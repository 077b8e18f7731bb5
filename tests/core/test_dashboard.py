"""The landing page: a workspace per role whose figures count only the caller's own rows."""
from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from apps.core import dashboard
from apps.hospitals.services import hospital_create
from apps.tenants.enums import Role
from apps.tenants.services import policy_get_or_create


@pytest.fixture
def busy_world(world):
    """Region B gets an extra hospital and a policy year, so any leak into A's figures would show."""
    with scopes_disabled():
        hospital_create(actor=None, region=world["B"].region, code="H3401009999", name="合肥妇幼保健院", level=2,
                        grade="甲", type="maternal", drg_enabled_from=dt.date(2024, 1, 1))
        policy_get_or_create(region=world["B"].region, year=2025)
        policy_get_or_create(region=world["A"].region, year=2026)
    return world


def get_dashboard(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def widget(response, key):
    found = [w["data"] for w in response.context["widgets"] if w["key"] == key]
    return found[0] if found else None


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR])
def test_bureau_and_auditor_count_only_their_region(client, busy_world, role):
    response = get_dashboard(client, busy_world["A"].users[role])
    data = widget(response, "region_overview")
    assert [r["region"].code for r in data["regions"]] == ["341800"]
    region = data["regions"][0]
    assert region["hospitals"] == 3  # B has 4
    assert region["drg_enabled"] == 2  # the community centre is not DRG-paid
    assert region["users"] == 6
    assert region["policy_years"] == [2026]
    assert {row["n"] for row in region["by_level"]} == {1}
    assert sum(row["n"] for row in region["by_type"]) == 3
    assert widget(response, "province_regions") is None
    assert widget(response, "platform_overview") is None


def test_region_b_sees_its_own_figures(client, busy_world):
    data = widget(get_dashboard(client, busy_world["B"].users[Role.BUREAU_ADMIN]), "region_overview")
    assert data["regions"][0]["hospitals"] == 4
    assert data["regions"][0]["policy_years"] == [2025]


def test_bureau_admin_heading_and_recent_audit_events_are_own_region(client, busy_world):
    response = get_dashboard(client, busy_world["A"].users[Role.BUREAU_ADMIN])
    assert "医保局管理员工作台" in response.content.decode()
    events = widget(response, "recent_audit")["events"]
    assert events and {e.region_id for e in events} == {busy_world["A"].region.pk}


def test_bureau_staff_has_no_audit_widget(client, busy_world):
    assert widget(get_dashboard(client, busy_world["A"].users[Role.BUREAU_STAFF]), "recent_audit") is None


@pytest.mark.parametrize("role", [Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF])
def test_hospital_roles_see_their_hospital_card(client, busy_world, role):
    response = get_dashboard(client, busy_world["A"].users[role])
    data = widget(response, "my_hospital")
    assert [item["hospital"].code for item in data["hospitals"]] == ["H3418000001"]
    assert data["hospitals"][0]["colleagues"] == 1  # the other hospital role of the same hospital only
    assert widget(response, "region_overview") is None
    body = response.content.decode()
    assert "H3418000001" in body and "三级" in body and "2024-01-01" in body
    assert "H3401000001" not in body


def test_expert_sees_affiliation_and_region(client, busy_world):
    response = get_dashboard(client, busy_world["A"].users[Role.EXPERT])
    data = widget(response, "expert_profile")
    assert [h.code for h in data["affiliations"]] == ["H3418000002"]
    assert [(r["region"].code, r["hospitals"]) for r in data["regions"]] == [("341800", 3)]
    assert "评审专家工作台" in response.content.decode()


def test_province_supervisor_compares_own_province_only(client, busy_world):
    response = get_dashboard(client, busy_world["supervisor"])
    data = widget(response, "province_regions")
    rows = {row["region"].code: row for row in data["rows"]}
    assert set(rows) == {"341800", "340100"}  # 盐城 is in another province
    assert rows["340100"]["hospitals"] == 4 and rows["341800"]["hospitals"] == 3
    assert rows["341800"]["drg_enabled"] == 2 and rows["340100"]["drg_enabled"] == 3
    assert rows["341800"]["users"] == 6
    assert data["total"] == {"hospitals": 7, "drg_enabled": 5, "users": 12}
    assert "省级监管工作台" in response.content.decode()


def test_platform_admin_sees_platform_totals(client, busy_world):
    data = widget(get_dashboard(client, busy_world["platform_admin"]), "platform_overview")
    assert data["regions"] == 3 and data["provinces"] == 2
    assert data["hospitals"] == 10
    assert data["users"] == 3 * 6 + 2


def test_registered_widget_shows_for_its_roles_only(client, world):
    calls = []

    def context(request):
        calls.append(request.user.username)
        return {"answer": 42}

    dashboard.register_widget("test_widget", {Role.AUDITOR}, "core/widgets/platform_overview.html", context, order=1)
    try:
        assert widget(get_dashboard(client, world["A"].users[Role.AUDITOR]), "test_widget") == {"answer": 42}
        assert widget(get_dashboard(client, world["A"].users[Role.HOSPITAL_STAFF]), "test_widget") is None
        assert calls == [world["A"].users[Role.AUDITOR].username]
    finally:
        dashboard.WIDGETS.pop("test_widget")


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_broken_widget_does_not_break_the_page(client, world, caplog):
    def broken(request):
        raise RuntimeError("boom")

    dashboard.register_widget("broken_widget", {Role.AUDITOR}, "core/widgets/platform_overview.html", broken, order=1)
    dashboard.register_widget("missing_template", {Role.AUDITOR}, "nowhere/none.html", lambda r: {}, order=2)
    try:
        response = get_dashboard(client, world["A"].users[Role.AUDITOR])
        body = response.content.decode()
        assert body.count("widget-unavailable") == 2
        assert widget(response, "region_overview")["regions"][0]["hospitals"] == 3
        assert "broken_widget" in caplog.text
    finally:
        dashboard.WIDGETS.pop("broken_widget")
        dashboard.WIDGETS.pop("missing_template")
