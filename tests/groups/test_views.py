"""Portal screens: catalogue browser and statistics, scoped and role-aware."""
from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from apps.core.navigation import navigation_for
from apps.groups.models import Catalogue, StatsVersion
from apps.tenants.access import get_access
from apps.tenants.enums import Role

from .test_stats import YEAR, policy_set, worked_cases


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def worked(world, catalogues):
    worked_cases(world)
    policy_set(actor=None, region=world["A"].region, year=YEAR, values={"lln_cases": 10})
    return world


def test_catalogue_browser_and_live_search(world, catalogues):
    a = world["A"]
    client = client_for(a.users[Role.HOSPITAL_STAFF])
    page = client.get("/groups/")
    assert page.status_code == 200 and "chs-drg-2.0" in page.content.decode()
    assert page.content.decode().count("chs-drg-2.0\n") <= 1  # only A's catalogue is listed
    pk = catalogues["A"]["catalogue_id"]
    detail = client.get(f"/groups/catalogues/{pk}/").content.decode()
    assert "MDCA" in detail and "AA19" in detail and "心肺移植" in detail
    partial = client.get(f"/groups/catalogues/{pk}/", {"q": "阑尾"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "GE29" in partial and "AA19" not in partial
    assert client.get(f"/groups/catalogues/{catalogues['B']['catalogue_id']}/").status_code == 404


def test_catalogue_management_needs_the_bureau_admin(world):
    a = world["A"]
    assert client_for(a.users[Role.BUREAU_STAFF]).post("/groups/regions/341800/load-shipped/").status_code == 403
    assert client_for(world["B"].users[Role.BUREAU_ADMIN]).post("/groups/regions/341800/load-shipped/").status_code == 404
    assert client_for(a.users[Role.BUREAU_ADMIN]).post("/groups/regions/341800/load-shipped/").status_code == 302
    with scopes_disabled():
        assert Catalogue.objects.filter(region=a.region, version="chs-drg-2.0", is_active=True).exists()


def test_navigation_entries_for_every_role(world, rf):
    for role in (Role.HOSPITAL_STAFF, Role.EXPERT, Role.AUDITOR, Role.BUREAU_ADMIN):
        request = rf.get("/")
        request.access = get_access(world["A"].users[role])
        urls = [item["url"] for item in navigation_for(request)]
        assert "/groups/" in urls and "/groups/stats/" in urls


def test_stats_screens_compute_publish_export(worked):
    a = worked["A"]
    staff = client_for(a.users[Role.BUREAU_STAFF])
    assert staff.post(f"/groups/stats/341800/{YEAR}/compute/").status_code == 302
    with scopes_disabled():
        version = StatsVersion.objects.get(region=a.region, year=YEAR)
    page = staff.get(f"/groups/stats/341800/{YEAR}/", {"sort": "-bp"}).content.decode()
    assert "3826.15" in page and "135.0357" in page
    assert page.index("ED11") < page.index("EB19")  # sorted by base points, descending
    status = staff.get(f"/groups/stats/341800/{YEAR}/versions/{version.pk}/status/", HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    # hospital users see nothing until it is published
    hospital = client_for(a.users[Role.HOSPITAL_STAFF])
    assert "3826.15" not in hospital.get(f"/groups/stats/341800/{YEAR}/").content.decode()
    publish = f"/groups/stats/341800/{YEAR}/versions/{version.pk}/publish/"
    assert staff.post(publish).status_code == 403
    assert client_for(a.users[Role.BUREAU_ADMIN]).post(publish).status_code == 302
    assert "3826.15" in hospital.get(f"/groups/stats/341800/{YEAR}/").content.decode()
    csv_text = hospital.get(f"/groups/stats/341800/{YEAR}/export.csv").content.decode()
    lines = csv_text.splitlines()
    assert lines[0] == "code,n,mean_cost,sd,cv,stable,base_points"
    assert "EC19,6,5166.67,5166.69,1.0000,1,135.0357" in lines
    chart = hospital.get(f"/groups/stats/341800/{YEAR}/groups/EC29/").content.decode()
    assert 'id="cost-data"' in chart and "20000.00" in chart
    index = hospital.get("/groups/stats/").content.decode()
    assert f"/groups/stats/341800/{YEAR}/" in index


def test_stats_screens_are_scoped(worked):
    a, b = worked["A"], worked["B"]
    client_for(a.users[Role.BUREAU_ADMIN]).post(f"/groups/stats/341800/{YEAR}/compute/")
    with scopes_disabled():
        version = StatsVersion.objects.get(region=a.region, year=YEAR)
    other = client_for(b.users[Role.BUREAU_ADMIN])
    for url in (f"/groups/stats/341800/{YEAR}/", f"/groups/stats/341800/{YEAR}/export.csv",
                f"/groups/stats/341800/{YEAR}/groups/EB19/",
                f"/groups/stats/341800/{YEAR}/versions/{version.pk}/status/"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/groups/stats/341800/{YEAR}/compute/").status_code == 404
    assert other.post(f"/groups/stats/341800/{YEAR}/versions/{version.pk}/publish/").status_code == 404
    # B's own year page cannot reach A's version by id
    assert other.post(f"/groups/stats/340100/{YEAR}/versions/{version.pk}/publish/").status_code == 404


def test_screens_are_chinese_by_default(world, catalogues):
    page = client_for(world["A"].users[Role.AUDITOR]).get("/groups/stats/").content.decode()
    assert "病组统计" in page


def test_progress_fragment_polls_while_computing(worked):
    a = worked["A"]
    with scopes_disabled():
        catalogue = Catalogue.objects.get(region=a.region, is_active=True)
        version = StatsVersion.objects.create(region=a.region, year=YEAR, catalogue=catalogue, number=1,
                                              base_start=2022, base_end=2024, min_cases=5, cv_max="1.0",
                                              lln_cases=100, progress=10)
    client = client_for(a.users[Role.BUREAU_STAFF])
    fragment = client.get(f"/groups/stats/341800/{YEAR}/versions/{version.pk}/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in fragment.content.decode() and "HX-Refresh" not in fragment
    page = client.get(f"/groups/stats/341800/{YEAR}/").content.decode()
    assert "every 1s" in page
    # a second computation waits until the running one has finished
    from apps.core.errors import InvalidTransition
    from apps.groups.services import group_stats_compute

    with pytest.raises(InvalidTransition):
        group_stats_compute(actor=None, region=a.region, year=YEAR)
    assert client_for(a.users[Role.HOSPITAL_STAFF]).get(
        f"/groups/stats/341800/{YEAR}/versions/{version.pk}/status/").status_code == 404
