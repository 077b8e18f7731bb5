"""Browser: a bureau user uploads a settlement list with bad rows, previews, confirms, sees the result
and downloads the error report."""
from __future__ import annotations

import csv
import io

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.cases.models import Case
from apps.groups.services import catalogue_load_shipped
from apps.tenants.enums import Role
from tests.cases.helpers import csv_bytes, row
from tests.e2e.conftest import login, screenshot


@pytest.mark.e2e
def test_upload_preview_confirm_and_error_report(page, live_server, e2e_world, tmp_path):
    a = e2e_world["A"]
    with scopes_disabled():
        catalogue_load_shipped(actor=None, region=a.region)
    rows = [row(i) for i in range(1, 13)] + [row(13, gender="3"), row(14, principal_dx="BAD.1"), row(15, los_days="40")]
    upload = tmp_path / "清单.csv"
    upload.write_bytes(csv_bytes(rows))

    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/cases/imports/new/")
    page.set_input_files("input[name=file]", str(upload))
    page.locator("#upload-form button[type=submit]").click()

    expect(page.locator("#import-result")).to_be_visible(timeout=20_000)
    expect(page.locator("#count-created")).to_have_text("12")
    expect(page.locator("#count-rejected")).to_have_text("3")
    expect(page.locator("#import-errors")).to_contain_text("住院天数与出入院日期不符")  # labels, not codes (issue 18)
    with scopes_disabled():
        assert Case.objects.count() == 0  # a preview writes nothing

    page.locator("#confirm-import").click()
    expect(page.locator("#import-result")).to_be_visible(timeout=30_000)
    expect(page.locator("#count-created")).to_have_text("12")
    screenshot(page, "case_upload_result")
    with scopes_disabled():
        assert Case.objects.filter(region=a.region).count() == 12

    with page.expect_download() as info:
        page.locator("#download-errors").click()
    report = info.value.path().read_text(encoding="utf-8-sig")
    errors = list(csv.DictReader(io.StringIO(report)))
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        ("14", "gender", "invalid_choice"), ("15", "principal_dx", "unknown_diagnosis"), ("16", "los_days", "los_mismatch")]

    page.goto(f"{live_server.url}/cases/?q=S00012")
    expect(page.locator("#case-table")).to_contain_text("S00012")
