"""Hospitals API: roles, scope (out of scope = 404), lists, create, patch, import."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from apps.core.models import AuditEvent
from apps.hospitals.models import Hospital
from apps.tenants.enums import Role

from .helpers import csv_bytes

ROLES = [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF]
MANAGERS = {Role.BUREAU_ADMIN, "platform_admin"}


def user_of(world, who: str):
    if who in ("supervisor", "platform_admin"):
        return world[who]
    return world["A"].users[who]


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def region_codes(world, *regions: str) -> set[str]:
    return {h.code for r in regions for h in world[r].hospitals}


@pytest.mark.django_db
@pytest.mark.parametrize("who, expected", [
    (Role.BUREAU_ADMIN, "A"), (Role.BUREAU_STAFF, "A"), (Role.AUDITOR, "A"), (Role.EXPERT, "A"),
    (Role.HOSPITAL_ADMIN, "own"), (Role.HOSPITAL_STAFF, "own"), ("supervisor", "AB"), ("platform_admin", "ABC"),
])
def test_list_returns_exactly_the_callers_rows(world, api, who, expected):
    response = api(user_of(world, who)).get("/api/v1/hospitals/")
    want = {world["A"].hospital.code} if expected == "own" else region_codes(world, *expected)
    assert codes(response) == want
    assert response.json()["count"] == len(want)


@pytest.mark.django_db
def test_list_filters(world, api):
    client = api(world["platform_admin"])
    assert codes(client.get("/api/v1/hospitals/", {"region": "340100"})) == region_codes(world, "B")
    assert codes(client.get("/api/v1/hospitals/", {"region": "341800", "level": 3})) == {"H3418000001"}
    assert codes(client.get("/api/v1/hospitals/", {"region": "341800", "type": "tcm"})) == {"H3418000002"}
    assert codes(client.get("/api/v1/hospitals/", {"region": "341800", "grade": "未定级"})) == {"H3418000003"}
    assert codes(client.get("/api/v1/hospitals/", {"region": "341800", "drg_enabled": "false"})) == {"H3418000003"}
    assert codes(client.get("/api/v1/hospitals/", {"region": "341800", "active": "true"})) == region_codes(world, "A")
    # a bureau admin asking for another region's code gets nothing, not the rows
    assert codes(api(world["A"].users[Role.BUREAU_ADMIN]).get("/api/v1/hospitals/", {"region": "340100"})) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*ROLES, "supervisor", "platform_admin"])
def test_detail_in_scope(world, api, who):
    hospital = world["A"].hospital
    response = api(user_of(world, who)).get(f"/api/v1/hospitals/{hospital.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == hospital.code and body["region"] == "341800" and body["level"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF])
def test_hospital_roles_do_not_see_other_hospitals(world, api, who):
    other = world["A"].hospitals[1]
    assert api(user_of(world, who)).get(f"/api/v1/hospitals/{other.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_other_region_is_404(world, api, who):
    other = world["B"].hospital
    client = api(user_of(world, who))
    assert client.get(f"/api/v1/hospitals/{other.pk}/").status_code == 404
    response = client.patch(f"/api/v1/hospitals/{other.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post("/api/v1/hospitals/", {"region": "340100", "code": "H99990001", "name": "x", "level": 1,
                                                  "grade": "甲", "type": "general"}, format="json")
    assert response.status_code == 404
    upload = SimpleUploadedFile("h.csv", csv_bytes("H34010099999,x,1,甲,general,"))
    assert client.post("/api/v1/regions/340100/hospitals/import/", {"file": upload}).status_code == 404
    with scopes_disabled():
        assert Hospital.objects.get(pk=other.pk).name == other.name
        assert not Hospital.objects.filter(code__in=["H99990001", "H34010099999"]).exists()


@pytest.mark.django_db
def test_supervisor_cannot_reach_other_province(world, api):
    c = world["C"].hospital
    assert api(world["supervisor"]).get(f"/api/v1/hospitals/{c.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*ROLES, "supervisor", "platform_admin"])
def test_create_requires_bureau_admin(world, api, who):
    body = {"region": "341800", "code": "H34180299001", "name": "新建医院", "level": 2, "grade": "乙", "type": "tcm",
            "drg_enabled_from": "2025-01-01"}
    response = api(user_of(world, who)).post("/api/v1/hospitals/", body, format="json")
    if who in MANAGERS:
        assert response.status_code == 201, response.content
        assert response.json()["code"] == "H34180299001" and response.json()["region"] == "341800"
        with scopes_disabled():
            assert AuditEvent.objects.filter(action="hospital.create", object_id=str(response.json()["id"])).exists()
    else:
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_create_validation(world, api):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    bad = client.post("/api/v1/hospitals/", {"region": "341800", "code": "x", "name": "", "level": 7, "grade": "优",
                                             "type": "hotel"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    assert set(bad.json()["errors"]) >= {"code", "name", "level", "grade", "type"}
    clash = client.post("/api/v1/hospitals/", {"region": "341800", "code": "H3418000001", "name": "重名", "level": 1,
                                               "grade": "甲", "type": "general"}, format="json")
    assert clash.status_code == 400 and clash.json()["code"] == "validation_error"
    unknown = client.post("/api/v1/hospitals/", {"region": "999999", "code": "H1234", "name": "x", "level": 1,
                                                 "grade": "甲", "type": "general"}, format="json")
    assert unknown.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*ROLES, "supervisor", "platform_admin"])
def test_patch_requires_bureau_admin(world, api, who):
    hospital = world["A"].hospital
    response = api(user_of(world, who)).patch(f"/api/v1/hospitals/{hospital.pk}/",
                                              {"name": "改名医院", "reason": "更名批复"}, format="json")
    with scopes_disabled():
        name = Hospital.objects.get(pk=hospital.pk).name
    if who in MANAGERS:
        assert response.status_code == 200 and response.json()["name"] == "改名医院" == name
        with scopes_disabled():
            event = AuditEvent.objects.get(action="hospital.update", object_id=str(hospital.pk))
        assert event.reason == "更名批复" and event.new == {"name": "改名医院"}
    else:
        assert response.status_code == 403 and name == hospital.name


@pytest.mark.django_db
def test_put_is_not_offered(world, api):
    hospital = world["A"].hospital
    response = api(world["A"].users[Role.BUREAU_ADMIN]).put(f"/api/v1/hospitals/{hospital.pk}/", {}, format="json")
    assert response.status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*ROLES, "supervisor", "platform_admin"])
def test_import_requires_bureau_admin(world, api, who):
    upload = SimpleUploadedFile("h.csv", csv_bytes("H34180299101,导入医院,2,乙,general,2025-01-01"))
    response = api(user_of(world, who)).post("/api/v1/regions/341800/hospitals/import/", {"file": upload})
    if who in MANAGERS:
        assert response.status_code == 200, response.content
        assert response.json() == {"dry_run": False, "created": 1, "updated": 0, "unchanged": 0, "rejected": 0,
                                   "errors": []}
    else:
        assert response.status_code == 403


@pytest.mark.django_db
def test_import_dry_run_and_errors(world, api):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    data = csv_bytes("H34180299201,好医院,2,乙,general,", "H34180299202,坏医院,5,乙,general,")
    response = client.post("/api/v1/regions/341800/hospitals/import/?dry_run=1",
                           {"file": SimpleUploadedFile("h.csv", data)})
    body = response.json()
    assert response.status_code == 200 and body["dry_run"] is True
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["errors"] == [{"row": 3, "code": "H34180299202", "field": "level", "error_code": "invalid_choice",
                               "message": body["errors"][0]["message"]}]
    with scopes_disabled():
        assert not Hospital.objects.filter(code="H34180299201").exists()
    response = client.post("/api/v1/regions/341800/hospitals/import/", {"file": SimpleUploadedFile("h.csv", data)})
    assert response.json()["created"] == 1
    with scopes_disabled():
        assert Hospital.objects.filter(code="H34180299201").exists()


@pytest.mark.django_db
def test_import_file_level_error_is_400(world, api):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    upload = SimpleUploadedFile("h.csv", csv_bytes("a,b", header="code,名字"))
    response = client.post("/api/v1/regions/341800/hospitals/import/", {"file": upload})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "validation_error" and body["detail"]
    assert body["missing_columns"] == ["name", "level", "grade", "type", "drg_enabled_from"]
    assert body["unknown_columns"] == ["名字"]
    missing = client.post("/api/v1/regions/341800/hospitals/import/", {})
    assert missing.status_code == 400 and missing.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_anonymous_is_refused(world, api):
    assert api().get("/api/v1/hospitals/").status_code in (401, 403)


@pytest.mark.django_db
def test_schema_lists_hospital_endpoints(world, api):
    response = api(world["platform_admin"]).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/hospitals/" in paths and "/api/v1/hospitals/{id}/" in paths
    assert "/api/v1/regions/{code}/hospitals/import/" in paths
    assert "put" not in paths["/api/v1/hospitals/{id}/"]
