"""Every menu page of every role at 1280 and 1440 px: no horizontal overflow, no header squeezed to one character
per line (measured in the browser), exactly one menu entry lit; each role's home page is screenshotted.

One browser, one context per role (logged in once); each page is loaded once at 1280 px and re-measured at
1440 px after a resize, so the whole sweep stays in a few minutes.
"""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.e2e.test_ux_issue18 import SQUEEZED_HEADERS
from tests.settlement_ui.conftest import build

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 1440)

# elements sticking out to the right of the viewport (what makes the page scroll sideways)
OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w + 1) return [];
  return Array.from(document.querySelectorAll('body *')).filter(e => {
    const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1;
  }).slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + String(e.className).slice(0, 40));
}"""


def _sweep(browser, base_url: str, username: str, label: str) -> list[str]:
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(f"{base_url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form#login-form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        screenshot(page, f"ux-home-{label}")
        links = page.eval_on_selector_all("nav.sidenav a", "els => els.map(a => a.getAttribute('href'))")
        assert links, f"{label}: no menu"
        for href in links:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(f"{base_url}{href}")
            if response is None or response.status >= 400:
                problems.append(f"{label} {href}: HTTP {response.status if response else '?'}")
                continue
            lit = page.locator("nav.sidenav a.active").count()
            if lit != 1:
                problems.append(f"{label} {href}: {lit} menu entries lit")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.wait_for_timeout(50)
                over = page.evaluate(OVERFLOW)
                if over:
                    problems.append(f"{label} {href} @{width}: overflows ({', '.join(over)})")
                squeezed = page.evaluate(SQUEEZED_HEADERS)
                if squeezed:
                    problems.append(f"{label} {href} @{width}: headers one character a line {squeezed[:5]}")
    finally:
        context.close()
    return problems


def test_every_menu_page_of_every_role_fits_1280_and_1440(browser, live_server, e2e_world):
    with scopes_disabled():
        build(e2e_world["A"])
    a = e2e_world["A"]
    logins = [(a.users[role].username, role) for role in (
        Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, Role.EXPERT, Role.AUDITOR)]
    logins += [(e2e_world["supervisor"].username, Role.PROVINCE_SUPERVISOR),
               (e2e_world["platform_admin"].username, Role.PLATFORM_ADMIN)]
    problems: list[str] = []
    for username, role in logins:
        problems += _sweep(browser, live_server.url, username, str(role))
    assert problems == [], "\n".join(problems)
