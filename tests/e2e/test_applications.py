"""Browser walk through a case application: a hospital coder applies and submits with the medical
record summary, the bureau accepts and assigns three experts, an expert gives an opinion on the
de-identified case, and the bureau administrator decides."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.applications import services
from apps.applications.models import Application
from apps.tenants.enums import Role
from tests.applications.conftest import PDF, build_app_region
from tests.e2e.conftest import login, logout, screenshot

pytestmark = pytest.mark.e2e


def sign_out(page) -> None:
    """Open the user menu, then sign out through its POST form."""
    page.click(".user-menu summary")
    logout(page)


@pytest.fixture
def e2e_apps(e2e_world, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with scopes_disabled():
        return {"A": build_app_region(e2e_world["A"]), "B": build_app_region(e2e_world["B"]), "world": e2e_world}


def test_application_from_draft_to_decision(page, live_server, e2e_apps):
    a = e2e_apps["A"]
    case = a.cases[0]

    # 1. the hospital coder picks a case, drafts, attaches the summary and submits
    login(page, live_server, a.user(Role.HOSPITAL_STAFF).username)
    page.click("nav.sidenav >> text=病例申请")
    page.click("#new-application")
    expect(page.locator(f"#cases tr[data-settlement='{case.settlement_id}']")).to_be_visible()
    expect(page.locator(f"#cases tr[data-settlement='{e2e_apps['B'].cases[0].settlement_id}']")).to_have_count(0)
    page.click(f"#cases tr[data-settlement='{case.settlement_id}'] >> text=申请")
    page.select_option("#application-form select[name=type]", "incentive_major")
    page.fill("#application-form textarea[name=reason]", "急性心肌梗死合并心源性休克，抢救费用高")
    page.click("#application-form button[type=submit]")
    expect(page.locator("#app-status")).to_contain_text("草稿")
    page.select_option("#attach-form select[name=kind]", "medical_record_summary")
    page.set_input_files("#attach-form input[type=file]",
                         files=[{"name": "病案摘要.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#attach-form button[type=submit]")
    expect(page.locator("#attachments")).to_contain_text("病案摘要.pdf")
    page.click("#submit-form button[type=submit]")
    expect(page.locator("#app-status")).to_contain_text("已提交")
    screenshot(page, "applications-hospital-submitted")
    with scopes_disabled():
        app = Application.objects.get(case=case)
    sign_out(page)

    # 2. the bureau accepts and assigns experts (the one affiliated with the hospital is not offered)
    login(page, live_server, a.user(Role.BUREAU_STAFF).username)
    page.click("nav.sidenav >> text=病例申请")
    expect(page.locator(f"#applications tr[data-id='{app.pk}']")).to_contain_text("已提交")
    page.click(f"#applications tr[data-id='{app.pk}'] a")
    page.click("#accept-form button[type=submit]")
    expect(page.locator("#app-status")).to_contain_text("专家评审中")
    expect(page.locator(f"#assign-form input[value='{a.conflicted.pk}']")).to_have_count(0)
    for expert in a.experts:
        page.check(f"#assign-form input[value='{expert.pk}']")
    screenshot(page, "applications-bureau-assign")
    page.click("#assign-form button[type=submit]")
    expect(page.locator("#assignments tbody tr, #assignments tr[data-expert]")).to_have_count(3)
    sign_out(page)

    # 3. an expert reviews the de-identified case and gives an opinion
    expert = a.experts[0]
    login(page, live_server, expert.username)
    page.click("nav.sidenav >> text=我的专家评审")
    page.click(f"#my-assignments tr[data-id='{app.pk}'] a")
    expect(page.locator("#case-facts")).to_contain_text(str(case.total_cost))
    assert case.settlement_id not in page.content() and a.hospital.name not in page.content()
    page.check("#opinion-form input[name=verdict][value=approve]")
    page.fill("#opinion-form input[name=unreasonable_cost]", "500")
    page.fill("#opinion-form textarea[name=comment]", "抢救必要，部分检查重复")
    screenshot(page, "applications-expert-opinion")
    page.click("#opinion-form button[type=submit]")
    expect(page.locator("#opinion-form input[name=unreasonable_cost]")).to_have_value("500.00")
    sign_out(page)
    with scopes_disabled():  # the two other experts answer through the services
        for other, cost in zip(a.experts[1:], ("300", "800"), strict=True):
            services.submit_opinion(actor=other, application=Application.objects.get(pk=app.pk), verdict="approve",
                                    unreasonable_cost=cost, comment="同意")

    # 4. the bureau administrator sees the opinions and the suggestion, and decides
    login(page, live_server, a.user(Role.BUREAU_ADMIN).username)
    page.goto(f"{live_server.url}/applications/{app.pk}/")
    expect(page.locator("#app-status")).to_contain_text("评审完成")
    expect(page.locator("#suggestion [data-kpi=median]")).to_have_text("500.00")
    page.check("#decide-form input[name=outcome][value=partial]")
    page.fill("#decide-form input[name=unreasonable_cost]", "500")
    page.fill("#decide-form textarea[name=reason]", "采纳专家意见，扣除不合理费用500元")
    page.click("#decide-form button[type=submit]")
    expect(page.locator("#app-status")).to_contain_text("已批准")
    expect(page.locator("#decision")).to_contain_text("部分同意")
    screenshot(page, "applications-decided")
    with scopes_disabled():
        app = Application.objects.get(pk=app.pk)
    assert (app.status, app.outcome, str(app.unreasonable_cost)) == ("approved", "partial", "500.00")
