"""Browser checks of the shell's own screens: login errors, the calendar and the audit trail."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_wrong_password_shows_an_error(page, live_server, e2e_world):
    page.goto(f"{live_server.url}/login/")
    screenshot(page, "login")
    page.fill("input[name=username]", e2e_world["A"].users[Role.BUREAU_ADMIN].username)
    page.fill("input[name=password]", "wrong-password")
    page.click("form#login-form button[type=submit]")
    expect(page.locator(".auth-card .errors")).to_be_visible()
    assert "/login/" in page.url


def test_bureau_loads_holidays_adds_a_day_and_sees_it_audited(page, live_server, e2e_world):
    login(page, live_server, e2e_world["A"].users[Role.BUREAU_ADMIN].username)
    page.click("nav.sidenav >> text=工作日历")
    page.goto(f"{live_server.url}/core/calendar/?year=2026")
    page.click("text=导入 2026 年全国节假日安排")
    expect(page.locator(".message-success")).to_contain_text("已导入 2026 年全国节假日安排")
    expect(page.locator("#calendar-days tr[data-date='2026-02-14']")).to_contain_text("调休上班日")
    page.fill("#calendar-add-form input[name=date]", "2026-03-03")
    page.select_option("#calendar-add-form select[name=kind]", "holiday")
    page.fill("#calendar-add-form input[name=name]", "地方假日")
    page.click("#calendar-add-form button[type=submit]")
    expect(page.locator("#calendar-days tr[data-date='2026-03-03']")).to_contain_text("地方假日")
    page.evaluate("window.__no_reload = true")  # htmx swaps the result in place: the page must not reload
    page.fill("#calc-form input[name=start]", "2026-02-13")
    page.fill("#calc-form input[name=days]", "2")
    page.click("#calc-form button[type=submit]")
    expect(page.locator("#calc-result strong")).to_have_text("2026-02-24")
    assert page.evaluate("window.__no_reload") is True
    assert "start=2026-02-13" in page.url
    screenshot(page, "calendar-bureau_admin")
    page.click("nav.sidenav >> text=审计日志")
    table = page.locator("#audit-table")
    # The action shows as words (apps/core/labels.py); the stored code stays in the cell's tooltip.
    expect(table).to_contain_text("工作日历 · 设置")
    expect(table.locator("td[title='calendar.set']").first).to_have_text("工作日历 · 设置")
    expect(table).to_contain_text("地方假日")
    screenshot(page, "audit-bureau_admin")
    page.locator("#audit-table tbody tr").first.locator("a").first.click()
    expect(page.locator("#audit-changes")).to_contain_text("2026-03-03")


def test_htmx_posts_carry_the_csrf_header(page, live_server, e2e_world):
    """The remove button posts through htmx, which sends the CSRF token from <body hx-headers>."""
    from apps.core import services
    from apps.core.models import CalendarDay
    from apps.core.scoping import scopes_disabled

    region = e2e_world["A"].region
    services.calendar_load_national(actor=None, region=region, year=2025)
    login(page, live_server, e2e_world["A"].users[Role.BUREAU_STAFF].username)
    page.goto(f"{live_server.url}/core/calendar/?year=2025")
    page.evaluate("window.__no_reload = true")
    row = page.locator("#calendar-days tr[data-date='2025-01-01']")
    expect(row).to_be_visible()
    with page.expect_request(lambda r: r.method == "POST") as posted:
        row.locator("button").click()
    assert posted.value.headers.get("x-csrftoken")
    assert posted.value.headers.get("hx-request") == "true"
    expect(row).to_have_count(0)
    assert page.evaluate("window.__no_reload") is True
    with scopes_disabled():
        assert not CalendarDay.objects.filter(region=region, date="2025-01-01").exists()
