"""The API of issue 20: P&L, peers, scorecards, rectifications — figures, scope (404 across hospitals and
regions) and the documented schema."""
from __future__ import annotations

import pytest

from apps.tenants.enums import Role

pytestmark = pytest.mark.django_db


def test_api_pnl_losses_and_scope(pl, api):
    a, b = pl["world"]["A"], pl["world"]["B"]
    hs = api(a.users[Role.HOSPITAL_STAFF])
    r = hs.get("/api/v1/analysis/pnl/", {"region": a.region.code, "year": 2025, "losses": "1"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(x["group"], x["payment"], x["profit"]) for x in body["rows"]] == [
        ("BB13", "19024.68", "-10975.32"), ("AA11", "20974.71", "-3025.29")]
    assert body["total"]["payment"] == "39999.39" and body["runs"][0]["point_value"] == "95.1234"
    assert hs.get("/api/v1/analysis/pnl/", {"region": a.region.code, "hospital": a.hospitals[1].code}).status_code == 404
    assert hs.get("/api/v1/analysis/pnl/", {"region": b.region.code}).status_code == 404
    bureau = api(a.users[Role.BUREAU_STAFF]).get("/api/v1/analysis/pnl/", {
        "region": a.region.code, "hospital": a.hospitals[0].code, "year": 2025, "by": "department"})
    assert {x["department"]: x["payment"] for x in bureau.json()["rows"]} == {"心内科": "20974.71", "普外科": "19024.68"}


def test_api_peers_and_scorecards(pl, api):
    a = pl["world"]["A"]
    hs = api(a.users[Role.HOSPITAL_STAFF])
    r = hs.get("/api/v1/analysis/peers/", {"region": a.region.code, "group": "AA11", "period": "2025-03"})
    assert r.status_code == 200, r.content
    assert r.json()["suppressed"] is True and [x["label"] for x in r.json()["rows"]] == [a.hospitals[0].name]
    assert hs.get("/api/v1/analysis/peers/", {"region": a.region.code}).status_code == 400
    cards = hs.get("/api/v1/quality/scorecards/", {"region": a.region.code, "year": 2025, "month": 3}).json()
    assert [c["hospital"] for c in cards["results"]] == [a.hospitals[0].code]
    assert cards["results"][0]["cases"] == 4 and cards["weights"]["rejection_rate"] == "0.35"
    everyone = api(a.users[Role.BUREAU_STAFF]).get("/api/v1/quality/scorecards/", {"region": a.region.code,
                                                                                  "year": 2025, "month": 3}).json()
    assert {c["hospital"] for c in everyone["results"]} == {h.code for h in a.hospitals}


def test_api_rectification_loop(pl, api):
    a, b = pl["world"]["A"], pl["world"]["B"]
    r = api(a.users[Role.BUREAU_ADMIN]).post("/api/v1/rectifications/", {
        "region": a.region.code, "hospital": a.hospitals[0].code, "month": "2025-03", "text": "请核对科室编码"},
        format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert api(a.users[Role.BUREAU_STAFF]).post("/api/v1/rectifications/", {
        "region": a.region.code, "hospital": a.hospitals[0].code, "month": "2025-03", "text": "x"},
        format="json").status_code == 403
    hs = api(a.users[Role.HOSPITAL_STAFF])
    assert hs.post(f"/api/v1/rectifications/{pk}/acknowledge/").json()["status"] == "acknowledged"
    done = hs.post(f"/api/v1/rectifications/{pk}/reply/", {"reply": "科室编码已更正"}, format="json").json()
    assert (done["status"], done["reply"]) == ("answered", "科室编码已更正")
    assert api(b.users[Role.HOSPITAL_STAFF]).get(f"/api/v1/rectifications/{pk}/").status_code == 404
    assert api(b.users[Role.BUREAU_ADMIN]).get(f"/api/v1/rectifications/{pk}/").status_code == 404


def test_schema_documents_the_new_operations(api, world):
    r = api(world["platform_admin"]).get("/api/v1/schema/", {"format": "json"})
    paths = r.json()["paths"]
    for path in ("/api/v1/analysis/pnl/", "/api/v1/analysis/peers/", "/api/v1/quality/scorecards/",
                 "/api/v1/rectifications/", "/api/v1/rectifications/{id}/reply/"):
        assert path in paths, path
