"""Browser walk through a dispute about a case's grouping: the hospital raises it from the case's own page and
submits, the bureau accepts, the bureau administrator decides `adjusted` with a new group, the hospital opens
the decision letter (PDF) and the next settlement run shows the case in the new group."""
from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.disputes.models import Dispute
from apps.settlement.models import CaseResult
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from tests.e2e.conftest import login, logout, screenshot
from tests.settlement.conftest import YEAR, add_cases, base_cases, case, publish_inputs

pytestmark = pytest.mark.e2e


def sign_out(page) -> None:
    page.click(".user-menu summary")
    logout(page)


@pytest.fixture
def e2e_dispute_world(e2e_world, settings, tmp_path):
    """Region A with published statistics and coefficients for YEAR and a published May run with our case."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    a = e2e_world["A"]
    h1, h2, h3 = a.hospitals
    add_cases(base_cases([h1, h2, h3]))
    publish_inputs(a.region)
    (target,) = add_cases([case(h1, "ED11", "8000.00", dt.date(YEAR, 5, 10))])
    with scopes_disabled():
        run = settlement_run_start(actor=None, region=a.region, kind="monthly", period=f"{YEAR}-05")
        settlement_run_publish(actor=None, run=run)
    return {"world": e2e_world, "a": a, "case": target, "run": run}


def test_hospital_disputes_a_grouping_and_the_next_run_shows_the_new_group(page, live_server, e2e_dispute_world):
    a, target = e2e_dispute_world["a"], e2e_dispute_world["case"]

    # 1. the hospital's insurance office head raises the dispute from the case's own page and submits it
    login(page, live_server, a.users[Role.HOSPITAL_ADMIN].username)
    page.goto(f"{live_server.url}/cases/{target.pk}/")
    page.click("a[data-raise-dispute=case]")
    expect(page.locator("#dispute-form input[name=subject_ref]")).to_have_value(target.settlement_id)
    page.fill("#dispute-form textarea[name=claim]", "主要诊断为急性心肌梗死，病例应入 EC19 组，原分组 ED11 有误。")
    page.fill("#dispute-form textarea[name=requested_outcome]", "调整为 EC19")
    page.click("#dispute-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("草稿")
    expect(page.locator("#case-group")).to_have_text("ED11")
    page.click("#submit-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("已提交")
    expect(page.locator("#accept-due")).not_to_have_text("—")
    screenshot(page, "disputes-hospital-submitted")
    with scopes_disabled():
        dispute = Dispute.objects.get(case=target)
    sign_out(page)

    # 2. bureau staff see it in the queue with its deadline and accept it
    login(page, live_server, a.users[Role.BUREAU_STAFF].username)
    page.click("nav.sidenav >> text=争议处理")
    expect(page.locator(f"#disputes tr[data-id='{dispute.pk}']")).to_contain_text(target.settlement_id)
    screenshot(page, "disputes-bureau-queue")
    page.click(f"#disputes tr[data-id='{dispute.pk}'] >> a")
    page.click("#accept-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("已受理")
    expect(page.locator("#decision-due")).not_to_have_text("—")
    sign_out(page)

    # 3. the bureau administrator decides: adjusted, new group EC19
    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    page.check("#decide-form input[name=outcome][value=adjusted]")
    page.fill("#decide-form textarea[name=reason]", "经核查病案首页，主要诊断编码有误，予以调整。")
    page.fill("#decide-form input[name=drg_code]", "EC19")
    screenshot(page, "disputes-bureau-decide")
    page.click("#decide-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("已决定")
    expect(page.locator("#adjustment")).to_contain_text("ED11 → EC19")
    expect(page.locator("#case-group")).to_have_text("EC19")
    sign_out(page)

    # 4. the hospital sees the decision and opens the decision letter (PDF)
    login(page, live_server, a.users[Role.HOSPITAL_ADMIN].username)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    expect(page.locator("#decision")).to_contain_text("予以调整")
    expect(page.locator("#appeal-form")).to_be_visible()
    screenshot(page, "disputes-hospital-decided")
    href = page.get_attribute("#letter-link", "href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    with scopes_disabled():
        assert Dispute.objects.get(pk=dispute.pk).letter_number in page.locator("#decision").inner_text()
    page.click("#acknowledge-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("已办结")

    # 5. the next run (computed and published by the bureau) shows the case in the new group
    with scopes_disabled():
        run = settlement_run_start(actor=None, region=a.region, kind="monthly", period=f"{YEAR}-05")
        settlement_run_publish(actor=None, run=run)
        assert CaseResult.objects.get(run=run, case=target).drg_code == "EC19"
        assert CaseResult.objects.get(run=e2e_dispute_world["run"], case=target).drg_code == "ED11"
    page.goto(f"{live_server.url}/settlement/runs/{run.pk}/cases/")
    row = page.locator("#case-results tr", has_text=target.settlement_id)
    expect(row).to_contain_text("EC19")
    screenshot(page, "disputes-next-run-new-group")
    page.goto(f"{live_server.url}/disputes/statistics/")
    expect(page.locator("[data-kpi=decided]")).to_have_text("1")
    expect(page.locator(f"#per-hospital tr[data-hospital='{a.hospitals[0].code}']")).to_be_visible()
    screenshot(page, "disputes-statistics")
