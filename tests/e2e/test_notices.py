"""Browser walk of a notice: the bureau administrator drafts it with the addressee picker and publishes it;
the hospital administrator finds it in the inbox, acknowledges receipt and downloads the PDF (byte-identical
to the stored file); the bureau sees who has acknowledged."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.notices.models import Acknowledgement, Notice
from apps.tenants.enums import Role
from tests.e2e.conftest import login, logout, screenshot

pytestmark = pytest.mark.e2e
TITLE = "关于开展2026年度DRG付费培训的通知"


def test_bureau_publishes_hospital_acknowledges_and_downloads(page, live_server, e2e_world):
    a = e2e_world["A"]
    hospital = a.hospitals[0]
    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/notices/new/")
    page.select_option("select[name=type]", "training")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=body]", "请各医院医保办负责人参加。\n培训地点另行通知。")
    expect(page.locator("#addressee-hospitals")).to_be_hidden()
    page.check("input[name=mode][value=hospitals]")
    expect(page.locator("#addressee-hospitals")).to_be_visible()
    page.check(f"input[name=hospitals][value={hospital.code}]")
    screenshot(page, "notices-draft-form")
    page.click("#save-draft")
    expect(page.locator("#publish-form")).to_be_visible()
    expect(page.locator("#preview-pdf")).to_be_visible()
    page.click("#publish-form button[type=submit]")
    expect(page.locator("#notice-status [data-status=published]")).to_be_visible()
    with scopes_disabled():
        notice = Notice.objects.get(title=TITLE)
    assert notice.status == "published" and notice.sha256
    expect(page.locator("#sha256")).to_have_text(notice.sha256)
    expect(page.locator("#doc-number")).to_have_text(notice.doc_number)
    screenshot(page, "notices-published-bureau")
    page.click(".user-menu summary")
    logout(page)

    login(page, live_server, a.users[Role.HOSPITAL_ADMIN].username)
    expect(page.locator('[data-kpi="notices-unacknowledged"]')).to_have_text("1")
    page.goto(f"{live_server.url}/notices/inbox/")
    expect(page.locator('[data-kpi="unread"]')).to_have_text("1")
    screenshot(page, "notices-hospital-inbox")
    page.click(f"#inbox a:has-text('{TITLE}')")
    page.click("#acknowledge-form button[type=submit]")
    expect(page.locator("#acknowledged")).to_be_visible()
    screenshot(page, "notices-hospital-acknowledged")
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    content = Path(download_info.value.path()).read_bytes()
    stored = (Path(settings.PRIVATE_MEDIA_ROOT) / notice.pdf_path).read_bytes()
    assert content == stored and hashlib.sha256(content).hexdigest() == notice.sha256
    with scopes_disabled():
        ack = Acknowledgement.objects.get(notice=notice)
    assert ack.hospital_id == hospital.pk and ack.user_id == a.users[Role.HOSPITAL_ADMIN].pk
    page.click(".user-menu summary")
    logout(page)

    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/notices/{notice.pk}/acknowledgements/")
    expect(page.locator("#ack-done")).to_have_text("1 / 1")
    expect(page.locator(f'#ack-table tr[data-hospital="{hospital.code}"]')).to_have_attribute("data-ack", "1")
    screenshot(page, "notices-acknowledgement-status")
