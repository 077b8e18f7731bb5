"""Issue 18 in the browser, each item as the role that meets it: statements after a re-run, the hospital's view
of its application's figures, queues without drafts, the expert pool, DIP vocabulary, the case page's links,
codes with names, import errors and the template, labels instead of codes — in Chinese and once in English."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot
from tests.settlement_ui.conftest import build

pytestmark = pytest.mark.e2e


@pytest.fixture
def settled(e2e_world):
    """World A with a published 2025-03 run (v1); the code lists know the cases' diagnosis."""
    from apps.cases.models import DiagnosisCode, ProcedureCode

    with scopes_disabled():
        DiagnosisCode.objects.get_or_create(code="I21.000", defaults={"name": "急性心肌梗死"})
        ProcedureCode.objects.get_or_create(code="36.0600", defaults={"name": "冠状动脉药物洗脱支架置入"})
        return {"A": build(e2e_world["A"]), "world": e2e_world}


def _application(a_world, case, status: str, user_role=Role.HOSPITAL_STAFF):
    from apps.applications.models import Application

    return Application.objects.with_scope(region=[case.region_id]).create(
        region_id=case.region_id, case=case, hospital=case.hospital, type="special_case", status=status,
        reason="住院时间长、费用高，申请特病单议", year=case.discharge_date.year, created_by=a_world.users[user_role],
        submitted_at=timezone.now() if status != "draft" else None)


def test_hospital_sees_its_published_figures_on_the_application(page, live_server, settled):
    """/applications/<id>/ for the hospital: the figures of the published run, linked to "why this amount"."""
    a, world = settled["A"], settled["world"]["A"]
    result = a.results[0]
    with scopes_disabled():
        app = _application(world, result.case, "submitted")
    login(page, live_server, world.users[Role.HOSPITAL_ADMIN].username)
    page.goto(f"{live_server.url}/applications/{app.pk}/")
    figures = page.locator("#case-figures")
    expect(figures).to_contain_text("月度预结算 2025-03 v1")
    expect(figures).to_contain_text(str(result.adjusted_points))
    assert "该病例尚未参与结算" not in page.content()
    expect(page.locator("#case-dx")).to_contain_text("I21.000 前壁急性透壁性心肌梗死")
    screenshot(page, "ux-application-hospital-figures")
    page.click("#case-figures a.why-link")
    expect(page).to_have_url(f"{live_server.url}/settlement/results/{result.pk}/")
    expect(page.locator("#explain")).to_be_visible()


def test_case_page_links_to_results_application_and_disputes(page, live_server, settled):
    """The coder's case page: result per published run → why this amount, its application, its dispute."""
    from apps.disputes.models import Dispute

    a, world = settled["A"], settled["world"]["A"]
    result = a.results[0]
    case = result.case
    with scopes_disabled():
        app = _application(world, case, "submitted")
        dispute = Dispute.objects.with_scope(region=[case.region_id]).create(
            region_id=case.region_id, hospital=case.hospital, subject_type="case", subject_ref=case.settlement_id,
            case=case, year=2025, claim="分组有误", status="submitted", created_by=world.users[Role.HOSPITAL_STAFF])
    login(page, live_server, world.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#principal-dx")).to_contain_text("I21.000 前壁急性透壁性心肌梗死")
    row = page.locator("#case-results tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("月度预结算 2025-03 v1")
    expect(row).to_contain_text(str(result.adjusted_points))
    expect(page.locator("#case-applications a")).to_have_attribute("href", f"/applications/{app.pk}/")
    expect(page.locator("#case-disputes a")).to_have_attribute("href", f"/disputes/{dispute.pk}/")
    screenshot(page, "ux-case-page-links")
    page.click("#case-results a.why-link")
    expect(page).to_have_url(f"{live_server.url}/settlement/results/{result.pk}/")
    expect(page.locator("[data-field=ratio]")).not_to_contain_text("0000000")  # 4 places, not the stored 16


def test_bureau_queues_hide_hospital_drafts(page, live_server, settled):
    from apps.disputes.models import Dispute

    a, world = settled["A"], settled["world"]["A"]
    with scopes_disabled():
        draft = _application(world, a.results[0].case, "draft")
        sent = _application(world, a.results[1].case, "submitted")
        d_draft = Dispute.objects.with_scope(region=[world.region.pk]).create(
            region=world.region, hospital=world.hospitals[0], subject_type="other", year=2025, claim="草稿争议",
            status="draft")
    login(page, live_server, world.users[Role.BUREAU_STAFF].username)
    page.goto(f"{live_server.url}/applications/")
    content = page.content()
    assert f"/applications/{sent.pk}/" in content and f"/applications/{draft.pk}/" not in content
    page.goto(f"{live_server.url}/disputes/")
    assert f"/disputes/{d_draft.pk}/" not in page.content()
    screenshot(page, "ux-bureau-dispute-queue")
    # the hospital still sees its own draft
    login(page, live_server, world.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/applications/")
    assert f"/applications/{draft.pk}/" in page.content()


def test_statements_replace_withdraw_and_publish_in_one_action(page, live_server, settled):
    """Bureau admin: 生成结算通知单 twice gives one draft per hospital, one click publishes them, a re-run's
    publication withdraws them naming the version that replaces them; the hospital's inbox says so."""
    from apps.notices.models import Notice
    from apps.settlement.models import HospitalResult
    from apps.settlement.services import settlement_run_publish

    a, world = settled["A"], settled["world"]["A"]
    login(page, live_server, world.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/settlement/runs/{a.run.pk}/")
    page.click("#prepare-notice-run button")
    page.goto(f"{live_server.url}/settlement/runs/{a.run.pk}/")
    page.click("#prepare-notice-run button")
    with scopes_disabled():
        drafts = list(Notice.objects.filter(source_kind="settlement_run", source_id=a.run.pk))
        assert len(drafts) == 2 and {n.status for n in drafts} == {"draft"}
        assert sorted(n.title for n in drafts) == sorted([
            "宣城第一人民医院2025年3月DRG付费月度预结算通知单", "宣城中医院2025年3月DRG付费月度预结算通知单"])
    page.goto(f"{live_server.url}/settlement/runs/{a.run.pk}/")
    page.click("#prepare-notice-run-publish button")
    expect(page.locator(".messages")).to_contain_text("已发布结算通知单 2 份")
    with scopes_disabled():
        assert set(Notice.objects.filter(source_id=a.run.pk, source_kind="settlement_run")
                   .values_list("status", flat=True)) == {"published"}
        first = Notice.objects.get(source_id=a.run.pk, title__startswith="宣城第一人民医院")
        # the re-run (v2) gets its figures and is published: v1's statements are withdrawn, naming v2
        v2 = a.draft
        for r in a.hospital_results:
            HospitalResult.objects.create(region=r.region, run=v2, hospital=r.hospital, level=r.level,
                                          coefficient=r.coefficient, cases=r.cases, points=r.points,
                                          adjusted_points=r.adjusted_points, self_pay=r.self_pay,
                                          point_value=Decimal("70.0000"), due=r.due + 1, advance=r.advance)
        settlement_run_publish(actor=world.users[Role.BUREAU_ADMIN], run=v2)
        first.refresh_from_db()
        assert first.status == "withdrawn" and "第2版替代第1版" in first.withdraw_reason
    page.goto(f"{live_server.url}/settlement/runs/{v2.pk}/")
    with page.expect_navigation():
        page.locator("#prepare-notice-run-publish").evaluate("form => form.submit()")
    with scopes_disabled():
        new = Notice.objects.get(source_id=v2.pk, title__startswith="宣城第一人民医院")
        assert new.status == "published" and f"本通知单替代{first.doc_number}结算通知单（已撤回）" in new.body
    login(page, live_server, world.users[Role.HOSPITAL_ADMIN].username)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("body")).to_contain_text("【撤回】宣城第一人民医院2025年3月DRG付费月度预结算通知单")
    screenshot(page, "ux-hospital-inbox-withdrawn-statement")
    page.goto(f"{live_server.url}/notices/{first.pk}/")
    expect(page.locator("body")).to_contain_text("第2版替代第1版")


def test_expert_created_with_a_hospital_is_in_the_pool(page, live_server, e2e_world):
    """POST /users/ (the bureau admin's API) with an affiliated hospital: the pool screen shows an active member."""
    from rest_framework.test import APIClient

    world = e2e_world["A"]
    api = APIClient()
    api.force_authenticate(world.users[Role.BUREAU_ADMIN])
    response = api.post("/api/v1/users/", {
        "username": "pool_e1", "password": "Xc-expert-2026!", "name": "心内科专家",
        "memberships": [{"role": "expert", "region": world.region.code, "hospital": world.hospitals[2].code}]},
        format="json")
    assert response.status_code == 201, response.content
    login(page, live_server, world.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/applications/experts/")
    row = page.locator("tr", has_text="pool_e1")
    expect(row).to_contain_text(world.hospitals[2].name)
    screenshot(page, "ux-expert-pool")


def test_dip_region_speaks_dip(page, live_server, e2e_world):
    """A DIP region's bureau: 病种目录 in the menu, 分值单价 on the run, a statement 'DIP付费…通知单'."""
    from apps.notices.generate import prepare_settlement_notices
    from tests.conftest import build_region

    with scopes_disabled():
        dip = build_region("220400", "辽源", "220000", "吉林省", method="DIP")
        settled = build(dip)
        notices = prepare_settlement_notices(actor=None, run_id=settled.run.pk, region_ids=[dip.region.pk])
        assert notices[0].title == "辽源第一人民医院2025年3月DIP付费月度预结算通知单"
        assert "DRG" not in notices[0].body and "DIP付费" in notices[0].body
        caption_headers = notices[0].blocks[0]["headers"]
        assert "分值单价（元/分）" in caption_headers and "总分值" in caption_headers
    login(page, live_server, dip.users[Role.BUREAU_ADMIN].username)
    expect(page.locator("nav.sidenav")).to_contain_text("病种目录")
    expect(page.locator("nav.sidenav")).not_to_contain_text("分组方案")
    page.goto(f"{live_server.url}/settlement/runs/{settled.run.pk}/")
    expect(page.locator("main")).to_contain_text("分值单价")
    assert "点值" not in page.locator("main .cards").first.inner_text()
    screenshot(page, "ux-dip-run-detail")


def test_import_errors_name_fields_and_template_downloads(page, live_server, e2e_world, tmp_path):
    """The coder's upload: template links (CSV/XLSX, Chinese headers); an error names 性别, and Gender in English."""
    import csv
    import io

    from openpyxl import load_workbook

    from tests.cases.helpers import csv_bytes, row

    world = e2e_world["A"]
    login(page, live_server, world.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/cases/imports/new/")
    with page.expect_download() as info:
        page.click("#template-csv")
    lines = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8-sig"))))
    assert lines[0][:5] == ["结算ID", "医疗机构编码", "人员编号", "险种类型", "性别"] and len(lines) == 2
    assert lines[1][0] == "JS202611000001"
    with page.expect_download() as info:
        page.click("#template-xlsx")
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert [c.value for c in sheet[1]][:2] == ["结算ID", "医疗机构编码"] and sheet.max_row == 2
    screenshot(page, "ux-upload-template")

    upload = tmp_path / "清单.csv"
    upload.write_bytes(csv_bytes([row(1), row(2, gender="3")]))
    page.set_input_files("input[name=file]", str(upload))
    page.locator("#upload-form button[type=submit]").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("性别：“3”不是允许的取值", timeout=20_000)
    assert "gender：" not in errors.inner_text()
    screenshot(page, "ux-import-errors-zh")
    page.click("form.lang-switch button[value=en]")
    expect(page.locator("#import-errors")).to_contain_text("Gender: '3' is not an allowed value")
    screenshot(page, "ux-import-errors-en")


def test_labels_not_codes_and_one_menu_entry(page, live_server, settled):
    """Case list is 病例管理 under the menu entry 病例; one entry lit; warnings and audit actions as words."""
    from apps.core.audit import record_event

    world = settled["world"]["A"]
    with scopes_disabled():
        case = settled["A"].results[0].case
        case.warnings = ["los_short"]
        case.save(update_fields=["warnings"])
        record_event(actor=None, action="monitoring.ranking_publish", obj=case, region=world.region)
    login(page, live_server, world.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("h1")).to_have_text("病例管理")
    expect(page.locator("nav.sidenav a.active")).to_have_count(1)
    expect(page.locator("nav.sidenav a.active")).to_have_text("病例")
    expect(page.locator("#case-table")).to_contain_text("住院天数不超过2天")
    assert ">los_short<" not in page.content()
    page.goto(f"{live_server.url}/groups/grouper/report/")
    expect(page.locator("nav.sidenav a.active")).to_have_count(1)
    page.goto(f"{live_server.url}/core/audit/")
    expect(page.locator("main")).to_contain_text("运行监测 · 发布赛马排名")
    screenshot(page, "ux-audit-labels")
    page.click("form.lang-switch button[value=en]")
    expect(page.locator("main")).to_contain_text("Monitoring · ranking published")
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("h1")).to_have_text("Case management")


def test_expert_review_page_names_codes_and_keeps_headers_whole(page, live_server, settled):
    """The expert's de-identified review page: diagnoses with names, no header squeezed to one character a line."""
    from apps.applications.models import Assignment

    world = settled["world"]["A"]
    case = settled["A"].results[0].case
    with scopes_disabled():
        app = _application(world, case, "under_review")
        Assignment.objects.with_scope(region=[world.region.pk]).create(
            region=world.region, application=app, expert=world.users[Role.EXPERT], status="assigned",
            due=dt.date.today() + dt.timedelta(days=10))
    login(page, live_server, world.users[Role.EXPERT].username)
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/applications/{app.pk}/review/")
        expect(page.locator("#case-dx")).to_contain_text("I21.000 前壁急性透壁性心肌梗死")
        squeezed = page.evaluate(SQUEEZED_HEADERS)
        assert squeezed == [], squeezed
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "ux-expert-review")


# th/dt whose text is 2+ characters but whose box is narrower than two characters: wrapped one per line
SQUEEZED_HEADERS = """() => Array.from(document.querySelectorAll('th, dt')).filter(e => {
  const t = e.innerText.trim(); if (t.length < 2) return false;
  const fs = parseFloat(getComputedStyle(e).fontSize) || 14;
  const r = e.getBoundingClientRect(); return r.width > 0 && r.width < 1.8 * fs && r.height > 2.2 * fs;
}).map(e => e.innerText.trim())"""
