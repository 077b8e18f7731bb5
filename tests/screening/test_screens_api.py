"""Screens, API filters, XLSX export and the two commands."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from tests.screening.conftest import items, make_case, screen

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def hits(region_a):
    h1, h2 = region_a.hospitals[0], region_a.hospitals[1]
    make_case(h1, patient="s1", admission=D(2025, 3, 1), drg="ES25")
    make_case(h1, patient="s1", admission=D(2025, 3, 10), drg="ES25")
    make_case(h2, patient="s2", admission=D(2025, 4, 1), drg="ES25")
    make_case(h2, patient="s2", admission=D(2025, 4, 10), drg="ES25")
    make_case(h1, patient="s3", admission=D(2025, 4, 1), drg="ES23", cost="5000")  # upcoding
    screen(region_a.region)
    return region_a


def test_hospital_sees_only_its_own_items_and_bureau_filters(hits, client, api):
    a = hits
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    page = client.get(reverse("screening:list"))
    assert page.status_code == 200
    assert {i.hospital_id for i in page.context["page_obj"]} == {a.hospitals[0].pk}
    assert len(page.context["page_obj"]) == 2
    bureau = api(a.users[Role.BUREAU_ADMIN])
    body = bureau.get("/api/v1/screening-items/", {"period": "2025-04", "rule": "split_admission"}).json()
    assert [r["hospital_code"] for r in body["results"]] == [a.hospitals[1].code]
    assert bureau.get("/api/v1/screening-items/", {"hospital": a.hospitals[0].code}).json()["count"] == 2
    assert bureau.get("/api/v1/screening-items/", {"status": "confirmed"}).json()["count"] == 0
    assert bureau.get("/api/v1/screening-items/", {"region": "340100"}).json()["count"] == 0


def test_other_region_sees_nothing(hits, world, api):
    other = api(world["B"].users[Role.BUREAU_ADMIN])
    assert other.get("/api/v1/screening-items/").json()["count"] == 0
    item = items(hits.region)[0]
    assert other.get(f"/api/v1/screening-items/{item.pk}/").status_code == 404


def test_detail_shows_evidence_and_the_right_forms(hits, client):
    a = hits
    item = items(a.region, "split_admission")[0]
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    page = client.get(reverse("screening:detail", args=[item.pk])).content.decode()
    assert 'id="answer-form"' in page and 'id="confirm-form"' not in page and "gap_days" in page
    client.force_login(a.users[Role.BUREAU_STAFF])
    page = client.get(reverse("screening:detail", args=[item.pk])).content.decode()
    assert 'id="answer-form"' not in page and 'id="clear-form"' in page
    assert 'id="confirm-form"' not in page  # open and not overdue yet: the hospital's turn


def test_answer_and_confirm_through_the_screens(hits, client):
    a = hits
    item = items(a.region, "split_admission")[0]
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    client.post(reverse("screening:action", args=[item.pk, "answer"]), {"text": "不同病情"})
    client.force_login(a.users[Role.BUREAU_STAFF])
    response = client.post(reverse("screening:action", args=[item.pk, "confirm"]), {"reason": "核实"})
    assert response.status_code == 302
    with scopes_disabled():
        item.refresh_from_db()
    assert item.status == "confirmed" and item.decision_reason == "核实" and item.answer_text == "不同病情"


def test_statistics_chart_data_matches_the_table(hits, client):
    client.force_login(hits.users[Role.AUDITOR])
    page = client.get(reverse("screening:stats"), {"period": "2025"})
    rows = {r["rule"]: r for r in page.context["by_rule"]}
    assert rows["split_admission"]["open"] == 2 and rows["upcoding"]["open"] == 1
    chart = page.context["chart"]
    open_series = next(s for s in chart["series"] if s["key"] == "open")
    assert open_series["values"] == [r["open"] for r in page.context["by_rule"]]
    assert 'id="chart-data"' in page.content.decode()


def test_xlsx_export(hits, client):
    from openpyxl import load_workbook

    client.force_login(hits.users[Role.BUREAU_STAFF])
    response = client.get(reverse("screening:export"), {"rule": "split_admission"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "rule", "period") and len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"split_admission"}


def test_run_from_the_screen(hits, client):
    client.force_login(hits.users[Role.BUREAU_STAFF])
    response = client.post(reverse("screening:run"), {"region": hits.region.code, "period": "2025-03"})
    assert response.status_code == 302
    client.force_login(hits.users[Role.HOSPITAL_STAFF])
    assert client.post(reverse("screening:run"), {"region": hits.region.code, "period": "2025"}).status_code == 403


def test_commands_screen_and_export(hits, tmp_path):
    out = io.StringIO()
    call_command("screen_cases", "--region", hits.region.code, "--period", "2025", stdout=out)
    result = json.loads(out.getvalue())
    assert result["counts"] == {"split_admission": 2, "upcoding": 1, "low_standard": 0, "cost_shifting": 0}
    target = tmp_path / "screening.csv"
    call_command("export_screening", "--region", hits.region.code, "--period", "2025-03", str(target),
                 stdout=io.StringIO())
    with open(target, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["rule", "settlement_id", "hospital_code", "related_settlement_id", "status", "evidence"]
    assert [(r["rule"], r["hospital_code"], r["status"]) for r in rows] == [
        ("split_admission", hits.hospitals[0].code, "open")]
    assert json.loads(rows[0]["evidence"])["gap_days"] == 4 and rows[0]["related_settlement_id"]
