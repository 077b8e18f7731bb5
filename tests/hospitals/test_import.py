"""The hospitals file import (interfaces.md §1) through the service."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden
from apps.core.models import AuditEvent
from apps.hospitals.models import Hospital
from apps.hospitals.services import ImportFileError, hospitals_import
from apps.tenants.enums import Role

from .helpers import csv_bytes, xlsx_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "apps" / "hospitals" / "samples"


def run(world, data: bytes, *, dry_run: bool = False, region: str = "A", filename: str = "h.csv", actor=None):
    actor = actor or world[region].users[Role.BUREAU_ADMIN]
    with scopes_disabled():
        return hospitals_import(actor=actor, region=world[region].region, data=data, filename=filename, dry_run=dry_run)


def hospitals_of(world, region: str = "A") -> dict[str, Hospital]:
    with scopes_disabled():
        return {h.code: h for h in Hospital.objects.filter(region=world[region].region)}


def audit_count() -> int:
    with scopes_disabled():
        return AuditEvent.objects.count()


@pytest.mark.django_db
def test_good_csv_creates_hospitals_and_audits(world):
    before = audit_count()
    report = run(world, (SAMPLES / "hospitals_example.csv").read_bytes())
    assert report.summary() == {"dry_run": False, "created": 6, "updated": 0, "unchanged": 0, "rejected": 0}
    assert report.errors == []
    rows = hospitals_of(world)
    assert len(rows) == 9
    h = rows["H34180200004"]
    assert (h.level, h.grade, h.type, h.drg_enabled_from) == (2, "甲", "maternal", dt.date(2024, 7, 1))
    assert rows["H34180200005"].drg_enabled_from is None
    with scopes_disabled():
        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[before:])
    assert actions.count("hospital.create") == 6 and actions[-1] == "hospital.import"
    with scopes_disabled():
        event = AuditEvent.objects.get(action="hospital.import")
    assert event.new["created"] == 6 and event.region_id == world["A"].region.pk
    assert len(hospitals_of(world, "B")) == 3  # the other region is untouched


@pytest.mark.django_db
def test_good_xlsx_with_typed_cells(world):
    data = xlsx_bytes([
        ["code", "name", "level", "grade", "type", "drg_enabled_from"],
        ["H34180200101", "宣城市第二人民医院", 3, "乙", "general", dt.datetime(2024, 3, 1)],
        [],
        [341802001, "数字编码医院", 2.0, "甲", "tcm", "2025-01-01"],
        ["H34180200103", "基层医院", 1, "未定级", "primary", None],
    ])
    report = run(world, data, filename="hospitals.xlsx")
    assert (report.created, report.rejected) == (3, 0)
    rows = hospitals_of(world)
    assert rows["H34180200101"].drg_enabled_from == dt.date(2024, 3, 1)
    assert rows["341802001"].level == 2
    assert rows["H34180200103"].drg_enabled_from is None


@pytest.mark.django_db
def test_chinese_headers_and_values(world):
    data = csv_bytes(
        "H34180200201,宣城市第三人民医院,三级,甲等,综合,2024-01-01",
        "H34180200202,宣城市中西医医院,二级,乙,中医,",
        "H34180200203,宣城市精神病医院,一级,未定级,专科,",
        "H34180200204,宣城市妇幼,二级,甲,妇幼,2024-06-01",
        "H34180200205,社区中心,一级,未定级,基层,",
        header="医疗机构编码,医疗机构名称,级别,等级,类型,DRG付费开始日期",
    )
    report = run(world, b"\xef\xbb\xbf" + data)
    assert (report.created, report.rejected) == (5, 0)
    rows = hospitals_of(world)
    assert [(rows[c].level, rows[c].grade, rows[c].type) for c in sorted(rows) if c.startswith("H341802002")] == [
        (3, "甲", "general"), (2, "乙", "tcm"), (1, "未定级", "specialty"), (2, "甲", "maternal"), (1, "未定级", "primary"),
    ]


@pytest.mark.django_db
def test_short_header_aliases_and_gb18030_csv(world):
    text = "编码,名称,级别,等级,类型,启用日期\nH34180200301,宣城市第五人民医院,二级,乙,综合,2024-01-01\n"
    report = run(world, text.encode("gb18030"))
    assert report.created == 1
    assert hospitals_of(world)["H34180200301"].name == "宣城市第五人民医院"


@pytest.mark.django_db
def test_wrong_columns_name_them_and_import_nothing(world):
    before = audit_count()
    data = csv_bytes("H34180200401,某医院,3,甲,general,2024-01-01,x", header="code,name,level,grade,kind,start,notes")
    with pytest.raises(ImportFileError) as info:
        run(world, data)
    assert info.value.missing == ["type", "drg_enabled_from"]
    assert info.value.unknown == ["kind", "start", "notes"]
    assert "type" in info.value.message and "notes" in info.value.message
    assert len(hospitals_of(world)) == 3 and audit_count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("data", [b"", b"\n\n", csv_bytes(), b"PK\x03\x04broken", b"\x00\x01\xff\xfe\x00"])
def test_unreadable_files_are_file_level_errors(world, data):
    with pytest.raises(ImportFileError):
        run(world, data)


@pytest.mark.django_db
def test_bad_rows_and_duplicates_exact_report(world):
    before = audit_count()
    report = run(world, (SAMPLES / "hospitals_with_errors.csv").read_bytes())
    errors = [(e.row, e.code, e.field, e.error_code) for e in report.errors]
    assert errors == [
        (3, "H34180200011", "level", "invalid_choice"),
        (4, "H34180200012", "grade", "invalid_choice"),
        (5, "H34180200013", "type", "invalid_choice"),
        (6, "H34180200014", "drg_enabled_from", "invalid_date"),
        (7, "H-1", "code", "invalid"),
        (8, "H34180200015", "name", "required"),
        (9, "H34180200016", "drg_enabled_from", "invalid_date"),
        (10, "H34180200003", "code", "duplicate"),
        (11, "H34180200003", "code", "duplicate"),
    ]
    assert all(e.message for e in report.errors)
    # Row 2 is the only good row: it creates a hospital (the fixture's A hospitals have other codes).
    assert report.summary() == {"dry_run": False, "created": 1, "updated": 0, "unchanged": 0, "rejected": 9}
    assert set(hospitals_of(world)) == {"H3418000001", "H3418000002", "H3418000003", "H34180200001"}
    assert audit_count() == before + 2  # one hospital.create, one hospital.import
    csv_text = report.errors_csv().decode("utf-8-sig").splitlines()
    assert csv_text[0] == "row,code,field,error_code,message"
    assert csv_text[1].startswith("3,H34180200011,level,invalid_choice,")


@pytest.mark.django_db
def test_identical_duplicates_keep_the_first(world):
    data = csv_bytes(
        "H34180200501,甲医院,3,甲,general,2024-01-01",
        "H34180200501,甲医院,三级,甲,综合,2024-01-01",  # same contents, written in Chinese
        "H34180200502,乙医院,2,乙,general,",
    )
    report = run(world, data)
    assert [(e.row, e.error_code) for e in report.errors] == [(3, "duplicate")]
    assert (report.created, report.rejected) == (2, 1)


@pytest.mark.django_db
def test_several_errors_in_one_row_are_all_reported(world):
    report = run(world, csv_bytes("x,,9,优,hotel,2024-13-01,extra"))
    assert [(e.field, e.error_code) for e in report.errors] == [
        ("code", "invalid"), ("name", "required"), ("level", "invalid_choice"), ("grade", "invalid_choice"),
        ("type", "invalid_choice"), ("drg_enabled_from", "invalid_date"), ("", "extra_cells"),
    ]
    assert report.rejected == 1 and len(hospitals_of(world)) == 3


@pytest.mark.django_db
def test_reupload_is_idempotent(world):
    data = (SAMPLES / "hospitals_example.csv").read_bytes()
    run(world, data)
    before = audit_count()
    with scopes_disabled():
        history_before = Hospital.history.count()
    report = run(world, data)
    assert report.summary() == {"dry_run": False, "created": 0, "updated": 0, "unchanged": 6, "rejected": 0}
    assert audit_count() == before
    with scopes_disabled():
        assert Hospital.history.count() == history_before


@pytest.mark.django_db
def test_changed_row_updates_with_audit(world):
    a = world["A"]
    data = csv_bytes(
        "H3418000001,宣城第一人民医院（新名）,3,甲,general,2024-01-01",  # name changed
        "H3418000002,宣城中医院,2,甲,tcm,2024-01-01",  # unchanged
        "H3418000003,宣城社区卫生服务中心,1,未定级,primary,2025-01-01",  # now DRG-paid
    )
    report = run(world, data)
    assert report.summary() == {"dry_run": False, "created": 0, "updated": 2, "unchanged": 1, "rejected": 0}
    assert report.rows[0].changes == {"name": ("宣城第一人民医院", "宣城第一人民医院（新名）")}
    rows = hospitals_of(world)
    assert rows["H3418000001"].name == "宣城第一人民医院（新名）"
    assert rows["H3418000003"].drg_enabled_from == dt.date(2025, 1, 1)
    with scopes_disabled():
        event = AuditEvent.objects.filter(action="hospital.update", object_id=str(a.hospitals[0].pk)).get()
    assert event.old == {"name": "宣城第一人民医院"} and event.new == {"name": "宣城第一人民医院（新名）"}


@pytest.mark.django_db
def test_dry_run_previews_without_writing(world):
    before = audit_count()
    data = csv_bytes("H3418000001,新名字,3,甲,general,2024-01-01", "H34180200601,新医院,2,乙,general,", "bad,x,1,甲,general,")
    report = run(world, data, dry_run=True)
    assert [r.action for r in report.rows] == ["update", "create", "rejected"]
    assert report.summary() == {"dry_run": True, "created": 1, "updated": 1, "unchanged": 0, "rejected": 1}
    assert audit_count() == before
    assert hospitals_of(world)["H3418000001"].name == "宣城第一人民医院"
    assert "H34180200601" not in hospitals_of(world)


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.BUREAU_STAFF, Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF])
def test_only_bureau_admin_may_import(world, who):
    with pytest.raises(Forbidden):
        run(world, csv_bytes("H34180200701,某医院,3,甲,general,"), actor=world["A"].users[who])


@pytest.mark.django_db
def test_other_regions_admin_and_supervisor_may_not_import(world):
    data = csv_bytes("H34180200701,某医院,3,甲,general,")
    with pytest.raises(Forbidden):
        run(world, data, actor=world["B"].users[Role.BUREAU_ADMIN])
    with pytest.raises(Forbidden):
        run(world, data, actor=world["supervisor"])
    assert run(world, data, actor=world["platform_admin"]).created == 1


@pytest.mark.django_db
def test_same_code_in_another_region_is_a_different_hospital(world):
    report = run(world, csv_bytes("H3418000001,合肥的同码医院,2,乙,general,"), region="B")
    assert report.created == 1
    assert hospitals_of(world)["H3418000001"].name == "宣城第一人民医院"


@pytest.mark.django_db
def test_error_report_neutralises_formulas(world):
    report = run(world, csv_bytes('"=HYPERLINK(""http://x"")",x,1,甲,general,'))
    line = report.errors_csv().decode("utf-8-sig").splitlines()[1]
    assert line.startswith('2,"\'=HYPERLINK(')
