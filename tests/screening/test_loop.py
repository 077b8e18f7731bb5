"""The appeal loop end to end through the API: screening finds a split admission, the hospital answers with
an attachment, the bureau confirms; the next settlement run pays the case 0 points with the explained
line; a cleared item (false positive) is not deducted and is counted per rule."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.screening.models import ScreeningItem
from apps.settlement.models import CaseResult
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from tests.screening.conftest import make_case, screen
from tests.settlement.conftest import small  # noqa: F401 - the settlement world fixture

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _run(region, user):
    with scopes_disabled():
        run = settlement_run_start(actor=user, region=region, kind="monthly", period="2025-03", sync=True)
    assert run.status == "ready", run.error
    with scopes_disabled():
        return settlement_run_publish(actor=user, run=run)


def test_answer_confirm_then_the_next_run_deducts_and_a_cleared_item_does_not(small, api, client):  # noqa: F811
    world = small["world"]
    a = world["A"]
    region, h1 = small["region"], small["h"][0]
    first = make_case(h1, patient="loop1", admission=dt.date(2025, 3, 1), discharge=dt.date(2025, 3, 6), drg="ED11",
                      dx="I21.000", cost="8000")
    later = make_case(h1, patient="loop1", admission=dt.date(2025, 3, 12), discharge=dt.date(2025, 3, 18),
                      drg="ED11", dx="I21.000", cost="8000")
    make_case(h1, patient="loop2", admission=dt.date(2025, 3, 2), discharge=dt.date(2025, 3, 5), drg="ED11",
              dx="I21.000", cost="8000")
    fp = make_case(h1, patient="loop2", admission=dt.date(2025, 3, 9), discharge=dt.date(2025, 3, 14), drg="ED11",
                   dx="I21.000", cost="8000")
    screen(region, "2025-03")
    bureau, hospital = a.users[Role.BUREAU_STAFF], a.users[Role.HOSPITAL_STAFF]

    listed = api(hospital).get("/api/v1/screening-items/", {"period": "2025-03", "rule": "split_admission"})
    assert listed.status_code == 200
    by_case = {row["settlement_id"]: row for row in listed.json()["results"]}
    assert set(by_case) == {later.settlement_id, fp.settlement_id}
    target, other = by_case[later.settlement_id], by_case[fp.settlement_id]
    assert target["related_settlement_id"] == first.settlement_id and target["status"] == "open"

    upload = io.BytesIO(PDF)
    upload.name = "病程记录.pdf"
    answered = api(hospital).post(f"/api/v1/screening-items/{target['id']}/answer/",
                                  {"text": "两次住院为不同病情。", "files": [upload]}, format="multipart")
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "answered" and len(answered.json()["attachments"]) == 1
    early = api(bureau).post(f"/api/v1/screening-items/{other['id']}/confirm/", {"reason": "x"}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "invalid_transition"  # still the hospital's turn
    confirmed = api(bureau).post(f"/api/v1/screening-items/{target['id']}/confirm/",
                                 {"reason": "同一病组15日内再入院，病程记录不支持。"}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    cleared = api(bureau).post(f"/api/v1/screening-items/{other['id']}/clear/", {"reason": "病情变化，非分解。"},
                               format="json")
    assert cleared.json()["status"] == "cleared"
    again = api(hospital).post(f"/api/v1/screening-items/{target['id']}/answer/", {"text": "补充"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"

    run = _run(region, a.users[Role.BUREAU_ADMIN])
    with scopes_disabled():
        rows = {r.case_id: r for r in CaseResult.objects.filter(run=run)}
    assert rows[later.pk].points == 0 and rows[later.pk].adjusted_points == 0
    assert rows[later.pk].screening_item_id == target["id"]
    assert rows[fp.pk].points > 0 and rows[fp.pk].screening_item_id is None
    assert rows[first.pk].points > 0

    client.force_login(hospital)
    page = client.get(reverse("settlement:case_result", args=[rows[later.pk].pk]))
    assert page.status_code == 200
    assert f"扣减：分解住院，疑点 #{target['id']}" in page.content.decode()

    # the false positive counts per rule; re-screening keeps both decisions
    screen(region, "2025-03")
    with scopes_disabled():
        states = dict(ScreeningItem.objects.filter(region=region).values_list("case_id", "status"))
    assert states[later.pk] == "confirmed" and states[fp.pk] == "cleared"
    client.force_login(a.users[Role.BUREAU_ADMIN])
    stats = client.get(reverse("screening:stats"), {"period": "2025-03"})
    row = {r["rule"]: r for r in stats.context["by_rule"]}["split_admission"]
    assert (row["confirmed"], row["cleared"], row["false_positive_share"]) == (1, 1, 0.5)


def test_hits_by_hospital_month_for_the_scorecard(world):
    from apps.screening.selectors import hits_by_hospital_month
    from tests.screening.conftest import publish_stats

    a = world["A"]
    publish_stats(a.region)
    make_case(a.hospital, patient="sc", admission=dt.date(2025, 2, 1), drg="ES25")
    make_case(a.hospital, patient="sc", admission=dt.date(2025, 2, 10), drg="ES25")
    screen(a.region)
    with scopes_disabled():
        hits = hits_by_hospital_month(a.region, 2025)
    assert hits == {(a.hospital.pk, 2): {"total": 1, "confirmed": 0, "split_admission": 1}}
