"""Browser checks of the settlement screens: a bureau user reads a run and a case's "why this amount";
a hospital user reads their own statement only."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot
from tests.settlement_ui.conftest import build

pytestmark = pytest.mark.e2e


@pytest.fixture
def e2e_settled(e2e_world):
    with scopes_disabled():
        return {"A": build(e2e_world["A"]), "B": build(e2e_world["B"]), "world": e2e_world}


def test_bureau_reads_a_run_and_why_a_case_got_its_amount(page, live_server, e2e_settled):
    run = e2e_settled["A"].run
    login(page, live_server, e2e_settled["world"]["A"].users[Role.BUREAU_ADMIN].username)
    page.click("nav.sidenav >> text=结算批次")
    expect(page.locator(f"#runs tr[data-id='{run.pk}']")).to_contain_text("月度预结算")
    page.click(f"#runs tr[data-id='{run.pk}'] a")
    expect(page.locator("[data-kpi=point_value]")).to_have_text("68.5730")
    expect(page.locator("#hospital-results tr[data-hospital='H3418000001']")).to_contain_text("65374.95")
    expect(page.locator("#hospital-results tr[data-hospital='H3418000002']")).to_contain_text("18040.42")
    expect(page.locator("#chart-hospitals canvas")).to_have_count(1)
    expect(page.locator("#chart-types canvas")).to_have_count(1)
    page.wait_for_timeout(800)  # let the chart animation finish before the screenshot
    screenshot(page, "settlement-run-detail")
    page.click("text=病例结算结果")
    page.select_option("#case-filters select[name=case_type]", "high")
    page.click("#case-filters button[type=submit]")
    expect(page.locator("#case-results tbody tr")).to_have_count(1)
    page.click("#case-results >> text=金额说明")
    expect(page.locator("#explain [data-step=ratio]")).to_contain_text("35000.00 ÷ 10000.00 = 3.500000")
    expect(page.locator("#explain [data-step=points]")).to_contain_text("100.0000 +（3.500000 − 3）× 100.0000 = 150.0000")
    expect(page.locator("#explain [data-step=adjusted]")).to_contain_text("150.0000 × 1.0500 = 157.5000")
    screenshot(page, "settlement-why-this-amount")


def test_hospital_user_sees_only_their_statement(page, live_server, e2e_settled):
    a = e2e_settled["A"]
    login(page, live_server, e2e_settled["world"]["A"].users[Role.HOSPITAL_ADMIN].username)
    expect(page.locator("#widget-settlement_latest_run [data-kpi=due]")).to_have_text("65374.95")
    screenshot(page, "settlement-hospital-dashboard")
    page.click("nav.sidenav >> text=结算批次")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    page.click(f"#runs tr[data-id='{a.run.pk}'] a")
    expect(page).to_have_url(f"{live_server.url}/settlement/runs/{a.run.pk}/statement/")
    expect(page.locator("#statement-totals [data-kpi=due]")).to_have_text("65374.95")
    expect(page.locator("#case-results tbody tr")).to_have_count(8)
    assert "18040.42" not in page.content()
    screenshot(page, "settlement-hospital-statement")
    response = page.goto(f"{live_server.url}/settlement/results/{a.results[8].pk}/")
    assert response.status == 404


def test_bureau_overrides_and_publishes_coefficients(page, live_server, e2e_settled):
    a = e2e_settled["A"]
    login(page, live_server, e2e_settled["world"]["A"].users[Role.BUREAU_ADMIN].username)
    page.click("nav.sidenav >> text=医疗机构系数")
    page.click(f"#coefficient-versions tr[data-id='{a.coefficients.pk}'] a")
    row = page.locator("#coefficient-rows tr[data-hospital='H3418000001']")
    expect(row).to_contain_text("0.8 × 1.045679 + 0.2 × 1.012346 = 1.0390")
    expect(page.locator("#coefficient-rows tr[data-hospital='H3418000003']")).to_contain_text("新开医院")
    screenshot(page, "settlement-coefficients")
    page.goto(f"{live_server.url}/settlement/coefficients/{a.coefficients_draft.pk}/")
    page.click("#coefficient-rows summary")
    page.fill("#coefficient-rows input[name=value]", "1.0800")
    page.fill("#coefficient-rows input[name=reason]", "县医保局备案调整")
    page.click("#coefficient-rows button[type=submit]")
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("#coefficient-rows tr[data-hospital='H3418000001']")).to_contain_text("县医保局备案调整")
    page.click("#publish-form button[type=submit]")
    expect(page.locator(".run-status [data-status=published]")).to_be_visible()
    screenshot(page, "settlement-coefficients-published")
