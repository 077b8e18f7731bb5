"""History without ceremony (issue 15): base-period cases are checked against the catalogue of the payment year
that uses them, or the region's active catalogue where no policy year covers their discharge year."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from apps.cases.models import Case
from apps.cases.services import case_import_run, case_import_start
from apps.groups.grouper.services import grouper_catalogue_load
from apps.groups.selectors import active_catalogue, governing_policy, payment_grouper_version
from apps.groups.services import catalogue_load_shipped
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear
from apps.tenants.services import policy_get_or_create, policy_set
from tests.cases.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db

# BR25 is a group of both lists; LR11 only of CHS-DRG 1.1; AA29 only of CHS-DRG 2.0.


def _year_rows(hospital_code: str, code: str) -> list[dict]:
    return [row(i + 1, hospital_code=hospital_code, drg_code=code, admission_date=f"{year}-03-01",
                discharge_date=f"{year}-03-08") for i, year in enumerate((2022, 2023, 2024))]


@pytest.fixture
def bworld(world):
    """Region A: the 2.0 catalogue active, 1.1 loaded beside it; its first payment year 2025 pays on 1.1 (no
    policy year for 2022–2024). Region B: only the active 2.0 catalogue and no policy at all."""
    a, b = world["A"], world["B"]
    with scopes_disabled():
        for rw in (a, b):
            catalogue_load_shipped(actor=None, region=rw.region)
        grouper_catalogue_load(actor=None, region=a.region, version="chs-drg-1.1", activate=False)
        policy_get_or_create(region=a.region, year=2025)
        policy_set(actor=None, region=a.region, year=2025, values={"grouper_version": "chs-drg-1.1"}, reason="t")
        PolicyYear.objects.filter(region__in=[a.region, b.region], year__lt=2025).delete()
    return world


def _import(rw, rows):
    with scope(region=[rw.region.pk]):
        job = case_import_start(actor=rw.users[Role.BUREAU_STAFF], region=rw.region, data=csv_bytes(rows),
                                filename="history.csv")
        return case_import_run(job) if job.status != "ready" else job


def test_base_years_use_the_payment_years_catalogue(bworld):
    a = bworld["A"]
    with scopes_disabled():
        assert governing_policy(a.region, 2023).year == 2025  # default base period: the three years before
        assert active_catalogue(a.region, 2023).version == "chs-drg-1.1"
        assert active_catalogue(a.region, 2025).version == "chs-drg-1.1"
        assert active_catalogue(a.region, 2019).version == "chs-drg-2.0"  # no policy covers it: the active one
        assert payment_grouper_version(a.region, 2024) == "chs-drg-1.1"
        assert payment_grouper_version(bworld["B"].region, 2024) == ""  # B: declared codes as they are
    job = _import(a, _year_rows(a.hospital.code, "LR11"))  # a 1.1-only group in 2022–2024
    assert (job.created, job.rejected) == (3, 0), job.preview
    with scopes_disabled():
        assert sorted(Case.objects.filter(region=a.region).values_list("discharge_date__year", flat=True)) == [
            2022, 2023, 2024]
    # a 2.0-only group is not a group of the catalogue the payment year uses: rejected row by row, by name
    job = _import(a, [dict(r, settlement_id=f"X{i}") for i, r in enumerate(_year_rows(a.hospital.code, "AA29"))])
    assert (job.created, job.rejected) == (0, 3)
    assert {e["field"] for e in job.preview["errors"]} == {"drg_code"}


def test_explicit_base_period_and_region_isolation(bworld):
    a, b = bworld["A"], bworld["B"]
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=2025, values={"base_start": 2023, "base_end": 2024}, reason="t")
        assert governing_policy(a.region, 2022) is None  # outside the declared base period
        assert active_catalogue(a.region, 2022).version == "chs-drg-2.0"
        assert active_catalogue(a.region, 2023).version == "chs-drg-1.1"
    # B has no policy year: its base years are checked against its own active catalogue (2.0), never A's
    job = _import(b, _year_rows(b.hospital.code, "AA29"))
    assert (job.created, job.rejected) == (3, 0), job.preview
    job = _import(b, [dict(r, settlement_id=f"Y{i}") for i, r in enumerate(_year_rows(b.hospital.code, "LR11"))])
    assert (job.created, job.rejected) == (0, 3)


def test_base_years_import_through_the_api(bworld, api):
    a = bworld["A"]
    upload = SimpleUploadedFile("history.csv", csv_bytes(_year_rows(a.hospital.code, "BR25")), content_type="text/csv")
    client = api(a.users[Role.BUREAU_STAFF])
    resp = client.post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload}, format="multipart")
    assert resp.status_code == 202, resp.content
    status = client.get(f"/api/v1/imports/{resp.json()['import_id']}/").json()
    assert (status["status"], status["created"], status["rejected"]) == ("ready", 3, 0)
    # the other region cannot see the import
    assert api(bworld["B"].users[Role.BUREAU_STAFF]).get(f"/api/v1/imports/{resp.json()['import_id']}/").status_code == 404


def test_screens_say_when_the_declared_codes_are_used_as_they_are(bworld, client):
    """B has no portal grouper in its policy: the disagreement report says the declared codes are paid as they
    are and shows no disagreement rate; A pays on chs-drg-1.1 and the report names the one version."""
    a, b = bworld["A"], bworld["B"]
    client.force_login(b.users[Role.BUREAU_ADMIN])
    text = client.get(f"/groups/grouper/report/?region={b.region.code}").content.decode()
    assert 'id="declared-as-is"' in text and 'id="kpi-rate"' not in text
    client.force_login(a.users[Role.BUREAU_ADMIN])
    text = client.get(f"/groups/grouper/report/?region={a.region.code}&period=2025").content.decode()
    assert 'id="paid-on"' in text and "chs-drg-1.1" in text and 'id="declared-as-is"' not in text
    # B's case page says the same
    job = _import(b, _year_rows(b.hospital.code, "AA29")[:1])
    assert job.created == 1
    with scopes_disabled():
        case = Case.objects.get(region=b.region)
    client.force_login(b.users[Role.BUREAU_ADMIN])
    assert 'id="declared-as-is"' in client.get(f"/cases/{case.pk}/").content.decode()
    # and A cannot open B's case
    client.force_login(a.users[Role.BUREAU_ADMIN])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
