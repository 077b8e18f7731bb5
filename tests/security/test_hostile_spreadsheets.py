"""Issue 17 §1: XLSX that claims a huge sheet, real cells beyond the limits and zip bombs, through every XLSX
path (cases, hospitals incl. the dry run, catalogue) by API and screen, in bounded memory (< 100 MB growth)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.cases.models import Case, ImportJob
from apps.core.spreadsheets import SpreadsheetError, check_zip, read_xlsx
from apps.tenants.enums import Role
from tests.security.hostile import case_rows, peak_rss_growth, xlsx, zip_bomb

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT_MB = 100
# the messages are shown in the active language (zh-hans first): each check accepts the English or Chinese form
BOMB = r"compressed suspiciously well|压缩比异常"


def far_cell(row: int, limit: int) -> str:
    return rf"Row {row} has a value in column XFD; at most {limit} columns|第 {row} 行的 XFD 列有内容；最多读取 {limit} 列"


def says(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text) is not None


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def cworld(world):
    from apps.groups.services import catalogue_load_shipped

    with scopes_disabled():
        catalogue_load_shipped(actor=None, region=world["A"].region)
    return world


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb([["code", "name"], ["X", "y"]], padding_mb=60)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX_TYPE)


HOSPITALS_HEADER = ["code", "name", "level", "grade", "type", "drg_enabled_from"]


# -- the reader itself ------------------------------------------------------------------------------------------------

def test_dimension_is_ignored_and_only_real_cells_are_read():
    data = xlsx([["a", "b"], [1, 2]], dimension="A1:XFD2000")
    assert len(data) < 10_000
    with peak_rss_growth() as peak:
        rows = read_xlsx(data, max_rows=10, max_columns=5)
    assert rows == [["a", "b"], [1, 2]]
    assert peak.growth_mb < 20, peak.growth_mb


def test_real_cell_beyond_the_columns_and_rows_beyond_the_limit_are_named():
    with pytest.raises(SpreadsheetError, match=far_cell(2, 5)):
        read_xlsx(xlsx([["a"], [1]], extra_cell="XFD2"), max_rows=10, max_columns=5)
    with pytest.raises(SpreadsheetError, match=r"more than 3 rows \(row 5\)|超过 3 行（第 5 行）"):
        read_xlsx(xlsx([["a"], [1], [2], [3], [4]]), max_rows=3, max_columns=5)


def test_zip_bomb_is_refused_from_the_directory(bomb, settings):
    with peak_rss_growth() as peak, pytest.raises(SpreadsheetError, match=BOMB):
        read_xlsx(bomb, max_rows=10, max_columns=5)
    assert peak.growth_mb < 20, peak.growth_mb
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024  # the total cap, whatever the ratio
    with pytest.raises(SpreadsheetError, match="unpacks to 60 MB, more than the 1 MB allowed|解压后为 60 MB，超过允许的 1 MB"):
        check_zip(bomb)


# -- cases: API and screen ---------------------------------------------------------------------------------------------

def test_case_import_api_dimension_bomb_reads_the_two_real_rows(cworld, api):
    a = cworld["A"]
    data = xlsx(case_rows(a.hospitals[0].code, 2), dimension="A1:XFD2000")
    client = api(a.users[Role.HOSPITAL_STAFF])
    with peak_rss_growth() as peak:
        response = client.post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload("c.xlsx", data)},
                               format="multipart")
    assert response.status_code == 202, response.content
    assert peak.growth_mb < LIMIT_MB, peak.growth_mb
    status = client.get(f"/api/v1/imports/{response.json()['import_id']}/").json()
    assert (status["status"], status["total"], status["created"], status["rejected"]) == ("ready", 2, 2, 0)


def test_case_import_api_refuses_a_real_far_cell_and_a_zip_bomb(cworld, api, bomb):
    a = cworld["A"]
    client = api(a.users[Role.HOSPITAL_STAFF])
    far = xlsx(case_rows(a.hospitals[0].code, 2), extra_cell="XFD3")
    with peak_rss_growth() as peak:
        response = client.post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload("c.xlsx", far)},
                               format="multipart")
        bombed = client.post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload("b.xlsx", bomb)},
                             format="multipart")
    assert peak.growth_mb < LIMIT_MB, peak.growth_mb
    assert response.status_code == 400
    assert says(far_cell(3, 45), response.content.decode())
    assert bombed.status_code == 400 and says(BOMB, bombed.content.decode())
    with scopes_disabled():
        assert ImportJob.objects.count() == 0 and Case.objects.count() == 0


def test_case_import_wide_csv_header_is_a_clear_error_not_a_database_error(cworld, api):
    a = cworld["A"]
    header = ",".join(case_rows("H", 0)[0] + [f"extra{i}" for i in range(1700)])
    response = api(a.users[Role.HOSPITAL_STAFF]).post(
        f"/api/v1/regions/{a.region.code}/cases/import/",
        {"file": SimpleUploadedFile("w.csv", (header + "\n").encode(), content_type="text/csv")}, format="multipart")
    body = response.content.decode()
    assert "1600 columns" not in body and "OperationalError" not in body
    if response.status_code == 202:
        status = api(a.users[Role.HOSPITAL_STAFF]).get(f"/api/v1/imports/{response.json()['import_id']}/").json()
        assert status["status"] == "failed" and says("at most 45 are read|最多读取 45 列", status["error_message"])
    else:
        assert response.status_code == 400 and says("at most 45 are read|最多读取 45 列", body)


def test_case_upload_screen_answers_the_bomb_with_the_message(cworld, bomb):
    a = cworld["A"]
    client = Client()
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    with peak_rss_growth() as peak:
        response = client.post(reverse("cases:import_upload"), {"region": a.region.pk, "file": upload("b.xlsx", bomb)})
    assert peak.growth_mb < LIMIT_MB
    assert response.status_code in (200, 400)
    assert says(BOMB, response.content.decode())


# -- hospitals: API dry run and screen ----------------------------------------------------------------------------------

def test_hospital_import_dry_run_dimension_bomb_and_zip_bomb(world, api, bomb):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    data = xlsx([HOSPITALS_HEADER, ["H34180277001", "新医院", 2, "乙", "general", None]], dimension="A1:XFD2000")
    with peak_rss_growth() as peak:
        response = client.post("/api/v1/regions/341800/hospitals/import/?dry_run=1", {"file": upload("h.xlsx", data)},
                               format="multipart")
        bombed = client.post("/api/v1/regions/341800/hospitals/import/?dry_run=1", {"file": upload("h.xlsx", bomb)},
                             format="multipart")
    assert peak.growth_mb < LIMIT_MB, peak.growth_mb
    assert response.status_code == 200, response.content
    assert (response.json()["dry_run"], response.json()["created"]) == (True, 1)
    assert bombed.status_code == 400 and says(BOMB, bombed.content.decode())


def test_hospital_import_screen_names_the_far_column(world):
    client = Client()
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    data = xlsx([HOSPITALS_HEADER, ["H34180277001", "新医院", 2, "乙", "general", None]], extra_cell="XFD2")
    with peak_rss_growth() as peak:
        response = client.post(reverse("hospitals:import"), {"region": world["A"].region.pk,
                                                             "file": upload("h.xlsx", data)})
    assert peak.growth_mb < LIMIT_MB
    assert says(far_cell(2, 16), response.content.decode())


# -- catalogue ---------------------------------------------------------------------------------------------------------

def test_catalogue_import_refuses_the_bomb_and_reads_a_dimension_bomb(world, api, bomb):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    url = "/api/v1/regions/341800/catalogues/LOCAL-1/import/"
    with peak_rss_growth() as peak:
        bombed = client.post(url, {"file": upload("c.xlsx", bomb)}, format="multipart")
        data = xlsx([["code", "name", "mdc", "adrg"], ["ES31", "呼吸系统感染", "MDCE", "ES3"]], dimension="A1:XFD2000")
        claimed = client.post(url, {"file": upload("c.xlsx", data)}, format="multipart")
    assert peak.growth_mb < LIMIT_MB
    assert bombed.status_code == 400 and says(BOMB, bombed.content.decode())
    assert claimed.status_code in (200, 201), claimed.content
    assert claimed.json()["total"] == 1
