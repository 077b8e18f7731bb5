"""API of the groups app: per endpoint, per role (allowed, forbidden, out of scope = 404)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.tenants.enums import Role

from .test_stats import YEAR, policy_set, worked_cases  # noqa: F401

API = "/api/v1"


@pytest.fixture
def worked(world, catalogues):
    worked_cases(world)
    policy_set(actor=None, region=world["A"].region, year=YEAR, values={"lln_cases": 10})
    return world


def test_groups_list_is_scoped(world, catalogues, api):
    a = world["A"]
    client = api(a.users[Role.HOSPITAL_STAFF])
    body = client.get(f"{API}/groups/", {"region": "341800", "search": "ED1"}).json()
    assert {g["code"] for g in body["results"]} == {"ED11", "ED13", "ED15"}
    assert body["results"][0]["region"] == "341800" and body["results"][0]["catalogue"] == "chs-drg-2.0"
    everything = client.get(f"{API}/groups/", {"page_size": 1000}).json()
    assert everything["count"] == 634  # only A's catalogue, not B's
    assert client.get(f"{API}/groups/", {"region": "340100"}).status_code == 404
    assert client.get(f"{API}/groups/", {"region": "341800", "version": "nope"}).json()["count"] == 0
    assert api(None).get(f"{API}/groups/").status_code in (401, 403)


def test_catalogue_import_api(world, api):
    a = world["A"]
    url = f"{API}/regions/341800/catalogues/local-2025/import/"
    upload = lambda: SimpleUploadedFile("g.csv", "code,name,mdc,adrg\nAA19,心肺移植,MDCA,AA1\n,x,MDCA,AA1\n".encode(), "text/csv")  # noqa: E731
    response = api(a.users[Role.BUREAU_ADMIN]).post(url, {"file": upload()}, format="multipart")
    assert response.status_code == 200
    assert response.json()["created"] == 1 and response.json()["errors"][0]["row"] == 3
    assert api(a.users[Role.BUREAU_STAFF]).post(url, {"file": upload()}, format="multipart").status_code == 403
    other = f"{API}/regions/340100/catalogues/local-2025/import/"
    assert api(a.users[Role.BUREAU_ADMIN]).post(other, {"file": upload()}, format="multipart").status_code == 404
    assert api(a.users[Role.BUREAU_ADMIN]).post(url, {}, format="multipart").json()["code"] == "validation_error"


def test_compute_get_publish_flow(worked, api):
    a = worked["A"]
    url = f"{API}/regions/341800/years/{YEAR}/group-stats/"
    response = api(a.users[Role.BUREAU_STAFF]).post(url)
    assert response.status_code == 202
    assert response.json()["status"] == "ready" and response.json()["id"]
    body = api(a.users[Role.AUDITOR]).get(url, {"page_size": 2}).json()
    assert (body["number"], body["status"], body["all_avg"], body["count"]) == (1, "ready", "3826.15", 6)
    assert [r["code"] for r in body["results"]] == ["EB19", "EB29"] and body["next"]
    assert body["results"][0] == {"code": "EB19", "name": "肺大手术", "n": 1, "mean_cost": "5000.00", "sd": "0.00",
                                  "cv": "0.0000", "stable": False, "base_points": "130.6797", "mean_los": "10.00",
                                  "deaths": 0, "death_rate": "0.0000"}
    # hospital users see only published statistics
    assert api(a.users[Role.HOSPITAL_STAFF]).get(url).status_code == 404
    publish = f"{url}publish/"
    assert api(a.users[Role.BUREAU_STAFF]).post(publish).status_code == 403
    response = api(a.users[Role.BUREAU_ADMIN]).post(publish, {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert api(a.users[Role.HOSPITAL_STAFF]).get(url).json()["status"] == "published"
    again = api(a.users[Role.BUREAU_ADMIN]).post(publish)
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF])
def test_compute_forbidden_roles(worked, api, role):
    response = api(worked["A"].users[role]).post(f"{API}/regions/341800/years/{YEAR}/group-stats/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_other_region_is_404(worked, api):
    b_admin = worked["B"].users[Role.BUREAU_ADMIN]
    url = f"{API}/regions/341800/years/{YEAR}/group-stats/"
    api(worked["A"].users[Role.BUREAU_ADMIN]).post(url)
    for method in ("get", "post"):
        assert getattr(api(b_admin), method)(url).status_code == 404
    assert api(b_admin).post(f"{url}publish/").status_code == 404
    assert api(b_admin).get(f"{API}/regions/999999/years/{YEAR}/group-stats/").status_code == 404
    # the province supervisor of A and B reads A's statistics; C's supervisor would not exist here
    assert api(worked["supervisor"]).get(url).status_code == 200
    assert api(worked["C"].users[Role.BUREAU_ADMIN]).get(url).status_code == 404
