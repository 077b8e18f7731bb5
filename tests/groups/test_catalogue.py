"""Catalogues: the shipped CHS-DRG 2.0 load, file imports with per-row errors, activation, selectors."""
from __future__ import annotations

import io

import openpyxl
import pytest
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, ValidationFailed
from apps.core.models import AuditEvent
from apps.groups.models import Adrg, Catalogue, Group, Mdc
from apps.groups.selectors import active_catalogue, group_codes, group_mdcs
from apps.groups.services import catalogue_activate, catalogue_import, catalogue_load_shipped
from apps.tenants.enums import Role
from apps.tenants.services import policy_set


def counts(catalogue_id: int) -> tuple[int, int, int]:
    with scopes_disabled():
        return tuple(m.objects.filter(catalogue_id=catalogue_id).count() for m in (Mdc, Adrg, Group))


def test_shipped_catalogue_counts_and_idempotency(world):
    a = world["A"]
    first = catalogue_load_shipped(actor=a.users[Role.BUREAU_ADMIN], region=a.region)
    assert (first["mdcs"], first["adrgs"], first["groups"]) == (26, 409, 634)
    assert counts(first["catalogue_id"]) == (26, 409, 634)
    second = catalogue_load_shipped(actor=None, region=a.region)
    assert second["catalogue_id"] == first["catalogue_id"]
    assert (second["groups_created"], second["groups_updated"], second["created"]) == (0, 0, False)
    assert counts(first["catalogue_id"]) == (26, 409, 634)
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="catalogue.load_shipped", region=a.region).count() == 1
        group = Group.objects.get(catalogue_id=first["catalogue_id"], code="ED11")
        assert (group.mdc_code, group.adrg_code, group.severity) == ("MDCE", "ED1", "1")
        assert Mdc.objects.get(catalogue_id=first["catalogue_id"], code="MDCA").name == "先期分组疾病及相关操作"
        catalogue = Catalogue.objects.get(pk=first["catalogue_id"])
    assert catalogue.is_active and catalogue.method == "DRG"
    assert active_catalogue(a.region) == catalogue
    assert len(group_codes(catalogue)) == 634 and group_mdcs(catalogue)["ED11"] == "MDCE"


def test_shipped_load_needs_the_bureau_admin(world):
    a = world["A"]
    for role in (Role.BUREAU_STAFF, Role.HOSPITAL_ADMIN, Role.AUDITOR):
        with pytest.raises(Forbidden):
            catalogue_load_shipped(actor=a.users[role], region=a.region)
    with pytest.raises(Forbidden):
        catalogue_load_shipped(actor=world["B"].users[Role.BUREAU_ADMIN], region=a.region)


CSV = (
    "code,name,mdc,adrg\n"
    "AA19,心肺移植,MDCA,AA1\n"
    "ED11,其他手术伴严重合并症,E,ED1\n"  # a one-letter MDC is normalised to MDCE
    ",没有编码,MDCA,AA1\n"  # row 4: no code
    "XX 1,bad code,MDCA,AA1\n"  # row 5: bad code
    "BB19,,MDCB,BB1\n"  # row 6: no name
    "AA19,心肺移植（不同）,MDCA,AA1\n"  # row 7: duplicate code with different content
    "DIP001,单纯性阑尾炎,,\n"  # a DIP-style group without hierarchy
)


def test_import_reports_bad_rows_and_lands_good_ones(world):
    a = world["A"]
    summary = catalogue_import(actor=a.users[Role.BUREAU_ADMIN], region=a.region, version="local-2025",
                               data=CSV.encode(), filename="groups.csv", name="宣城 2025 本地版")
    assert (summary["total"], summary["created"], summary["rejected"]) == (7, 3, 4)
    assert [(e["row"], e["field"]) for e in summary["errors"]] == [(4, "code"), (5, "code"), (6, "name"), (7, "code")]
    with scopes_disabled():
        catalogue = Catalogue.objects.get(pk=summary["catalogue_id"])
        assert catalogue.name == "宣城 2025 本地版" and not catalogue.is_active
        assert Group.objects.get(catalogue=catalogue, code="ED11").mdc_code == "MDCE"
        assert Group.objects.get(catalogue=catalogue, code="DIP001").severity == ""
        assert Adrg.objects.get(catalogue=catalogue, code="AA1").name == "心肺移植"  # known code: shipped name
        assert sorted(Mdc.objects.filter(catalogue=catalogue).values_list("code", flat=True)) == ["MDCA", "MDCE"]
    again = catalogue_import(actor=None, region=a.region, version="local-2025", data=CSV.encode(), filename="groups.csv")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    changed = CSV.replace("心肺移植,MDCA", "心肺联合移植,MDCA", 1)
    assert catalogue_import(actor=None, region=a.region, version="local-2025", data=changed.encode(),
                            filename="groups.csv")["updated"] == 1


def test_import_xlsx_with_chinese_headers_and_activate(world):
    a = world["A"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["病组编码", "病组名称", "主要诊断大类", "核心疾病诊断相关组"])
    sheet.append(["FM19", "经皮心导管检查", "MDCF", "FM1"])
    buffer = io.BytesIO()
    book.save(buffer)
    summary = catalogue_import(actor=None, region=a.region, version="x1", data=buffer.getvalue(),
                               filename="groups.xlsx", activate=True)
    assert summary["created"] == 1 and summary["rejected"] == 0
    assert active_catalogue(a.region).version == "x1"
    assert active_catalogue(world["B"].region) is None


def test_import_rejects_unreadable_files_and_missing_columns(world):
    a = world["A"]
    summary = catalogue_import(actor=None, region=a.region, version="v", data=b"foo,bar\n1,2\n", filename="x.csv")
    assert summary["catalogue_id"] is None and summary["errors"][0]["message"] == "missing column(s)"
    with pytest.raises(ValidationFailed):
        catalogue_import(actor=None, region=a.region, version="v", data=b"\xff\xfe\x00garbage", filename="x.csv")
    with pytest.raises(ValidationFailed):
        catalogue_import(actor=None, region=a.region, version="", data=CSV.encode(), filename="x.csv")
    with pytest.raises(Forbidden):
        catalogue_import(actor=a.users[Role.HOSPITAL_STAFF], region=a.region, version="v", data=CSV.encode(), filename="x.csv")


def test_policy_year_catalogue_wins_over_the_active_one(world):
    a = world["A"]
    catalogue_load_shipped(actor=None, region=a.region)
    catalogue_import(actor=None, region=a.region, version="local", data=CSV.encode(), filename="g.csv")
    assert active_catalogue(a.region, 2025).version == "chs-drg-2.0"
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=2025, values={"catalogue": "local"})
    assert active_catalogue(a.region, 2025).version == "local"
    # 2024 is in 2025's (default) base period: checked against the catalogue of the payment year that uses it
    assert active_catalogue(a.region, 2024).version == "local"
    assert active_catalogue(a.region, 2020).version == "chs-drg-2.0"  # no policy covers it: the active one
    assert active_catalogue(a.region).version == "chs-drg-2.0"


def test_activate_switches_and_is_scoped(world):
    a, b = world["A"], world["B"]
    shipped = catalogue_load_shipped(actor=None, region=a.region)
    catalogue_import(actor=None, region=a.region, version="local", data=CSV.encode(), filename="g.csv")
    with scopes_disabled():
        local = Catalogue.objects.get(region=a.region, version="local")
    with pytest.raises(Forbidden):
        catalogue_activate(actor=b.users[Role.BUREAU_ADMIN], catalogue=local)
    catalogue_activate(actor=a.users[Role.BUREAU_ADMIN], catalogue=local)
    with scopes_disabled():
        assert not Catalogue.objects.get(pk=shipped["catalogue_id"]).is_active
    assert active_catalogue(a.region) == local
