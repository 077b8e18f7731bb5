"""Two funds (domain §10): point value, due and advance per fund, hospital totals = sums over the funds.

Hand-worked on the `small` world (h1 level 3 coef 1.1133, h2 level 2 coef 0.9489), month 2025-03:
| case | hospital | fund | group | cost | self pay |
|---|---|---|---|---|---|
| 1 | h1 | 310 | ED11 | 8000 | 100 |
| 2 | h1 | 390 | ED11 | 8000 | 200 |
| 3 | h2 | 310 | EC19 | 5000 | 50 |
Both ED11 cases are normal: points = bp(ED11), adjusted = round(bp × 1.1133, 4); EC19 for h2 likewise × 0.9489.
PV_310 = (600000 + 12 × (100 + 50)) / (12 × (adj1 + adj3)); PV_390 = (1200000 + 12 × 200) / (12 × adj2);
h2 has cases in 310 only; month 2025-04 has no 390 case at all (PV_390 empty, its budget not spent).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.settlement import formulas as f
from apps.settlement.models import CaseResult, FundResult, HospitalFundResult, HospitalResult
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from apps.tenants.services import policy_set

from .conftest import YEAR, add_cases, case

D = Decimal
B310, B390 = D("600000.00"), D("1200000.00")


def two_funds(region, **extra) -> None:
    with scopes_disabled():
        policy_set(actor=None, region=region, year=YEAR,
                   values={"fund_budget_310": B310, "fund_budget_390": B390, **extra})


def with_fund(c, fund: str):
    c.insurance_type = fund
    return c


def month_cases(small) -> None:
    h1, h2 = small["h"][0], small["h"][1]
    add_cases([
        with_fund(case(h1, "ED11", "8000", dt.date(YEAR, 3, 5), self_pay="100"), "310"),
        with_fund(case(h1, "ED11", "8000", dt.date(YEAR, 3, 6), self_pay="200"), "390"),
        with_fund(case(h2, "EC19", "5000", dt.date(YEAR, 3, 7), self_pay="50"), "310"),
        with_fund(case(h1, "ED11", "8000", dt.date(YEAR, 4, 5), self_pay="10"), "310"),
        with_fund(case(h2, "EC19", "5000", dt.date(YEAR, 4, 7), self_pay="20"), "310"),
    ])


def rows(model, run):
    with scopes_disabled():
        return list(model.objects.filter(run=run))


@pytest.mark.django_db
def test_monthly_two_funds_hand_worked(small):
    region = small["region"]
    h1, h2 = small["h"][0], small["h"][1]
    two_funds(region)
    month_cases(small)
    run = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03", sync=True)
    assert run.status == "ready", run.error
    cr = {(c.hospital_id, c.insurance_type): c for c in rows(CaseResult, run)}
    adj1, adj2, adj3 = cr[(h1.pk, "310")].adjusted_points, cr[(h1.pk, "390")].adjusted_points, \
        cr[(h2.pk, "310")].adjusted_points
    bp_ed11 = cr[(h1.pk, "310")].base_points
    assert adj1 == adj2 == f.q4(bp_ed11 * D("1.1133"))
    assert adj3 == f.q4(cr[(h2.pk, "310")].base_points * D("0.9489"))
    pv310 = f.q4((B310 + 12 * D("150")) / (12 * (adj1 + adj3)))
    pv390 = f.q4((B390 + 12 * D("200")) / (12 * adj2))
    assert pv310 == f.monthly_point_value(B310, D("150"), adj1 + adj3)
    assert run.point_value is None
    assert run.point_values == {"310": str(pv310), "390": str(pv390)}
    funds = {x.insurance_type: x for x in rows(FundResult, run)}
    assert funds["310"].fund_budget == B310 and funds["310"].cases == 2 and funds["310"].self_pay == D("150")
    assert funds["390"].adjusted_points == adj2 and funds["390"].point_value == pv390

    hf = {(x.hospital_id, x.insurance_type): x for x in rows(HospitalFundResult, run)}
    assert set(hf) == {(h1.pk, "310"), (h1.pk, "390"), (h2.pk, "310")}  # h2: one fund only
    due_h1_310 = f.due(adj1, pv310, D("100"))
    due_h1_390 = f.due(adj2, pv390, D("200"))
    due_h2_310 = f.due(adj3, pv310, D("50"))
    assert hf[(h1.pk, "310")].due == due_h1_310 and hf[(h1.pk, "390")].due == due_h1_390
    assert hf[(h1.pk, "310")].advance == f.advance(due_h1_310, D("0.95"))
    assert hf[(h2.pk, "310")].due == due_h2_310 and hf[(h2.pk, "310")].point_value == pv310
    hr = {x.hospital_id: x for x in rows(HospitalResult, run)}
    assert hr[h1.pk].point_value is None
    assert hr[h1.pk].due == due_h1_310 + due_h1_390
    assert hr[h1.pk].advance == f.advance(due_h1_310, D("0.95")) + f.advance(due_h1_390, D("0.95"))
    assert hr[h1.pk].cases == 2 and hr[h1.pk].adjusted_points == adj1 + adj2
    assert hr[h2.pk].due == due_h2_310 and hr[h2.pk].advance == f.advance(due_h2_310, D("0.95"))
    assert run.total_due == due_h1_310 + due_h1_390 + due_h2_310
    assert funds["310"].due == due_h1_310 + due_h2_310 and funds["390"].due == due_h1_390

    # a month without any 390 case: PV_390 empty, no 390 rows, 310 computed as usual
    april = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-04", sync=True)
    assert april.status == "ready", april.error
    assert april.point_values["390"] is None
    april_funds = {x.insurance_type: x for x in rows(FundResult, april)}
    assert april_funds["390"].cases == 0 and april_funds["390"].point_value is None and april_funds["390"].due == 0
    assert {x.insurance_type for x in rows(HospitalFundResult, april)} == {"310"}
    cr4 = rows(CaseResult, april)
    assert april.point_values["310"] == str(f.monthly_point_value(
        B310, D("30"), sum((c.adjusted_points for c in cr4), D(0))))


@pytest.mark.django_db
def test_commands_and_api_show_point_values(small, tmp_path, api):
    region = small["region"]
    two_funds(region)
    month_cases(small)
    out = StringIO()
    call_command("run_settlement", "--region", region.code, "--kind", "monthly", "--period", f"{YEAR}-03",
                 "--publish", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["point_value"] is None and set(printed["point_values"]) == {"310", "390"}
    run_id = printed["run_id"]
    funds_csv, hospitals_csv = tmp_path / "funds.csv", tmp_path / "hospitals.csv"
    call_command("export_settlement", "--run", str(run_id), "--funds", str(funds_csv), "--hospitals",
                 str(hospitals_csv), stdout=StringIO())
    with open(funds_csv, encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["hospital_code", "insurance_type", "cases", "points", "adjusted_points", "self_pay",
                        "point_value", "due", "advance", "balance"]
    assert [(r[0], r[1]) for r in lines[1:]] == [(small["h"][0].code, "310"), (small["h"][0].code, "390"),
                                                 (small["h"][1].code, "310")]
    assert lines[1][6] == printed["point_values"]["310"] and lines[2][6] == printed["point_values"]["390"]
    with open(hospitals_csv, encoding="utf-8") as handle:
        hospitals = list(csv.DictReader(handle))
    assert list(hospitals[0]) == ["hospital_code", "cases", "points", "adjusted_points", "self_pay", "point_value",
                                  "due", "advance", "balance"]
    assert hospitals[0]["point_value"] == ""
    assert D(hospitals[0]["due"]) == D(lines[1][7]) + D(lines[2][7])

    bureau = small["world"]["A"].users[Role.BUREAU_STAFF]
    body = api(bureau).get(f"/api/v1/settlement-runs/{run_id}/").json()
    assert body["point_values"] == printed["point_values"] and body["point_value"] is None
    assert [x["insurance_type"] for x in body["funds"]] == ["310", "390"]
    hospital_user = small["world"]["A"].users[Role.HOSPITAL_STAFF]
    listed = api(hospital_user).get(f"/api/v1/settlement-runs/{run_id}/hospitals/").json()["results"]
    assert [r["hospital"] for r in listed] == [small["h"][0].code]  # own hospital only
    assert [x["insurance_type"] for x in listed[0]["funds"]] == ["310", "390"]
    other = small["world"]["B"].users[Role.BUREAU_ADMIN]
    assert api(other).get(f"/api/v1/settlement-runs/{run_id}/").status_code == 404


@pytest.mark.django_db
def test_one_fund_run_refuses_funds_export(small, tmp_path):
    month_cases(small)
    run = settlement_run_start(actor=None, region=small["region"], kind="monthly", period=f"{YEAR}-03", sync=True)
    assert run.point_values == {} and run.point_value is not None
    with pytest.raises(Exception, match="one fund"):
        call_command("export_settlement", "--run", str(run.pk), "--funds", str(tmp_path / "f.csv"), stdout=StringIO())


@pytest.mark.django_db
def test_published_two_fund_monthly_feeds_annual_per_fund(small):
    region = small["region"]
    h1 = small["h"][0]
    two_funds(region)
    month_cases(small)
    monthly = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03", sync=True)
    settlement_run_publish(actor=None, run=monthly)
    annual = settlement_run_start(actor=None, region=region, kind="annual", period=str(YEAR), sync=True)
    assert annual.status == "ready", annual.error
    paid = {(x.hospital_id, x.insurance_type): x.advance for x in rows(HospitalFundResult, monthly)}
    for x in rows(HospitalFundResult, annual):
        assert x.advance == paid.get((x.hospital_id, x.insurance_type), 0)
        assert x.balance == x.due - x.advance
    hr = {x.hospital_id: x for x in rows(HospitalResult, annual)}
    assert hr[h1.pk].balance == hr[h1.pk].due - hr[h1.pk].advance
