"""Every role signs in through the browser, lands on its own workspace with real figures, and signs out."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login, logout, screenshot

pytestmark = pytest.mark.e2e

# role -> (who in e2e_world, heading, CSS selector of a figure, the figure)
CASES = {
    Role.PLATFORM_ADMIN: ("platform_admin", "平台管理员工作台", "[data-kpi=regions]", "3"),
    Role.PROVINCE_SUPERVISOR: ("supervisor", "省级监管工作台", "#province-regions tfoot td.num >> nth=0", "6"),
    Role.BUREAU_ADMIN: ("A", "医保局管理员工作台", "[data-kpi=hospitals]", "3"),
    Role.BUREAU_STAFF: ("A", "经办人员工作台", "[data-kpi=hospitals]", "3"),
    Role.EXPERT: ("A", "评审专家工作台", "[data-kpi=hospitals]", "3"),
    Role.HOSPITAL_ADMIN: ("A", "医院医保办负责人工作台", "[data-kpi=code]", "H3418000001"),
    Role.HOSPITAL_STAFF: ("A", "医院经办/编码员工作台", "[data-kpi=code]", "H3418000001"),
    Role.AUDITOR: ("A", "监督审计工作台", "[data-kpi=hospitals]", "3"),
}
SCREENSHOT_ROLES = {Role.BUREAU_ADMIN, Role.HOSPITAL_ADMIN, Role.PROVINCE_SUPERVISOR}


def _user(world, role: str):
    who = CASES[role][0]
    return world[who].users[role] if who in ("A", "B", "C") else world[who]


@pytest.mark.parametrize("role", list(CASES))
def test_role_logs_in_sees_workspace_and_logs_out(page, live_server, e2e_world, role):
    _who, heading, selector, figure = CASES[role]
    user = _user(e2e_world, role)
    login(page, live_server, user.username)
    assert page.url.rstrip("/") == live_server.url.rstrip("/")
    expect(page.locator("h1.page-title")).to_have_text(heading)
    expect(page.locator(selector).first).to_have_text(figure)
    expect(page.locator(".topbar .user-name")).to_have_text(user.name)
    if role in SCREENSHOT_ROLES:
        screenshot(page, f"dashboard-{role}")
    page.click(".user-menu summary")
    logout(page)
    expect(page.locator("form#login-form")).to_be_visible()
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url


def test_province_supervisor_sees_only_own_province(page, live_server, e2e_world):
    login(page, live_server, e2e_world["supervisor"].username)
    table = page.locator("#province-regions")
    expect(table).to_contain_text("宣城")
    expect(table).to_contain_text("合肥")
    expect(table).not_to_contain_text("盐城")


def test_switch_to_english_shows_english_navigation(page, live_server, e2e_world):
    login(page, live_server, e2e_world["A"].users[Role.BUREAU_ADMIN].username)
    nav = page.locator("nav.sidenav")
    expect(nav).to_contain_text("工作台")
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    expect(nav).to_contain_text("Dashboard")
    expect(nav).to_contain_text("Audit trail")
    expect(page.locator("h1.page-title")).to_have_text("Bureau administrator workspace")
    screenshot(page, "dashboard-bureau_admin-en")
    page.click(".lang-switch button[value=zh-hans]")
    page.wait_for_load_state()
    expect(page.locator("h1.page-title")).to_have_text("医保局管理员工作台")
