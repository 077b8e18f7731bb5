"""Browser checks of the security settings: no page of the menu violates the Content-Security-Policy (every role's
menu is walked, charts included), the lockout message on the login page, and the unlock screen."""
from __future__ import annotations

import pytest
from django.conf import settings
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login, logout, screenshot
from tests.settlement_ui.conftest import build

pytestmark = pytest.mark.e2e


def watch_csp(page) -> list[str]:
    """Collect CSP violations (Chromium logs them to the console) and script errors of the page."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    return problems


def menu_urls(page) -> list[str]:
    return page.eval_on_selector_all("nav.sidenav a", "links => links.map(a => a.href)")


def test_the_watcher_sees_a_violation(page, live_server, e2e_world):
    """Guard for the check below: an injected inline script is refused and reported."""
    problems = watch_csp(page)
    page.goto(f"{live_server.url}/login/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__x = 1';
                     document.body.appendChild(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__x") is None
    assert any("Content Security Policy" in p for p in problems), problems


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.HOSPITAL_ADMIN, "platform_admin"])
def test_no_menu_page_violates_the_csp(page, live_server, e2e_world, role):
    with scopes_disabled():
        settled = build(e2e_world["A"])
    user = e2e_world["platform_admin"] if role == "platform_admin" else e2e_world["A"].users[role]
    problems = watch_csp(page)
    login(page, live_server, user.username)
    urls = menu_urls(page)
    assert len(urls) >= 5
    urls.append(f"{live_server.url}/settlement/runs/{settled.run.pk}/")  # the charts (ECharts, static script)
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert problems == []
    assert page.evaluate("typeof htmx") == "object"


def test_lockout_message_and_unlock_by_the_bureau_admin(page, live_server, e2e_world):
    a = e2e_world["A"]
    staff = a.users[Role.HOSPITAL_STAFF]
    problems = watch_csp(page)
    page.goto(f"{live_server.url}/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.fill("input[name=username]", staff.username)
        page.fill("input[name=password]", "wrong-password")
        page.click("form#login-form button[type=submit]")
        page.wait_for_load_state()
    expect(page.locator("#lockout-message")).to_contain_text("锁定")
    screenshot(page, "security-login-locked")

    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.click("nav.sidenav >> text=锁定账号")
    row = page.locator("#lockout-table tbody tr", has_text=staff.username)
    expect(row).to_contain_text(str(settings.AXES_FAILURE_LIMIT))
    screenshot(page, "security-lockouts")
    row.locator("button[type=submit]").click()
    expect(page.locator(".message-success")).to_contain_text(staff.username)
    expect(page.locator("#lockout-table")).not_to_contain_text(staff.username)
    page.click("details.user-menu summary")
    logout(page)
    login(page, live_server, staff.username)  # the unlocked user signs in again
    assert "/login/" not in page.url
    assert problems == []


def test_api_docs_render_under_the_csp_without_a_cdn(page, live_server, e2e_world):
    problems = watch_csp(page)
    login(page, live_server, e2e_world["A"].users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator("#swagger-ui .swagger-ui")).to_be_attached()
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("DRG/DIP", timeout=60_000)
    screenshot(page, "security-api-docs")
    assert problems == []
