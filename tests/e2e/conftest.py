"""Browser (end-to-end) test harness: Playwright's sync API driving Debian's Chromium.

Never run ``playwright install``: the browser is the system one at /usr/bin/chromium.
Mark every browser test ``@pytest.mark.e2e``.

Fixtures and helpers (reuse them in any e2e test module):

- ``browser`` (session scope): one headless Chromium for the whole run.
- ``page``: a fresh browser context per test (locale zh-CN, 1366x900 viewport) and a page in it.
  When the test fails, a full-page screenshot is saved to ``test-artifacts/<test name>.png``.
- ``e2e_world``: the same world as ``tests.conftest.world`` (regions A=宣城 341800, B=合肥 340100 in
  province 340000, C=盐城 320900 in another province; 3 hospitals and one user per region role
  each; ``e2e_world["supervisor"]``, ``e2e_world["platform_admin"]``), but built under
  ``transactional_db`` so that the ``live_server`` thread sees it. Passwords are
  ``tests.conftest.PASSWORD``.
- ``login(page, live_server, username, password=PASSWORD)``: signs in through the login form and
  waits for the landing page. ``logout(page)`` signs out through the user menu's POST form.
- ``screenshot(page, name)``: saves ``test-artifacts/<name>.png`` (full page) and returns the path.

Example::

    @pytest.mark.e2e
    def test_something(page, live_server, e2e_world):
        login(page, live_server, e2e_world["A"].users[Role.BUREAU_ADMIN].username)
        page.goto(f"{live_server.url}/cases/")
        expect(page.locator("h1")).to_contain_text("病例")
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from tests.conftest import PASSWORD, build_region

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM would refuse to run
# "from an async context" without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    """Every test in tests/e2e is a browser test, marked or not."""
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so ``page`` can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    """One headless system Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A page in a fresh context (zh-CN); screenshot to test-artifacts/ when the test fails."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        try:
            screenshot(pg, f"FAILED-{request.node.name}")
        except Exception:  # noqa: BLE001 - a screenshot must never mask the real failure
            pass
    context.close()


@pytest.fixture
def e2e_world(transactional_db):
    """The two-region world of tests/conftest.py, committed so the live server can read it."""
    from apps.tenants.enums import Role
    from apps.tenants.services import user_create

    with scopes_disabled():
        a = build_region("341800", "宣城", "340000", "安徽省")
        b = build_region("340100", "合肥", "340000", "安徽省")
        c = build_region("320900", "盐城", "320000", "江苏省")
        supervisor = user_create(actor=None, username="province_supervisor", password=PASSWORD, name="省级监管",
                                 memberships=[{"role": Role.PROVINCE_SUPERVISOR, "province": a.region.province}])
        admin = user_create(actor=None, username="platform_admin", password=PASSWORD, name="平台管理员",
                            memberships=[{"role": Role.PLATFORM_ADMIN}])
    return {"A": a, "B": b, "C": c, "supervisor": supervisor, "platform_admin": admin}


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", name)
    path = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait until the browser has left the login page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def logout(page) -> None:
    """Sign out through the POST form in the user menu."""
    page.click("#logout-form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" in url)
