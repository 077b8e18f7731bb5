"""The settlement API: runs, their hospitals and cases, coefficients; scope (404) before role (403)."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.settlement.models import CoefficientVersion, SettlementRun
from apps.tenants.enums import Role

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/settlement-runs/"


def users(settled):
    a = settled["world"]["A"].users
    return {"bureau_admin": a[Role.BUREAU_ADMIN], "bureau_staff": a[Role.BUREAU_STAFF], "auditor": a[Role.AUDITOR],
            "hospital": a[Role.HOSPITAL_STAFF], "other_hospital": settled["other_hospital_user"],
            "expert": a[Role.EXPERT], "supervisor": settled["world"]["supervisor"]}


def test_run_detail_json(api, settled):
    run = settled["A"].run
    body = api(users(settled)["auditor"]).get(f"{RUNS}{run.pk}/").json()
    assert body["id"] == run.pk and body["status"] == "published" and body["progress"] == 100
    assert body["point_value"] == "68.5730"
    assert body["totals"] == {"cases": 10, "points": "1220.0000", "adjusted_points": "1231.0000",
                              "self_pay": "1000.00", "fund_budget": "83333.33", "all_avg": "10000.00",
                              "due": "83413.36", "advance": "79242.69", "balance": None}


def test_run_list_scope_and_filters(api, settled):
    a, b = settled["A"], settled["B"]
    u = users(settled)
    ids = {r["id"] for r in api(u["bureau_staff"]).get(RUNS).json()["results"]}
    assert ids == {a.run.pk, a.draft.pk}
    ids = {r["id"] for r in api(u["hospital"]).get(RUNS).json()["results"]}
    assert ids == {a.run.pk}
    ids = {r["id"] for r in api(u["supervisor"]).get(RUNS + "?region=340100").json()["results"]}
    assert ids == {b.run.pk, b.draft.pk}
    ids = {r["id"] for r in api(u["bureau_staff"]).get(RUNS + "?status=ready&kind=monthly&period=2025").json()["results"]}
    assert ids == {a.draft.pk}
    assert api(u["bureau_staff"]).get(RUNS + "?kind=weekly").status_code == 400
    assert api(u["expert"]).get(RUNS).json()["results"] == []


@pytest.mark.parametrize("path", ["", "hospitals/", "cases/"])
def test_run_endpoints_status_per_role(api, settled, path):
    a, b = settled["A"], settled["B"]
    u = users(settled)
    for key in ("bureau_admin", "bureau_staff", "auditor", "supervisor", "hospital", "other_hospital"):
        assert api(u[key]).get(f"{RUNS}{a.run.pk}/{path}").status_code == 200, key
    assert api(u["expert"]).get(f"{RUNS}{a.run.pk}/{path}").status_code == 403
    assert api(u["hospital"]).get(f"{RUNS}{a.draft.pk}/{path}").status_code == 404  # not published
    for key in ("bureau_admin", "auditor", "hospital", "expert"):
        response = api(u[key]).get(f"{RUNS}{b.run.pk}/{path}")
        assert response.status_code == 404, key
        assert response.json()["code"] == "not_found"
    assert api().get(f"{RUNS}{a.run.pk}/{path}").status_code == 401


def test_hospital_user_gets_only_own_rows(api, settled):
    a = settled["A"]
    world = settled["world"]
    h1, h2 = world["A"].hospitals[0], world["A"].hospitals[1]
    client = api(users(settled)["hospital"])
    rows = client.get(f"{RUNS}{a.run.pk}/hospitals/").json()["results"]
    assert [r["hospital"] for r in rows] == [h1.code]
    rows = client.get(f"{RUNS}{a.run.pk}/cases/?page_size=100").json()["results"]
    assert {r["id"] for r in rows} == {r.pk for r in a.results if r.hospital_id == h1.pk}
    assert client.get(f"{RUNS}{a.run.pk}/cases/?hospital={h2.code}").json()["results"] == []
    rows = api(users(settled)["other_hospital"]).get(f"{RUNS}{a.run.pk}/cases/").json()["results"]
    assert {r["id"] for r in rows} == {r.pk for r in a.results if r.hospital_id == h2.pk}


def test_cases_pagination_filters_and_values(api, settled):
    a = settled["A"]
    client = api(users(settled)["bureau_staff"])
    body = client.get(f"{RUNS}{a.run.pk}/cases/?page_size=3").json()
    assert body["count"] == 10 and len(body["results"]) == 3 and body["next"]
    body = client.get(f"{RUNS}{a.run.pk}/cases/?case_type=high").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["ratio"] == "3.5000000000000000" and row["points"] == "150.0000" and row["adjusted_points"] == "157.5000"
    assert row["coefficient"] == "1.0500" and row["group_mean"] == "10000.00" and row["high_ratio"] == "3.0000"
    assert client.get(f"{RUNS}{a.run.pk}/cases/?case_type=nonsense").json()["code"] == "validation_error"
    assert client.get(f"{RUNS}{a.run.pk}/cases/?drg=GB").json()["count"] == 1


def test_run_publish(api, settled):
    a = settled["A"]
    u = users(settled)
    assert api(u["bureau_staff"]).post(f"{RUNS}{a.draft.pk}/publish/").status_code == 403
    assert api(u["hospital"]).post(f"{RUNS}{a.draft.pk}/publish/").status_code == 404
    assert api(u["hospital"]).post(f"{RUNS}{a.run.pk}/publish/").status_code == 403
    assert api(u["bureau_admin"]).post(f"{RUNS}{settled['B'].draft.pk}/publish/").status_code == 404
    response = api(u["bureau_admin"]).post(f"{RUNS}{a.draft.pk}/publish/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published"
    with scopes_disabled():
        assert SettlementRun.objects.get(pk=a.run.pk).status == "superseded"
    again = api(u["bureau_admin"]).post(f"{RUNS}{a.draft.pk}/publish/")
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"


def test_run_start_validation_and_scope(api, settled):
    u = users(settled)
    body = {"region": "341800", "kind": "monthly", "period": "2025-03"}
    assert api(u["hospital"]).post(RUNS, body, format="json").status_code == 403
    assert api(u["expert"]).post(RUNS, body, format="json").status_code == 403
    assert api(u["bureau_admin"]).post(RUNS, {**body, "region": "340100"}, format="json").status_code == 404
    bad = api(u["bureau_staff"]).post(RUNS, {**body, "period": "2025"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    bad = api(u["bureau_staff"]).post(RUNS, {**body, "kind": "weekly"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    # the fixture has published statistics and coefficients but no fund budget: the service refuses
    refused = api(u["bureau_staff"]).post(RUNS, body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "validation_error"


def test_coefficients_get(api, settled):
    a = settled["A"]
    u = users(settled)
    url = "/api/v1/regions/341800/years/2025/coefficients/"
    body = api(u["bureau_staff"]).get(url).json()
    assert body["id"] == a.coefficients_draft.pk and body["status"] == "ready" and len(body["rows"]) == 1
    body = api(u["auditor"]).get(url + "?version=1").json()
    assert body["id"] == a.coefficients.pk
    rows = {r["hospital"]: r for r in body["rows"]}
    assert rows["H3418000002"]["coefficient"] == "0.9600" and rows["H3418000002"]["override_reason"] == "县局备案"
    assert rows["H3418000001"]["cost_index"] == "1.0123456789012345"
    assert rows["H3418000003"]["is_new"] is True and rows["H3418000003"]["cost_index"] is None
    body = api(u["hospital"]).get(url).json()
    assert body["id"] == a.coefficients.pk and [r["hospital"] for r in body["rows"]] == ["H3418000001"]
    assert api(u["expert"]).get(url).status_code == 403
    assert api(u["bureau_staff"]).get("/api/v1/regions/340100/years/2025/coefficients/").status_code == 404
    assert api(u["bureau_staff"]).get("/api/v1/regions/341800/years/2031/coefficients/").status_code == 404


def test_coefficients_compute_and_publish(api, settled):
    a = settled["A"]
    u = users(settled)
    url = "/api/v1/regions/341800/years/{}/coefficients/"
    assert api(u["hospital"]).post(url.format(2025)).status_code == 403
    assert api(u["bureau_staff"]).post("/api/v1/regions/340100/years/2025/coefficients/").status_code == 404
    refused = api(u["bureau_staff"]).post(url.format(2026))  # no published statistics for 2026
    assert refused.status_code == 400 and refused.json()["code"] == "validation_error"
    publish = url.format(2025) + "publish/"
    assert api(u["bureau_staff"]).post(publish, {}, format="json").status_code == 403
    assert api(u["hospital"]).post(publish, {}, format="json").status_code == 403
    response = api(u["bureau_admin"]).post(publish, {"version": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published" and response.json()["id"] == a.coefficients_draft.pk
    with scopes_disabled():
        assert CoefficientVersion.objects.get(pk=a.coefficients.pk).status == "superseded"


def test_schema_lists_the_settlement_endpoints(api, settled):
    response = api(users(settled)["bureau_admin"]).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/settlement-runs/", "/api/v1/settlement-runs/{id}/", "/api/v1/settlement-runs/{id}/cases/",
                 "/api/v1/settlement-runs/{id}/hospitals/", "/api/v1/settlement-runs/{id}/publish/",
                 "/api/v1/regions/{code}/years/{year}/coefficients/",
                 "/api/v1/regions/{code}/years/{year}/coefficients/publish/"):
        assert path in paths, path
