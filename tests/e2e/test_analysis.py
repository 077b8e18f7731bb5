"""Browser (issue 20): a hospital reads its loss-making groups in 病组盈亏 and compares one group with the other
hospitals of its level — itself named, the others 机构A, B, C by mean cost; the P&L figures are the hand-worked
ones of tests/analysis."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.cases.models import Case
from apps.tenants.enums import Role
from tests.analysis.conftest import add_hospital, run_with_results
from tests.e2e.conftest import login, screenshot
from tests.monitoring.conftest import make_case, publish_stats

MARCH = dt.date(2025, 3, 15)


@pytest.fixture
def e2e_pnl(e2e_world):
    a = e2e_world["A"]
    h1 = a.hospitals[0]
    publish_stats(a.region)
    peers = [add_hospital(a.region, f"HX{i:04d}") for i in range(3)]
    with scopes_disabled():
        c1 = make_case(h1, "AA11", "10000", 10, MARCH, "4000", "1000", "1000")
        c2 = make_case(h1, "AA11", "14000", 12, MARCH, "5000", "2000", "1000", died=True)
        c3 = make_case(h1, "BB13", "30000", 12, MARCH, "9000", "6000", "3000")
        Case.objects.bulk_create([c1, c2, c3] + [
            make_case(h, "BB13", cost, 10, MARCH, "5000", "3000", "2000") for h, cost in
            zip(peers, ("26000", "28000", "35000"), strict=True)])
    run_with_results(a.region, 3, Decimal("95.1234"), [(c1, "100.0000", "500.00"), (c2, "120.5000", "0"),
                                                       (c3, "200.0000", "1000.00")])
    return e2e_world


def test_hospital_reads_losses_and_compares_a_group_with_peers(page, live_server, e2e_pnl):
    a = e2e_pnl["A"]
    login(page, live_server, a.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/monitoring/pnl/?region={a.region.code}&year=2025")
    expect(page.locator("#kpi-payment")).to_have_text("39999.39")
    expect(page.locator("#kpi-profit")).to_have_text("-14000.61")
    losses = page.locator("#loss-table tbody tr")
    expect(losses).to_have_count(2)
    expect(losses.nth(0)).to_have_attribute("data-group", "BB13")
    expect(losses.nth(0).locator("td.neg")).to_have_text("-10975.32")
    expect(page.locator("#canvas-loss canvas")).to_have_count(1)
    screenshot(page, "analysis-pnl-hospital")
    page.locator('[data-compare="BB13"]').click()
    expect(page.locator("#peers-table tbody tr")).to_have_count(4)
    own = page.locator('#peers-table tr[data-own="1"]')
    expect(own).to_contain_text(a.hospitals[0].name)
    expect(own).to_contain_text("30000.00")
    others = page.locator("#peers-table tbody tr:not([data-own])")
    expect(others.nth(0)).to_contain_text("机构A")
    expect(others.nth(0)).to_contain_text("26000.00")
    expect(others.nth(2)).to_contain_text("机构C")
    expect(page.locator("#peers-table")).not_to_contain_text("同级医院")
    expect(page.locator("#peers-level")).to_contain_text("29750.00")  # (30000 + 26000 + 28000 + 35000) / 4
    screenshot(page, "analysis-peers-hospital")
