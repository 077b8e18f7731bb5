"""Browser: the bureau dashboard shows the worked figures of tests/monitoring/conftest.py, the hospital user sees
its tier anonymised, and the province supervisor compares the regions of the province side by side."""
from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.cases.models import Case
from apps.tenants.enums import Role
from tests.e2e.conftest import login, screenshot
from tests.monitoring.conftest import make_case, publish_stats

MARCH = dt.date(2025, 3, 15)


@pytest.fixture
def e2e_monitoring(e2e_world):
    from apps.monitoring.services import indicators_compute

    a, b = e2e_world["A"], e2e_world["B"]
    h1, h2, h3 = a.hospitals
    for world in (a, b, e2e_world["C"]):
        publish_stats(world.region)
    with scopes_disabled():
        Case.objects.bulk_create([
            make_case(h1, "AA11", "10000", 10, MARCH, "4000", "1000", "1000", fund="7000"),
            make_case(h1, "AA11", "14000", 12, MARCH, "5000", "2000", "1000", died=True, fund="9000"),
            make_case(h1, "BB13", "30000", 12, MARCH, "9000", "6000", "3000", fund="20000"),
            make_case(h2, "AA11", "6000", 6, MARCH, "3000", "500", "500", fund="4000"),
            make_case(h2, "EE13", "8000", 8, MARCH, "2000", "1000", "1000", fund="5000"),
            make_case(h3, "DD19", "2000", 4, MARCH, "800", "100", "100", fund="1500"),
            make_case(h1, "", "5000", 5, MARCH, fund="3000"),
            make_case(h2, "ZZ99", "4000", 5, MARCH, fund="2500"),
            # 合肥: one hospital, two cases of group BB13 (CMI 2.0000)
            make_case(b.hospitals[0], "BB13", "20000", 10, MARCH),
            make_case(b.hospitals[0], "BB13", "24000", 12, MARCH),
            make_case(e2e_world["C"].hospitals[0], "AA11", "9000", 9, MARCH),
        ])
        for world in (a, b, e2e_world["C"]):
            for period in ("2025-03", "2025-Q1", "2025"):
                indicators_compute(actor=None, region=world.region, period=period, sync=True)
    return e2e_world


def test_bureau_dashboard_and_province_comparison(page, live_server, e2e_monitoring):
    a = e2e_monitoring["A"]
    login(page, live_server, a.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/monitoring/?region=341800&period=2025-03")
    expect(page.locator('[data-kpi="cmi"]')).to_have_text("1.0500")
    expect(page.locator('[data-kpi="cases"]')).to_have_text("6")
    expect(page.locator('[data-kpi="lowrisk_mortality"]')).to_have_text("0.2500")
    row = page.locator(f'#hospital-indicators tr[data-hospital="{a.hospitals[0].code}"]')
    expect(row.locator('[data-col="cmi"]')).to_have_text("1.3333")
    expect(row.locator('[data-col="cost_index"]')).to_have_text("1.1333")
    expect(row.locator('[data-col="time_index"]')).to_have_text("1.1193")
    expect(page.locator('#coverage tr[data-coverage="cases"] [data-col="share"]')).to_have_text("0.8750")
    expect(page.locator("#canvas-trend canvas")).to_have_count(1)  # ECharts drew the chart
    expect(page.locator("#canvas-distribution canvas")).to_have_count(1)
    with page.expect_download() as download:
        page.click('a[data-csv="hospitals"]')
    assert download.value.suggested_filename == "indicators-341800-2025-03.csv"
    screenshot(page, "monitoring-bureau-dashboard")
    page.context.clear_cookies()  # sign out

    login(page, live_server, a.users[Role.HOSPITAL_STAFF].username)
    page.goto(f"{live_server.url}/monitoring/?region=341800&period=2025-03")
    expect(page.locator('#tier-stats tr[data-indicator="cmi"] strong')).to_have_text("1.3333")
    expect(page.locator("body")).not_to_contain_text(a.hospitals[1].name)
    screenshot(page, "monitoring-hospital-position")
    page.context.clear_cookies()  # sign out

    login(page, live_server, e2e_monitoring["supervisor"].username)
    page.goto(f"{live_server.url}/monitoring/compare/?period=2025-03")
    expect(page.locator('#compare-table tr[data-region="341800"] [data-col="cmi"]')).to_have_text("1.0500")
    expect(page.locator('#compare-table tr[data-region="340100"] [data-col="cmi"]')).to_have_text("2.0000")
    expect(page.locator('#compare-table tr[data-region="340100"] [data-col="cases"]')).to_have_text("2")
    expect(page.locator('#compare-table tr[data-region="320900"]')).to_have_count(0)
    expect(page.locator("#canvas-indices canvas")).to_have_count(1)
    screenshot(page, "monitoring-province-comparison")
