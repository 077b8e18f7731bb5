"""API and screens: figures, scope (404 outside), hospital users anonymised, supervisors see their province only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.monitoring.services import indicators_compute, ranking_compute
from apps.tenants.enums import Role

from .conftest import make_case, publish_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(mon):
    world = mon["world"]
    c = world["C"]
    publish_stats(c.region)
    with scopes_disabled():
        Case.objects.bulk_create([make_case(c.hospitals[0], "AA11", "50000", 20, dt.date(2025, 3, 3))])
        for region in (mon["region"], world["B"].region, c.region):
            for period in ("2025-03", "2025-Q1", "2025"):
                indicators_compute(actor=None, region=region, period=period, sync=True)
        ranking = ranking_compute(actor=None, region=mon["region"], quarter="2025-Q1")
    return {**mon, "ranking": ranking}


def test_api_indicators_per_hospital(computed, api):
    a = computed["world"]["A"]
    r = api(a.users[Role.BUREAU_STAFF]).get("/api/v1/indicators/", {"region": "341800", "period": "2025-03"})
    assert r.status_code == 200, r.content
    rows = {x["hospital"]: x for x in r.json()["results"]}
    assert set(rows) == {h.code for h in a.hospitals}
    one = rows[a.hospitals[0].code]
    assert {k: one[k] for k in ("cases", "cmi", "cost_index", "time_index", "group_count", "alos", "avg_cost",
                                "drug_share", "consumable_share", "lowrisk_mortality")} == {
        "cases": 3, "cmi": "1.3333", "cost_index": "1.1333", "time_index": "1.1193", "group_count": 2,
        "alos": "11.33", "avg_cost": "18000.00", "drug_share": "0.3333", "consumable_share": "0.1667",
        "lowrisk_mortality": "0.5000"}
    region = api(a.users[Role.AUDITOR]).get("/api/v1/indicators/",
                                             {"region": "341800", "period": "2025-03", "scope": "region"})
    assert region.json()["results"][0]["cmi"] == "1.0500"


def test_api_scope(computed, api):
    a = computed["world"]["A"]
    assert api(a.users[Role.BUREAU_ADMIN]).get("/api/v1/indicators/", {"region": "320900"}).status_code == 404
    assert api(a.users[Role.BUREAU_ADMIN]).get("/api/v1/indicators/", {"region": "341800", "period": "2024-01"}
                                               ).status_code == 404
    hospital_user = api(a.users[Role.HOSPITAL_STAFF])
    mine = hospital_user.get("/api/v1/indicators/", {"region": "341800", "period": "2025-03"}).json()["results"]
    assert [x["hospital"] for x in mine] == [a.hospitals[0].code]
    other = hospital_user.get("/api/v1/indicators/", {"region": "341800", "hospital": a.hospitals[1].code})
    assert other.status_code == 404
    assert api(a.users[Role.EXPERT]).get("/api/v1/indicators/", {"region": "341800"}).status_code == 404
    # the supervisor reads A and B (Anhui), not C (Jiangsu)
    sup = api(computed["world"]["supervisor"])
    assert sup.get("/api/v1/indicators/", {"region": "340100", "period": "2025"}).status_code == 200
    assert sup.get("/api/v1/indicators/", {"region": "320900", "period": "2025"}).status_code == 404


def test_api_compute_and_rankings(computed, api):
    a = computed["world"]["A"]
    staff = api(a.users[Role.BUREAU_STAFF])
    r = staff.post("/api/v1/indicator-periods/", {"region": "341800", "period": "2025-02"}, format="json")
    assert r.status_code == 202 and r.json()["status"] == "ready"
    got = staff.get(f"/api/v1/indicator-periods/{r.json()['id']}/").json()
    assert got["period"] == "2025-02" and got["coverage"]["cases"]["total"] == 0
    assert api(a.users[Role.HOSPITAL_ADMIN]).post("/api/v1/indicator-periods/", {"region": "341800", "period": "2025"},
                                                  format="json").status_code == 403
    ranking = computed["ranking"]
    listed = staff.get("/api/v1/rankings/", {"region": "341800", "quarter": "2025-Q1"}).json()
    assert listed["count"] == 1 and listed["results"][0]["status"] == "ready"
    assert {row["hospital"] for row in listed["results"][0]["rows"]} == {h.code for h in a.hospitals}
    # hospital users: drafts are invisible (404)
    hospital_user = api(a.users[Role.HOSPITAL_STAFF])
    assert hospital_user.get(f"/api/v1/rankings/{ranking.pk}/").status_code == 404
    admin = api(a.users[Role.BUREAU_ADMIN])
    assert admin.post(f"/api/v1/rankings/{ranking.pk}/publish/").json()["status"] == "published"
    seen = hospital_user.get(f"/api/v1/rankings/{ranking.pk}/").json()
    assert [(row["hospital"], row["own"]) for row in seen["rows"]] == [(a.hospitals[0].code, True)]
    assert api(computed["world"]["C"].users[Role.BUREAU_ADMIN]).get(f"/api/v1/rankings/{ranking.pk}/"
                                                                    ).status_code == 404


def test_hospital_user_sees_the_tier_anonymised(computed, client):
    a = computed["world"]["A"]
    region = computed["region"]
    with scopes_disabled():
        from apps.hospitals.services import hospital_create

        # three peers: below three, no anonymised comparison at all (tests/analysis/test_screens.py)
        peers = [hospital_create(actor=None, region=region, code=f"H341800000{n}", name=f"宣城同级竞争医院{n}",
                                 level=3, grade="甲", type="general", drg_enabled_from=dt.date(2024, 1, 1))
                 for n in (7, 8, 9)]
        peer = peers[-1]
        Case.objects.bulk_create([make_case(p, "AA11", "9000", 9, dt.date(2025, 3, 9)) for p in peers])
        indicators_compute(actor=None, region=region, period="2025-03", sync=True)
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    page = client.get(reverse("monitoring:dashboard"), {"region": "341800", "period": "2025-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert a.hospitals[0].name in html and "机构A" in html
    assert peer.name not in html and peer.code not in html and a.hospitals[1].name not in html
    csv = client.get(reverse("monitoring:export", args=["tier"]), {"region": "341800", "period": "2025-03"})
    text = csv.content.decode("utf-8-sig")
    assert "机构A" in text and "机构C" in text and peer.name not in text
    assert client.get(reverse("monitoring:export", args=["hospitals"]),
                      {"region": "341800", "period": "2025-03"}).status_code == 404
    assert client.get(reverse("monitoring:dashboard"), {"region": "320900"}).status_code == 404


def test_bureau_dashboard_and_exports(computed, client):
    a = computed["world"]["A"]
    client.force_login(a.users[Role.BUREAU_ADMIN])
    page = client.get(reverse("monitoring:dashboard"), {"region": "341800", "period": "2025-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kpi="cmi">1.0500<' in html and "chart-trend" in html
    for table in ("hospitals", "levels", "trend", "coverage"):
        r = client.get(reverse("monitoring:export", args=[table]), {"region": "341800", "period": "2025-03"})
        assert r.status_code == 200 and r["Content-Type"].startswith("text/csv"), table
    assert "0.8750" in client.get(reverse("monitoring:export", args=["coverage"]),
                                  {"region": "341800", "period": "2025-03"}).content.decode("utf-8-sig")
    assert "widget-monitoring" in client.get("/").content.decode()  # landing-page widget
    from apps.monitoring.models import IndicatorPeriod

    with scopes_disabled():
        march = IndicatorPeriod.objects.get(region=computed["region"], period="2025-03")
    groups = client.get(reverse("monitoring:period_groups", args=[march.pk]))
    assert groups.status_code == 200 and 'data-group="AA11"' in groups.content.decode()
    csv = client.get(reverse("monitoring:period_groups", args=[march.pk]), {"format": "csv"}).content.decode("utf-8-sig")
    assert "AA11,3,10000.00,9.33,1,100.0000,0.0100,-1.14678" in csv
    detail = client.get(reverse("monitoring:ranking_detail", args=[computed["ranking"].pk]))
    assert detail.status_code == 200
    assert client.get(reverse("monitoring:ranking_export", args=[computed["ranking"].pk])).status_code == 200


def test_province_comparison_shows_own_province_only(computed, client):
    client.force_login(computed["world"]["supervisor"])
    page = client.get(reverse("monitoring:compare"), {"period": "2025"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-region="341800"' in html and 'data-region="340100"' in html and "320900" not in html
    csv = client.get(reverse("monitoring:compare_export"), {"period": "2025"}).content.decode("utf-8-sig")
    assert "341800" in csv and "320900" not in csv
    client.force_login(computed["world"]["A"].users[Role.BUREAU_ADMIN])
    assert client.get(reverse("monitoring:compare")).status_code == 403
