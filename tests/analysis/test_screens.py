"""Screens and exports: hospital users see their own hospital only (another hospital's code → 404, also across
regions), the bureau sees names, XLSX files carry the figures, and /monitoring/ shows no anonymised tier below
three peers (issue 18)."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from apps.cases.models import Case
from apps.monitoring.services import indicators_compute
from apps.tenants.enums import Role

from .conftest import MARCH, add_hospital, make_case  # noqa: I001

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_hospital_reads_its_pnl_and_losses(pl, client):
    a = pl["world"]["A"]
    _login(client, a.users[Role.HOSPITAL_STAFF])
    r = client.get(reverse("monitoring:pnl"), {"region": a.region.code, "year": 2025})
    assert r.status_code == 200
    html = r.content.decode()
    assert "39999.39" in html and "-14000.61" in html and 'data-compare="BB13"' in html
    x = client.get(reverse("monitoring:pnl_export"), {"region": a.region.code, "year": 2025})
    sheet = load_workbook(io.BytesIO(x.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "BB13" and Decimal(str(rows[1][8])) == Decimal("-10975.32")
    assert Decimal(str(rows[-1][8])) == Decimal("-14000.61")


def test_other_hospitals_and_regions_are_404(pl, client):
    a, b = pl["world"]["A"], pl["world"]["B"]
    _login(client, a.users[Role.HOSPITAL_STAFF])
    for name in ("monitoring:pnl", "monitoring:pnl_export"):
        assert client.get(reverse(name), {"region": a.region.code, "hospital": a.hospitals[1].code}).status_code == 404
        assert client.get(reverse(name), {"region": b.region.code, "hospital": b.hospitals[0].code}).status_code == 404
    assert client.get(reverse("monitoring:peers"), {"region": a.region.code, "hospital": a.hospitals[1].code,
                                                    "group": "AA11"}).status_code == 404
    _login(client, b.users[Role.BUREAU_STAFF])
    assert client.get(reverse("monitoring:pnl"), {"region": a.region.code}).status_code == 404


def test_peers_screen_anonymised_for_the_hospital_named_for_the_bureau(mon, client):
    a = mon["world"]["A"]
    others = [add_hospital(a.region, f"HX{i:04d}") for i in range(3)]
    with scopes_disabled():
        Case.objects.bulk_create([make_case(h, "AA11", str(8000 + 1000 * i), 8, MARCH) for i, h in enumerate(others)])
    query = {"region": a.region.code, "group": "AA11", "period": "2025-03"}
    html = _login(client, a.users[Role.HOSPITAL_STAFF]).get(reverse("monitoring:peers"), query).content.decode()
    assert "机构A" in html and "机构C" in html and others[0].name not in html
    html = _login(client, a.users[Role.BUREAU_STAFF]).get(
        reverse("monitoring:peers"), {**query, "hospital": a.hospitals[0].code}).content.decode()
    assert others[0].name in html and "机构A" not in html


def test_monitoring_tier_of_fewer_than_three_peers_is_not_shown(mon, client):
    a = mon["world"]["A"]
    other = add_hospital(a.region, "HT0001")  # h1's tier: h1 + one other
    with scopes_disabled():
        Case.objects.bulk_create([make_case(other, "AA11", "9000", 9, MARCH)])
        indicators_compute(actor=None, region=a.region, period="2025-03", sync=True)
    r = _login(client, a.users[Role.HOSPITAL_STAFF]).get(reverse("monitoring:dashboard"),
                                                         {"region": a.region.code, "period": "2025-03"})
    html = r.content.decode()
    assert 'id="tier-suppressed"' in html and "机构A" not in html


def test_bureau_scorecards_and_rectification_screens(pl, client):
    a = pl["world"]["A"]
    _login(client, a.users[Role.BUREAU_ADMIN])
    r = client.get(reverse("monitoring:quality"), {"region": a.region.code, "year": 2025, "month": 3})
    assert r.status_code == 200 and a.hospitals[0].name in r.content.decode()
    r = client.post(reverse("monitoring:rectify"), {"region": a.region.code, "hospital": a.hospitals[0].code,
                                                    "month": "2025-03", "text": "请更正"})
    assert r.status_code == 302
    pk = int(r["Location"].rstrip("/").split("/")[-1])
    _login(client, a.users[Role.HOSPITAL_STAFF])
    assert client.post(reverse("monitoring:rectification_reply", args=[pk]), {"reply": "已更正"}).status_code == 302
    html = client.get(reverse("monitoring:rectification", args=[pk])).content.decode()
    assert 'data-status="answered"' in html and "已更正" in html
    _login(client, pl["world"]["B"].users[Role.HOSPITAL_STAFF])
    assert client.get(reverse("monitoring:rectification", args=[pk])).status_code == 404
