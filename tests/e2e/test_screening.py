"""Browser walk through a split admission (分解住院): the hospital answers the item with an attachment, the bureau
reads the evidence and confirms it, and the next settlement run's "why this amount" page of the case shows
the deduction line with the item number."""
from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.screening.models import ScreeningItem
from apps.screening.services import screen_cases
from apps.settlement.models import CaseResult
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from tests.e2e.conftest import login, logout, screenshot
from tests.screening.conftest import make_case
from tests.settlement.conftest import YEAR, add_cases, base_cases, publish_inputs

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_out(page) -> None:
    page.click(".user-menu summary")
    logout(page)


def test_hospital_answers_bureau_confirms_and_the_next_run_deducts(page, live_server, e2e_world, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    a = e2e_world["A"]
    h1, h2, h3 = a.hospitals
    add_cases(base_cases([h1, h2, h3]))
    publish_inputs(a.region)
    first = make_case(h1, patient="e2e", admission=dt.date(YEAR, 5, 2), discharge=dt.date(YEAR, 5, 8), drg="ED11",
                      dx="I21.000", cost="8000")
    later = make_case(h1, patient="e2e", admission=dt.date(YEAR, 5, 15), discharge=dt.date(YEAR, 5, 20), drg="ED11",
                      dx="I21.000", cost="8000")
    with scopes_disabled():
        screen_cases(actor=None, region=a.region, period=f"{YEAR}-05")
        item = ScreeningItem.objects.get(case=later, rule="split_admission")

    # 1. the hospital sees its item in the menu's screening list and answers it with an attachment
    login(page, live_server, a.users[Role.HOSPITAL_STAFF].username)
    page.click("nav.sidenav >> text=监管疑点")
    row = page.locator(f"#screening-items tr[data-id='{item.pk}']")
    expect(row).to_contain_text(later.settlement_id)
    expect(row).to_contain_text(first.settlement_id)
    screenshot(page, "screening-hospital-list")
    row.locator("a").click()
    expect(page.locator("#evidence tr[data-key=gap_days]")).to_contain_text("7")
    page.fill("#answer-form textarea[name=text]", "第二次住院为心梗后再发胸痛，非分解住院，附出院小结。")
    page.set_input_files("#answer-form input[name=files]",
                         files=[{"name": "出院小结.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#answer-submit")
    expect(page.locator("h1")).to_contain_text("已说明")
    expect(page.locator("#attachments")).to_contain_text("出院小结.pdf")
    screenshot(page, "screening-hospital-answered")
    sign_out(page)

    # 2. the bureau filters its queue, reads the evidence and the answer, and confirms
    login(page, live_server, a.users[Role.BUREAU_STAFF].username)
    page.goto(f"{live_server.url}/screening/?status=answered&rule=split_admission")
    page.click(f"#screening-items tr[data-id='{item.pk}'] >> a")
    expect(page.locator("#answer")).to_contain_text("非分解住院")
    page.fill("#confirm-form textarea[name=reason]", "两次住院主要诊断相同，间隔7天，认定分解住院。")
    screenshot(page, "screening-bureau-confirm")
    page.click("#confirm-submit")
    expect(page.locator("h1")).to_contain_text("已确认")
    expect(page.locator("#deduction-line")).to_have_text(f"扣减：分解住院，疑点 #{item.pk}")
    sign_out(page)

    # 3. the next run pays the case 0 points; the hospital reads why on the case's page
    with scopes_disabled():
        run = settlement_run_start(actor=None, region=a.region, kind="monthly", period=f"{YEAR}-05")
        settlement_run_publish(actor=None, run=run)
        result = CaseResult.objects.get(run=run, case=later)
        assert result.adjusted_points == 0 and result.screening_item_id == item.pk
    login(page, live_server, a.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/settlement/runs/{run.pk}/statement/")
    page.goto(f"{live_server.url}/settlement/results/{result.pk}/")
    expect(page.locator("#explain li[data-step=deduction]")).to_contain_text(f"扣减：分解住院，疑点 #{item.pk}")
    expect(page.locator("[data-field=adjusted_points]")).to_contain_text("0")
    screenshot(page, "screening-why-this-amount")
