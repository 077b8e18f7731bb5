"""Browser walk of training: the bureau plans a course and a session and publishes it, a hospital coder enrols,
the bureau marks attendance and enters a passing score, the coder downloads the certificate (PDF text checked
with pdftotext); the bureau's coverage dashboard shows the pass."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.tenants.enums import Role
from apps.training.models import Enrollment, Session
from tests.e2e.conftest import login, logout, screenshot

pytestmark = pytest.mark.e2e


def _logout(page) -> None:
    page.click(".user-menu summary")
    logout(page)


def _local(delta: dt.timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def test_bureau_session_coder_enrols_passes_and_downloads_certificate(page, live_server, e2e_world, tmp_path):
    a = e2e_world["A"]
    bureau, coder = a.users[Role.BUREAU_STAFF], a.users[Role.HOSPITAL_STAFF]
    url = live_server.url

    # 1. the bureau plans a course and a session, and publishes it (training notice to the hospitals)
    login(page, live_server, bureau.username)
    page.goto(f"{url}/training/courses/new/")
    page.fill("input[name=title]", "医保结算清单填报质量控制")
    page.select_option("select[name=category]", "settlement_list")
    page.fill("input[name=hours]", "3")
    page.check("input[name=audience][value=hospital_staff]")
    page.check("input[name=audience][value=hospital_admin]")
    page.fill("textarea[name=description]", "结算清单必填项与质控规则。")
    page.click("#course-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("医保结算清单填报质量控制")
    page.click("text=新建培训班次")
    page.select_option("select[name=mode]", "venue")
    page.fill("input[name=venue]", "宣城市医保局三楼会议室")
    page.fill("input[name=starts_at]", _local(dt.timedelta(minutes=6)))
    page.fill("input[name=ends_at]", _local(dt.timedelta(hours=3)))
    page.fill("input[name=enrol_deadline]", _local(dt.timedelta(minutes=5)))
    page.fill("input[name=capacity]", "20")
    page.fill("input[name=pass_mark]", "60")
    page.click("#session-form button[type=submit]")
    expect(page.locator("#session-status")).to_have_attribute("data-status", "draft")
    page.click("#publish")
    expect(page.locator("#session-status")).to_have_attribute("data-status", "published")
    screenshot(page, "training-session-published")
    with scopes_disabled():
        session = Session.objects.get(region=a.region, course__title="医保结算清单填报质量控制")
    _logout(page)

    # 2. a hospital coder finds the session among the open ones and enrols
    login(page, live_server, coder.username)
    page.goto(f"{url}/training/open/")
    row = page.locator(f"#open-sessions tr[data-id='{session.pk}']")
    expect(row).to_contain_text("医保结算清单填报质量控制")
    row.locator("button.enrol").click()
    expect(page.locator("#my-enrolment")).to_contain_text("已报名")
    screenshot(page, "training-coder-enrolled")
    _logout(page)

    # 3. the bureau marks attendance and enters a passing score in the roster
    login(page, live_server, bureau.username)
    page.goto(f"{url}/training/sessions/{session.pk}/")
    line = page.locator(f"#roster tr[data-user='{coder.username}']")
    line.locator("button.mark-attended").click()
    line = page.locator(f"#roster tr[data-user='{coder.username}']")
    expect(line).to_have_attribute("data-status", "attended")
    line.locator("input[type=number]").fill("86")
    page.click("#save-scores")
    expect(page.locator(f"#roster tr[data-user='{coder.username}']")).to_contain_text("PX341800")
    screenshot(page, "training-roster-scored")
    page.goto(f"{url}/training/coverage/")
    expect(page.locator(f"#coverage-table tr[data-code='{a.hospital.code}']")).to_contain_text("50.0%")
    page.wait_for_timeout(500)  # the chart draws
    screenshot(page, "training-coverage")
    _logout(page)

    # 4. the coder downloads the certificate
    login(page, live_server, coder.username)
    page.goto(f"{url}/training/mine/")
    with page.expect_download() as info:
        page.click("a.download-certificate")
    pdf = tmp_path / "certificate.pdf"
    info.value.save_as(pdf)
    screenshot(page, "training-my-trainings")
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode().split())
    with scopes_disabled():
        enrollment = Enrollment.objects.get(session=session, user=coder)
    for needle in ("培训合格证书", coder.name, "医保结算清单填报质量控制", "3学时", enrollment.certificate_number,
                   enrollment.verification_code, "宣城"):
        assert needle in text, needle

    # 5. anyone can check the code
    _logout(page)
    page.goto(f"{url}/training/verify/{enrollment.verification_code}/")
    expect(page.locator("#verified-name")).to_have_text(coder.name)
    screenshot(page, "training-verify")
