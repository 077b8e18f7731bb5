"""Browser: a bureau administrator builds two what-if scenarios, reads one beside the published run
(table, chart), compares them and adopts one as the year's policy."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.scenarios.models import Scenario
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear
from tests.e2e.conftest import login, screenshot
from tests.scenarios.conftest import YEAR, build_published

pytestmark = pytest.mark.e2e
D = Decimal


def pv(budget: str, run) -> str:
    value = (D(budget) + run.total_self_pay) / run.total_adjusted_points
    return str(value.quantize(D("0.0001"), rounding=ROUND_HALF_UP))


def build_scenario(page, live_server, name: str, budget: str) -> None:
    page.goto(f"{live_server.url}/scenarios/")
    page.fill("#scenario-form input[name=name]", name)
    page.fill("#scenario-form input[name=p_fund_budget]", budget)
    page.click("#scenario-form button[type=submit]")
    expect(page.locator("#scenario-summary")).to_have_attribute("data-status", "ready", timeout=30000)


def test_bureau_builds_compares_and_adopts_a_scenario(page, live_server, e2e_world):
    with scopes_disabled():
        data = build_published(e2e_world)
    run = data["run"]
    login(page, live_server, e2e_world["A"].users[Role.BUREAU_ADMIN].username)
    expect(page.locator("nav.sidenav a[href='/scenarios/']")).to_have_count(1)

    build_scenario(page, live_server, "预算增加", "1500000")
    expect(page.locator("#point-value")).to_have_text(pv("1500000", run))
    expect(page.locator("#published-point-value")).to_have_text(str(run.point_value))
    expect(page.locator("#parameters")).to_contain_text("1500000")
    expect(page.locator("#hospitals tbody tr")).to_have_count(3)
    expect(page.locator("#chart-scenario canvas")).to_have_count(1)
    expect(page.locator("#gainers tr")).to_have_count(3)
    page.wait_for_timeout(800)
    screenshot(page, "scenario-detail")

    build_scenario(page, live_server, "预算减少", "1000000")
    expect(page.locator("#point-value")).to_have_text(pv("1000000", run))
    expect(page.locator("#losers tr")).to_have_count(3)

    with scopes_disabled():
        up = Scenario.objects.get(name="预算增加")
        down = Scenario.objects.get(name="预算减少")
    page.goto(f"{live_server.url}/scenarios/")
    page.check(f"#scenarios tr[data-id='{up.pk}'] input[name=a]")
    page.check(f"#scenarios tr[data-id='{down.pk}'] input[name=b]")
    page.click("#compare-btn")
    expect(page.locator("#pv-a")).to_have_text(pv("1500000", run))
    expect(page.locator("#pv-b")).to_have_text(pv("1000000", run))
    expect(page.locator("#losers tr")).to_have_count(3)
    screenshot(page, "scenario-compare")

    page.goto(f"{live_server.url}/scenarios/{up.pk}/")
    page.fill("#adopt-form input[name=reason]", "局务会审议通过")
    page.click("#adopt-form button[type=submit]")
    expect(page.locator("#adopted")).to_contain_text("局务会审议通过")
    with scopes_disabled():
        assert PolicyYear.objects.get(region=data["region"], year=YEAR).fund_budget == D("1500000")
    screenshot(page, "scenario-adopted")
