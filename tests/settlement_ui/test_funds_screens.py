"""Screens of a two-fund run (domain §10): each point value on the run, the fund lines of a statement, the fund
of a case on the "why this amount" page, the per-fund CSV, and the statement notice's fund lines."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.settlement.models import CaseResult, FundResult, HospitalFundResult
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from tests.settlement.conftest import YEAR, add_cases, base_cases, case, new_hospital, publish_inputs
from tests.settlement.test_funds import B310, B390, month_cases, two_funds


@pytest.fixture
def small(world):
    """The `small` world of tests/settlement (same hospitals, base period and published 2025 inputs)."""
    a = world["A"]
    h1, h2, h3 = a.hospitals
    h4 = new_hospital(a.region, "H3418000004", 3, dt.date(2025, 1, 1))
    h5 = new_hospital(a.region, "H3418000005", 1, dt.date(2024, 1, 1))
    add_cases(base_cases([h1, h2, h3]))
    return {"world": world, "region": a.region, "h": [h1, h2, h3, h4, h5], **publish_inputs(a.region)}


@pytest.fixture
def split_run(small):
    two_funds(small["region"])
    month_cases(small)
    run = settlement_run_start(actor=None, region=small["region"], kind="monthly", period=f"{YEAR}-03", sync=True)
    return settlement_run_publish(actor=None, run=run)


@pytest.mark.django_db
def test_run_detail_statement_and_why_page_show_the_funds(client, small, split_run):
    run = split_run
    with scopes_disabled():
        funds = {f.insurance_type: f for f in FundResult.objects.filter(run=run)}
        h1_funds = {f.insurance_type: f for f in HospitalFundResult.objects.filter(run=run, hospital=small["h"][0])}
        result = CaseResult.objects.filter(run=run, insurance_type="390").get()
    client.force_login(small["world"]["A"].users[Role.BUREAU_ADMIN])
    html = client.get(reverse("settlement:run_detail", args=[run.pk])).content.decode()
    assert f'data-kpi="point_value_310">{funds["310"].point_value}<' in html
    assert f'data-kpi="point_value_390">{funds["390"].point_value}<' in html
    assert f"{B390} / 12" in html and 'id="pv-formula-390"' in html and 'id="funds-csv"' in html
    body = client.get(reverse("settlement:run_export", args=[run.pk, "funds", "csv"]))
    lines = b"".join(body.streaming_content).decode().splitlines()
    assert lines[0] == "hospital_code,insurance_type,cases,points,adjusted_points,self_pay,point_value,due,advance,balance"
    assert len(lines) == 4

    client.force_login(small["world"]["A"].users[Role.HOSPITAL_STAFF])
    html = client.get(reverse("settlement:statement", args=[run.pk])).content.decode()
    assert 'id="fund-lines"' in html and 'data-fund="310"' in html and 'data-fund="390"' in html
    assert f"{h1_funds['390'].adjusted_points} × {h1_funds['390'].point_value} − {h1_funds['390'].self_pay} = " \
           f"{h1_funds['390'].due}" in html
    assert f"{h1_funds['310'].due} + {h1_funds['390'].due}" in html
    html = client.get(reverse("settlement:case_result", args=[result.pk])).content.decode()
    assert 'data-field="insurance_type">390' in html and 'data-step="fund"' in html
    assert f"{result.adjusted_points} × {funds['390'].point_value} = " in html
    assert B310  # both budgets used above


@pytest.mark.django_db
def test_statement_notice_lists_each_fund(small, split_run):
    from apps.notices.generate import point_value_block, prepare_settlement_notices, settlement_case_table

    with scopes_disabled():
        notices = prepare_settlement_notices(actor=None, run_id=split_run.pk, region_ids=[small["region"].pk])
        first = notices[0]
        summary = first.blocks[0]
        assert [r[0] for r in summary["rows"]] == [f"{YEAR}-03 310职工医保", f"{YEAR}-03 390居民医保", "合计"]
        table = settlement_case_table(small["region"].pk, split_run.pk, small["h"][0].pk)
        assert table.headers[1] == "险种" and {r[1] for r in table.rows} == {"310职工医保", "390居民医保"}
        block = point_value_block(split_run)
        assert [r[1] for r in block["rows"]] == ["310 职工医保", "390 居民医保"]


@pytest.mark.django_db
def test_month_screen_lets_a_hospital_declare(client, small):
    add_cases([case(small["h"][0], "ED11", "8000", dt.date(YEAR, 3, 5))])
    client.force_login(small["world"]["A"].users[Role.HOSPITAL_STAFF])
    url = reverse("settlement:month_status") + f"?region={small['region'].code}&period={YEAR}-03"
    html = client.get(url).content.decode()
    assert f'data-submit="{small["h"][0].code}"' in html and small["h"][1].code not in html
    response = client.post(reverse("settlement:month_submit"),
                           {"region": small["region"].code, "period": f"{YEAR}-03", "hospital": small["h"][0].pk})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "data-submit=" not in html
    other = client.post(reverse("settlement:month_submit"),
                        {"region": small["region"].code, "period": f"{YEAR}-03", "hospital": small["h"][1].pk})
    assert other.status_code == 404
