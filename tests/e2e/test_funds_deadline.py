"""Browser: a hospital misses the upload deadline of 2025-03 (domain §10), sees the suspended advance on its
statement, declares the month complete (提交), and after the bureau re-runs the month sees the advance paid."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.settlement import formulas as f
from apps.settlement.models import HospitalResult
from apps.settlement.services import months_flag_overdue, settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot
from tests.settlement.conftest import YEAR, add_cases, base_cases, case, publish_inputs

pytestmark = pytest.mark.e2e
PERIOD = f"{YEAR}-03"


@pytest.fixture
def overdue_month(e2e_world):
    a = e2e_world["A"]
    h1, h2, h3 = a.hospitals
    add_cases(base_cases([h1, h2, h3]))
    publish_inputs(a.region)
    add_cases([case(h1, "ED11", "8000", dt.date(YEAR, 3, 5), self_pay="100"),
               case(h1, "EC19", "5000", dt.date(YEAR, 3, 9), self_pay="20"),
               case(h2, "EC19", "5000", dt.date(YEAR, 3, 7), self_pay="50")])
    with scopes_disabled():
        flagged = months_flag_overdue(region=a.region, period=PERIOD, today=dt.date(YEAR, 4, 11))
        assert {r.hospital_id for r in flagged} == {h1.pk, h2.pk}
        run = settlement_run_start(actor=None, region=a.region, kind="monthly", period=PERIOD, sync=True)
        run = settlement_run_publish(actor=None, run=run)
    return {"world": e2e_world, "run": run, "region": a.region, "h1": h1}


def test_hospital_misses_the_deadline_then_declares_and_is_released(page, live_server, overdue_month):
    world, run, h1 = overdue_month["world"], overdue_month["run"], overdue_month["h1"]
    login(page, live_server, world["A"].users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/settlement/runs/{run.pk}/statement/")
    expect(page.locator("#suspension")).to_be_visible()
    expect(page.locator("#suspension")).to_contain_text("2025-04-10")
    expect(page.locator("#statement-totals [data-kpi=advance]")).to_have_text("0.00")
    screenshot(page, "funds-deadline-suspended-statement")

    page.click("#suspension a")  # to the month's declarations
    row = page.locator(f"#month-declarations tr[data-hospital='{h1.code}']")
    expect(row).to_have_attribute("data-overdue", "1")
    expect(row).to_have_attribute("data-suspended", "1")
    expect(page.locator("#month-declarations tbody tr")).to_have_count(1)  # own hospital only
    row.locator("button[type=submit]").click()
    row = page.locator(f"#month-declarations tr[data-hospital='{h1.code}']")
    expect(row.locator("[data-col=submitted_at]")).not_to_have_text("—")
    expect(row).to_have_attribute("data-suspended", "1")  # until the month is re-run
    expect(row.locator("button[type=submit]")).to_have_count(0)
    screenshot(page, "funds-deadline-declared")

    with scopes_disabled():  # the bureau re-runs the month and publishes version 2
        again = settlement_run_start(actor=world["A"].users[Role.BUREAU_STAFF], region=overdue_month["region"],
                                     kind="monthly", period=PERIOD)
        again = settlement_run_publish(actor=world["A"].users[Role.BUREAU_ADMIN], run=again)
        row2 = HospitalResult.objects.get(run=again, hospital=h1)
    assert not row2.suspended and row2.advance == f.advance(row2.due, Decimal("0.95")) > 0
    page.goto(f"{live_server.url}/settlement/months/?region={overdue_month['region'].code}&period={PERIOD}")
    expect(page.locator(f"#month-declarations tr[data-hospital='{h1.code}']")).to_have_attribute("data-suspended", "0")
    page.goto(f"{live_server.url}/settlement/runs/{again.pk}/statement/")
    expect(page.locator("#suspension")).to_have_count(0)
    expect(page.locator("#statement-totals [data-kpi=advance]")).to_have_text(str(row2.advance))
    screenshot(page, "funds-deadline-released")
