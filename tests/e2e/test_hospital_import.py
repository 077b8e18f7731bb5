"""Browser walk of the hospital import as the bureau administrator: upload, preview, confirm, error report."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.hospitals.models import Hospital
from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e
SAMPLE = Path(__file__).resolve().parents[2] / "apps" / "hospitals" / "samples" / "hospitals_with_errors.csv"


def test_bureau_admin_imports_hospitals_and_downloads_the_error_report(page, live_server, e2e_world):
    region = e2e_world["A"].region
    login(page, live_server, e2e_world["A"].users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/hospitals/import/")
    page.set_input_files("#import-form input[type=file]", str(SAMPLE))
    page.click("#import-form button[type=submit]")
    confirm = page.locator("#confirm-import")
    expect(confirm).to_be_enabled()
    with scopes_disabled():
        assert not Hospital.objects.filter(region=region, code="H34180200001").exists()  # a preview writes nothing
    screenshot(page, "hospital-import-preview")
    confirm.click()
    with page.expect_download() as download_info:
        page.click("#download-errors")
    report = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(report)))
    assert rows, "the error report lists the bad rows"
    assert {"row", "code", "field", "error_code", "message"} <= set(rows[0])
    assert {"H34180200011", "H34180200012"} <= {r["code"] for r in rows}  # bad level, bad grade
    with scopes_disabled():
        assert Hospital.objects.filter(region=region, code="H34180200001").exists()  # the good row landed
        assert not Hospital.objects.filter(code="H34180200011").exists()
    screenshot(page, "hospital-import-report")
