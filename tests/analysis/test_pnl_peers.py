"""Group profit and loss worked by hand, and the same group across the hospitals of one level (anonymised, and
no comparison below three peers)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.monitoring import analysis
from apps.monitoring.formulas import parse_period

from .conftest import MARCH, add_hospital, make_case

pytestmark = pytest.mark.django_db
D = Decimal


def test_pnl_per_group_by_hand(pl):
    h1 = pl["h"][0]
    with scopes_disabled():
        data = analysis.pnl(pl["region"], h1, 2025, ("group",))
    rows = {r["group"]: r for r in data["rows"]}
    # AA11: Σ adjusted 220.5 × 95.1234 = 20974.7097 → 20974.71; self pay 500; cost 24000
    aa = rows["AA11"]
    assert (aa["cases"], aa["adjusted_points"], aa["payment"], aa["self_pay"], aa["fund_part"], aa["cost"],
            aa["profit"]) == (2, D("220.5000"), D("20974.71"), D("500.00"), D("20474.71"), D("24000.00"), D("-3025.29"))
    assert aa["profit_per_case"] == D("-1512.65") and aa["payment_ratio"] == D("0.8739") and aa["alos"] == D("11.00")
    # BB13: 200 × 95.1234 = 19024.68 against 30000 → −10975.32 (the worst, listed first)
    assert [r["group"] for r in data["rows"]] == ["BB13", "AA11"]
    assert rows["BB13"]["payment"] == D("19024.68") and rows["BB13"]["profit"] == D("-10975.32")
    t = data["total"]
    assert (t["cases"], t["payment"], t["cost"], t["profit"], t["fund_part"]) == (
        3, D("39999.39"), D("54000.00"), D("-14000.61"), D("38499.39"))
    assert [r.version for r in data["runs"]] == [1]  # the unpublished version 2 is not read


def test_pnl_per_department_and_month_and_losses(pl):
    h1 = pl["h"][0]
    with scopes_disabled():
        dept = {r["department"]: r for r in analysis.pnl(pl["region"], h1, 2025, ("department",))["rows"]}
        months = analysis.pnl(pl["region"], h1, 2025, ("month",))["rows"]
        loss = analysis.losses(pl["region"], h1, 2025)
        other_year = analysis.pnl(pl["region"], h1, 2024, ("group",))
    assert dept["心内科"]["payment"] == D("20974.71") and dept["普外科"]["cost"] == D("30000.00")
    assert [(m["month"], m["payment"]) for m in months] == [(3, D("39999.39"))]
    assert [r["group"] for r in loss] == ["BB13", "AA11"]
    assert other_year["rows"] == [] and other_year["total"] is None


def _peer_cases(region, n_others: int):
    hospitals = [add_hospital(region, f"HX{i:04d}") for i in range(n_others)]
    costs = [("8000", 8, False), ("9000", 9, False), ("20000", 20, True)]
    with scopes_disabled():
        Case.objects.bulk_create([make_case(h, "AA11", cost, los, MARCH, "1000", "500", "500", died=died)
                                  for h, (cost, los, died) in zip(hospitals, costs, strict=False)])
    return hospitals


def test_peers_fewer_than_three_is_suppressed_for_the_hospital_not_the_bureau(mon):
    h1 = mon["h"][0]
    _peer_cases(mon["region"], 2)
    with scopes_disabled():
        seen = analysis.peer_comparison(mon["region"], h1, "AA11", parse_period("2025-03"), names=False)
        bureau = analysis.peer_comparison(mon["region"], h1, "AA11", parse_period("2025-03"), names=True)
    assert seen["suppressed"] and seen["peers"] == 2 and seen["level_total"] is None
    assert [r["label"] for r in seen["rows"]] == [h1.name]
    own = seen["rows"][0]
    assert (own["cases"], own["mean_cost"], own["mean_los"], own["drug_share"], own["consumable_share"],
            own["exam_share"], own["mortality"]) == (2, D("12000.00"), D("11.00"), D("0.3750"), D("0.1250"),
                                                     D("0.0833"), D("0.5000"))
    assert not bureau["suppressed"] and len(bureau["rows"]) == 3
    assert {r["label"] for r in bureau["rows"]} == {h1.name, "同级医院00", "同级医院01"}


def test_peers_three_anonymised_in_order_of_mean_cost(mon):
    h1 = mon["h"][0]
    _peer_cases(mon["region"], 3)
    with scopes_disabled():
        seen = analysis.peer_comparison(mon["region"], h1, "AA11", parse_period("2025-03"), names=False)
    assert not seen["suppressed"]
    assert [(r["label"], r["own"], r["code"], r["mean_cost"]) for r in seen["rows"]] == [
        (h1.name, True, h1.code, D("12000.00")), ("机构A", False, "", D("8000.00")), ("机构B", False, "", D("9000.00")),
        ("机构C", False, "", D("20000.00"))]
    t = seen["level_total"]
    # 5 cases, cost 61000, 59 bed days, 2 deaths; drug 9000 + 3 × 1000 = 12000
    assert (t["cases"], t["mean_cost"], t["mean_los"], t["mortality"], t["drug_share"]) == (
        5, D("12200.00"), D("11.80"), D("0.4000"), D("0.1967"))
    # the level-2 hospital h2 and region B's AA11 cases are not peers
    with scopes_disabled():
        year = analysis.peer_comparison(mon["region"], h1, "AA11", parse_period("2025"), names=True)
    assert sum(r["cases"] for r in year["rows"]) == 6  # + h1's April case
    assert dt.date(2025, 4, 2)
