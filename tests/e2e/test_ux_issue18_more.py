"""Issue 18, the rest, in the browser as the role that meets it: a generated statement's title in the reader's
language (notice list, notice inbox, message inbox), a dispute about a never-settled case refused without its
evidence and accepted with it (showing its window), and no hospital draft in the bureau's queue or API list."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.e2e.conftest import login
from tests.settlement_ui.conftest import build, make_case

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/ux")
ZH = "宣城第一人民医院2025年3月DRG付费月度预结算通知单"
EN = "宣城第一人民医院: DRG payment monthly pre-settlement statement, March 2025"


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def settled(e2e_world):
    """World A with a published 2025-03 run (v1)."""
    with scopes_disabled():
        return {"A": build(e2e_world["A"]), "world": e2e_world}


def test_statement_title_in_the_readers_language(page, live_server, settled):
    from apps.notices.generate import publish_settlement_notices

    a, world = settled["A"], settled["world"]["A"]
    with scopes_disabled():
        publish_settlement_notices(actor=world.users[Role.BUREAU_ADMIN], run_id=a.run.pk)
    login(page, live_server, world.users[Role.HOSPITAL_ADMIN].username)
    # the Chinese reader
    page.goto(f"{live_server.url}/notices/inbox/")
    expect(page.locator("#inbox")).to_contain_text(ZH)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("#notifications")).to_contain_text(f"【结算通知单】{ZH}")
    shot(page, "statement-inbox-zh")
    # the same user reads English: list, notice inbox, message inbox, the notice itself
    page.click("form.lang-switch button[value=en]")
    expect(page.locator("#notifications")).to_contain_text(f"[Settlement statement] {EN}")
    assert ZH not in page.locator("#notifications").inner_text()
    shot(page, "statement-messages-en")
    page.goto(f"{live_server.url}/notices/inbox/")
    expect(page.locator("#inbox")).to_contain_text(EN)
    assert ZH not in page.locator("#inbox").inner_text()
    shot(page, "statement-notice-inbox-en")
    page.locator("#inbox a", has_text=EN).first.click()
    expect(page.locator("h1")).to_contain_text(EN)
    expect(page.locator("main")).to_contain_text("Following the monthly pre-settlement of March 2025 (version 1)")
    shot(page, "statement-detail-en")
    # the official document stays Chinese (the stored title the PDF prints)
    with scopes_disabled():
        from apps.notices.models import Notice

        assert Notice.objects.get(source_id=a.run.pk, title__startswith="宣城第一").title == ZH
    # the bureau's notice list, in English too
    login(page, live_server, world.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/notices/")
    expect(page.locator("#notices")).to_contain_text(EN)
    shot(page, "statement-bureau-list-en")
    page.click("form.lang-switch button[value=zh-hans]")
    expect(page.locator("#notices")).to_contain_text(ZH)
    shot(page, "statement-bureau-list-zh")


def test_dispute_about_a_never_settled_case_needs_evidence(page, live_server, settled, tmp_path):
    world = settled["world"]["A"]
    with scopes_disabled():
        case = make_case(world.hospitals[0], "ES23", "9000.00")  # in no run at all
    login(page, live_server, world.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/disputes/new/?subject_type=case&subject_ref={case.settlement_id}")
    page.fill("textarea[name=claim]", "主要诊断应为急性心肌梗死，分组器结果有误")
    page.click("#dispute-form button[type=submit]")
    error = page.locator("#dispute-form .errorlist")
    expect(error).to_contain_text("请上传证据材料")
    expect(page).to_have_url(re.compile(r"/disputes/new/"))
    shot(page, "dispute-never-settled-refused")
    evidence = tmp_path / "病案首页.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.fill("textarea[name=claim]", "主要诊断应为急性心肌梗死，分组器结果有误")
    page.set_input_files("input[name=evidence]", str(evidence))
    page.click("#dispute-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/disputes/\d+/$"))
    with scopes_disabled():
        from apps.disputes.models import Dispute

        d = Dispute.objects.get(case=case)
    expect(page.locator("main")).to_contain_text(d.window_ends.isoformat())  # 提出期限, never "—"
    expect(page.locator("#attachments")).to_contain_text("病案首页.pdf")
    shot(page, "dispute-never-settled-accepted")


def test_bureau_queue_and_api_list_show_no_hospital_draft(page, live_server, settled):
    from apps.applications.models import Application
    from apps.disputes.models import Dispute

    a, world = settled["A"], settled["world"]["A"]
    staff = world.users[Role.HOSPITAL_STAFF]
    cases = {"draft": a.results[0].case, "submitted": a.results[1].case}
    with scopes_disabled():
        apps = {s: Application.objects.create(
            region=world.region, case=case, hospital=case.hospital, type="special_case", status=s,
            reason="住院时间长、费用高", year=2025, created_by=staff,
            submitted_at=timezone.now() if s != "draft" else None) for s, case in cases.items()}
        disputes = {s: Dispute.objects.create(region=world.region, hospital=world.hospitals[0], subject_type="other",
                                              year=2025, claim=f"{s}争议", status=s, created_by=staff)
                    for s in ("draft", "submitted")}
    login(page, live_server, world.users[Role.BUREAU_STAFF].username)
    for entity, rows in (("applications", apps), ("disputes", disputes)):
        page.goto(f"{live_server.url}/{entity}/")
        content = page.content()
        assert f"/{entity}/{rows['submitted'].pk}/" in content and f"/{entity}/{rows['draft'].pk}/" not in content
        shot(page, f"bureau-{entity}-queue")
        answer = page.request.get(f"{live_server.url}/api/v1/{entity}/")  # the same session, through the API
        assert answer.ok
        ids = {row["id"] for row in answer.json()["results"]}
        assert ids == {rows["submitted"].pk}, (entity, ids)
    page.goto(f"{live_server.url}/api/v1/disputes/")
    shot(page, "bureau-disputes-api")
