"""Browser: a hospital coder pre-groups a case on the grouping page (预分组) and sees the DRG and the trace,
without a page reload (htmx); then pastes a settlement-list row."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot
from tests.grouping.conftest import real_grouper  # noqa: F401 - the fixture (real 1.1 engine, no DB load)

pytestmark = pytest.mark.e2e


def test_coder_pregroups_a_case_and_sees_the_drg_and_the_trace(page, live_server, e2e_world, real_grouper):  # noqa: F811
    a = e2e_world["A"]
    login(page, live_server, a.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/groups/grouper/")
    page.fill("#id_principal_dx", "J18.900")
    page.fill("#id_secondary_dx", "I50.000 | I10.x00")
    page.select_option("#id_gender", "1")
    page.fill("#id_age", "72")
    page.fill("#id_los_days", "9")
    marker = page.evaluate("() => { window.__noReload = true; return true; }")
    page.click("#grouper-submit")
    expect(page.locator("#grouper-drg")).to_have_text("ES31", timeout=20_000)
    assert marker and page.evaluate("() => window.__noReload === true")  # same page: no reload
    expect(page.locator("#grouper-summary")).to_contain_text("MDCE")
    expect(page.locator("#grouper-summary")).to_contain_text("I50.000")
    expect(page.locator(".grouper-trace")).to_contain_text("主诊断 J18.900")
    screenshot(page, "grouper-pregroup")

    row = ("S1,H3418000001,P1,310,2,50,,2025-03-01,2025-03-06,5,1,K80.101,,51.2200,,HC11,9000.00,3000.00,"
           "1000.00,1500.00,1800.00,7200.00,普外科")
    page.fill("#id_row", row)
    page.click("#grouper-paste-submit")
    expect(page.locator("#grouper-drg")).to_have_text("HC29", timeout=20_000)
    expect(page.locator("#grouper-summary")).to_contain_text("HC11")  # the declared code, shown as differing
    screenshot(page, "grouper-paste")


def test_coder_is_told_the_code_is_not_in_the_version_and_picks_one_of_its_codes(
        page, live_server, e2e_world, real_grouper):  # noqa: F811
    """K35.800 is a valid code but no principal diagnosis of CHS-DRG 1.1 (the reference answers 0000): the page
    says so by name and offers the version's codes under it; picking K35.800x001 急性阑尾炎 groups to GD25."""
    a = e2e_world["A"]
    login(page, live_server, a.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/groups/grouper/")
    expect(page.locator("#grouper-submit")).not_to_contain_text("病组")
    page.fill("#id_principal_dx", "K35.800")
    page.fill("#id_procedures", "47.0100")
    page.select_option("#id_gender", "1")
    page.fill("#id_age", "30")
    page.click("#grouper-submit")
    expect(page.locator("#grouper-drg")).to_have_text("0000", timeout=20_000)
    expect(page.locator("#grouper-unknown")).to_contain_text("K35.800 不在 CHS-DRG 1.1 的主要诊断表中")
    expect(page.locator("#grouper-status")).to_have_text("无法入组（0000）")
    pick = page.locator(".grouper-pick[data-code='K35.800x001']")
    expect(pick).to_contain_text("K35.800x001 急性阑尾炎")
    screenshot(page, "grouper-unknown-code")
    pick.click()
    expect(page.locator("#grouper-drg")).to_have_text("GD25", timeout=20_000)
    expect(page.locator("#id_principal_dx")).to_have_value("K35.800x001")
    expect(page.locator("#grouper-unknown")).to_have_count(0)
    expect(page.locator(".grouper-trace")).to_contain_text("47.0100")
    expect(page.locator(".grouper-trace")).to_contain_text("GD25")
    screenshot(page, "grouper-unknown-code-picked")


def test_bureau_sees_the_disagreement_report_and_a_case_trace(page, live_server, e2e_world, real_grouper):  # noqa: F811
    from django_scopes import scopes_disabled

    from apps.cases.models import Case
    from apps.cases.services import case_import_start
    from apps.groups.services import catalogue_load_shipped
    from tests.cases.helpers import row
    from tests.grouping.helpers import upload

    a = e2e_world["A"]
    h = {"hospital_code": a.hospital.code}
    rows = [row(1, drg_code="", secondary_dx="I50.000", **h), row(2, drg_code="ES31", secondary_dx="", **h),
            row(3, drg_code="ES35", secondary_dx="", **h)]
    with scopes_disabled():
        catalogue_load_shipped(actor=None, region=a.region)
        from apps.tenants.services import policy_get_or_create, policy_set

        policy_get_or_create(region=a.region, year=2025)  # the region pays on the grouper's version
        policy_set(actor=None, region=a.region, year=2025, values={"grouper_version": "chs-drg-1.1"}, reason="e2e")
        case_import_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region, data=upload(rows), filename="c.csv")
        flagged = Case.objects.get(region=a.region, settlement_id="S00002")
    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/groups/grouper/report/?region={a.region.code}&period=2025")
    expect(page.locator("#kpi-mismatch")).to_have_text("1")
    expect(page.locator("#kpi-rate")).to_have_text("50.00%")
    screenshot(page, "grouper-report")
    page.goto(f"{live_server.url}/cases/{flagged.pk}/")
    expect(page.locator("#grouping-compare")).to_contain_text("ES31")
    expect(page.locator("#grouping-compare")).to_contain_text("ES35")
    expect(page.locator("#grouping-trace")).to_contain_text("ES35")
    screenshot(page, "grouper-case-detail")
