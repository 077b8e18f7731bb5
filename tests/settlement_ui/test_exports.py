"""Exports (interfaces.md §2): exact headers, plain decimals as stored, hospital users' own rows only."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.tenants.enums import Role
from tests.settlement_ui.conftest import CASES

pytestmark = pytest.mark.django_db

CASE_HEADER = ("settlement_id,hospital_code,drg_code,case_type,group_mean,base_points,ratio,effective_base,coefficient,"
               "points,adjusted_points")
HOSPITAL_HEADER = "hospital_code,cases,points,adjusted_points,self_pay,point_value,due,advance,balance"
COEFFICIENT_HEADER = "hospital_code,level,cost_index,level_index,coefficient,is_new"
HOSPITAL_ROWS = [
    "H3418000001,8,940.0000,965.0000,800.00,68.5730,65374.95,62106.20,",
    "H3418000002,2,280.0000,266.0000,200.00,68.5730,18040.42,17138.40,",
]
COEFFICIENT_ROWS = [
    "H3418000001,3,1.0123456789012345,1.0456789012345678,1.0390,0",
    "H3418000002,2,0.9500000000000000,0.9500000000000000,0.9600,0",
    "H3418000003,1,,0.7000000000000000,0.5600,1",
]


def expected_case_rows(settled) -> list[str]:
    rows = []
    for result, spec in zip(settled["A"].results, CASES, strict=True):
        ctype, h, drg, cost, mean, bp, ratio, eb, coef, points, adjusted, *_ = spec
        code = f"H341800000{h + 1}"
        rows.append(",".join([result.settlement_id, code, drg, ctype, mean or "", bp or "", ratio or "", eb or "",
                              coef, points, adjusted]))
    return sorted(rows, key=lambda r: (r.split(",")[1], r.split(",")[0]))


def download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content).decode("utf-8")


def test_export_settlement_command(settled, tmp_path):
    run = settled["A"].run
    cases, hospitals = tmp_path / "cases.csv", tmp_path / "hospitals.csv"
    out = io.StringIO()
    call_command("export_settlement", "--run", str(run.pk), "--cases", str(cases), "--hospitals", str(hospitals),
                 stdout=out)
    summary = json.loads(out.getvalue().strip())
    assert summary["run_id"] == run.pk and summary["cases"] == 10 and summary["hospitals"] == 2
    assert summary["point_value"] == "68.5730"
    lines = cases.read_text(encoding="utf-8").splitlines()
    assert lines[0] == CASE_HEADER
    assert lines[1:] == expected_case_rows(settled)
    assert hospitals.read_text(encoding="utf-8").splitlines() == [HOSPITAL_HEADER, *HOSPITAL_ROWS]


def test_export_settlement_command_errors(settled, tmp_path):
    with pytest.raises(CommandError, match="unknown settlement run"):
        call_command("export_settlement", "--run", "999999", "--cases", str(tmp_path / "c.csv"))
    with pytest.raises(CommandError, match="--cases"):
        call_command("export_settlement", "--run", str(settled["A"].run.pk))
    with pytest.raises(CommandError, match="cannot write"):
        call_command("export_settlement", "--run", str(settled["A"].run.pk), "--cases", str(tmp_path / "no/dir.csv"))


def test_export_coefficients_command(settled, tmp_path):
    target = tmp_path / "coef.csv"
    out = io.StringIO()
    call_command("export_coefficients", "--region", "341800", "--year", "2025", str(target), stdout=out)
    summary = json.loads(out.getvalue().strip())
    assert summary["version_id"] == settled["A"].coefficients.pk and summary["rows"] == 3
    assert target.read_text(encoding="utf-8").splitlines() == [COEFFICIENT_HEADER, *COEFFICIENT_ROWS]
    with pytest.raises(CommandError, match="unknown region"):
        call_command("export_coefficients", "--region", "999999", "--year", "2025", str(target))
    with pytest.raises(CommandError, match="no computed coefficients"):
        call_command("export_coefficients", "--region", "341800", "--year", "2030", str(target))


def test_web_csv_exports_match_the_commands(client, settled):
    run = settled["A"].run
    client.force_login(settled["world"]["A"].users[Role.AUDITOR])
    text = download(client, reverse("settlement:run_export", args=[run.pk, "cases", "csv"]))
    assert text.splitlines() == [CASE_HEADER, *expected_case_rows(settled)]
    text = download(client, reverse("settlement:run_export", args=[run.pk, "hospitals", "csv"]))
    assert text.splitlines() == [HOSPITAL_HEADER, *HOSPITAL_ROWS]
    text = download(client, reverse("settlement:coefficient_export", args=[settled["A"].coefficients.pk]))
    assert text.splitlines() == [COEFFICIENT_HEADER, *COEFFICIENT_ROWS]


def test_hospital_user_exports_only_own_rows(client, settled):
    run = settled["A"].run
    client.force_login(settled["world"]["A"].users[Role.HOSPITAL_STAFF])
    rows = list(csv.reader(io.StringIO(download(client, reverse("settlement:run_export",
                                                                     args=[run.pk, "cases", "csv"])))))
    assert {r[1] for r in rows[1:]} == {"H3418000001"} and len(rows) == 9
    text = download(client, reverse("settlement:run_export", args=[run.pk, "hospitals", "csv"]))
    assert text.splitlines() == [HOSPITAL_HEADER, HOSPITAL_ROWS[0]]


def test_xlsx_export(client, settled):
    run = settled["A"].run
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    response = client.get(reverse("settlement:run_export", args=[run.pk, "hospitals", "xlsx"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert ",".join(rows[0]) == HOSPITAL_HEADER
    assert rows[1][0] == "H3418000001" and rows[1][6] == pytest.approx(65374.95)
    response = client.get(reverse("settlement:run_export", args=[run.pk, "cases", "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.worksheets[0].max_row == 11
    assert client.get(reverse("settlement:run_export", args=[run.pk, "other", "csv"])).status_code == 404
    assert client.get(reverse("settlement:run_export", args=[run.pk, "cases", "pdf"])).status_code == 404


def test_xlsx_refused_beyond_the_sheet_limit(client, settled, monkeypatch):
    from apps.settlement import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 5)
    run = settled["A"].run
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    response = client.get(reverse("settlement:run_export", args=[run.pk, "cases", "xlsx"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("settlement:run_detail", args=[run.pk])
    assert "CSV" in str(list(response.context["messages"])[0])
