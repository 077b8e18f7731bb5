"""Surplus retention and overspend sharing in the annual clearing (domain §10), at the edges.

keep = 0.6, share = 0.3, floor = 0.5; one case per hospital, its fund_paid chosen from the hospital's due D:
| hospital | ffs | case | line |
|---|---|---|---|
| h1 | 2 × D | D = ffs × floor exactly (the corridor's edge counts) | shared = round(D × 0.3, 2), due = D + shared |
| h2 | 2 × D + 0.01 | D < ffs × floor (by 0.005) | none |
| h4 | D − 1000 | D > ffs | retained = round(1000 × 0.6, 2) = 600.00, due = ffs + 600 |
| h5 | D | D = ffs | none |
balance = due (after the line) − Σ advances; with the defaults nothing changes (no line, no column).
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.settlement import formulas as f
from apps.settlement.models import HospitalResult
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.services import policy_set

from .conftest import YEAR, add_cases, case

D = Decimal


def results(run) -> dict[int, HospitalResult]:
    with scopes_disabled():
        return {r.hospital_id: r for r in HospitalResult.objects.filter(run=run)}


def export(run, tmp_path) -> list[dict]:
    target = tmp_path / f"h{run.pk}.csv"
    call_command("export_settlement", "--run", str(run.pk), "--hospitals", str(target), stdout=StringIO())
    with open(target, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db
def test_retention_and_sharing_at_the_edges(small, tmp_path):
    region = small["region"]
    h1, h2, _h3, h4, h5 = small["h"]
    cases = add_cases([case(h1, "ED11", "8000", dt.date(YEAR, 3, 5), self_pay="100"),
                       case(h2, "EC19", "5000", dt.date(YEAR, 3, 6), self_pay="50"),
                       case(h4, "ED11", "9000", dt.date(YEAR, 3, 7), self_pay="0"),
                       case(h5, "ED15", "3000", dt.date(YEAR, 3, 8), self_pay="10")])
    monthly = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03", sync=True)
    monthly = settlement_run_publish(actor=None, run=monthly)
    advances = {h: r.advance for h, r in results(monthly).items()}

    plain = settlement_run_start(actor=None, region=region, kind="annual", period=str(YEAR), sync=True)
    assert plain.status == "ready", plain.error
    before = results(plain)
    assert all(r.retained is None and r.shared is None and r.due_before is None for r in before.values())
    assert "retained" not in export(plain, tmp_path)[0]  # defaults: the file keeps its columns

    due = {h: r.due for h, r in before.items()}
    ffs = {h1.pk: 2 * due[h1.pk], h2.pk: 2 * due[h2.pk] + D("0.01"), h4.pk: due[h4.pk] - 1000, h5.pk: due[h5.pk]}
    with scopes_disabled():
        for c in cases:
            Case.objects.filter(pk=c.pk).update(fund_paid=ffs[c.hospital_id])
        policy_set(actor=None, region=region, year=YEAR,
                   values={"surplus_keep_share": D("0.6"), "overspend_share": D("0.3"), "overspend_floor": D("0.5")})
    run = settlement_run_start(actor=None, region=region, kind="annual", period=str(YEAR), sync=True)
    assert run.status == "ready", run.error
    after = results(run)
    for h, r in after.items():
        assert r.due_before == due[h] and r.fund_paid == ffs[h]
        assert r.advance == advances[h]
        assert r.balance == r.due - advances[h]  # exact, after the line

    shared = f.q2(due[h1.pk] * D("0.3"))
    assert after[h1.pk].shared == shared and after[h1.pk].retained is None
    assert after[h1.pk].due == due[h1.pk] + shared
    assert after[h2.pk].shared is None and after[h2.pk].retained is None and after[h2.pk].due == due[h2.pk]
    assert after[h4.pk].retained == D("600.00") and after[h4.pk].shared is None
    assert after[h4.pk].due == ffs[h4.pk] + D("600.00")
    assert after[h5.pk].retained is None and after[h5.pk].shared is None and after[h5.pk].due == due[h5.pk]
    assert run.total_due == sum(r.due for r in after.values())
    assert run.total_balance == sum(r.balance for r in after.values())

    rows = {r["hospital_code"]: r for r in export(run, tmp_path)}
    assert list(rows[h1.code])[-2:] == ["retained", "shared"]
    assert rows[h1.code]["shared"] == str(shared) and rows[h1.code]["retained"] == ""
    assert rows[h4.code]["retained"] == "600.00" and D(rows[h4.code]["due"]) == ffs[h4.pk] + 600
    assert D(rows[h4.code]["balance"]) == D(rows[h4.code]["due"]) - D(rows[h4.code]["advance"])
