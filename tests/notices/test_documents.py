"""pdftotext of every document type contains its Chinese title, document number and table figures.

Generated notices come from published data (coefficients, statistics + point value, a settlement run,
approved applications); the other types (dispute decision, ranking, training, general) from `notice_create`
with their tables, as the disputes, monitoring and training apps call it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from apps.core.pdf import format_cell
from apps.notices import generate, services
from apps.notices.models import NoticeRecipient
from apps.settlement.models import HospitalCoefficient, HospitalResult
from apps.tenants.enums import Role

from .conftest import fresh, pdf_text, publish


def _published_text(world, notice) -> tuple[object, str]:
    notice = publish(world, notice)
    content = Path(settings.PRIVATE_MEDIA_ROOT, fresh(notice).pdf_path).read_bytes()
    if os.environ.get("NOTICES_PDF_DIR"):  # keep the files to render pages with pdftoppm and look at them
        Path(os.environ["NOTICES_PDF_DIR"], f"{notice.type}.pdf").write_bytes(content)
    return notice, pdf_text(content)


def _title_and_number(notice, text):
    assert "".join(notice.title.split()) in text
    assert notice.doc_number and notice.doc_number in text


def test_coefficient_notice(sources):
    world = sources["world"]
    admin = world["A"].users[Role.BUREAU_ADMIN]
    version = sources["coefficients"]
    with scopes_disabled():
        notice = generate.prepare_coefficient_notice(actor=admin, version_id=version.pk)
        again = generate.prepare_coefficient_notice(actor=admin, version_id=version.pk)
        assert again.pk == notice.pk  # one draft per source
        coefficients = [format_cell(r.coefficient) for r in HospitalCoefficient.objects.filter(version=version)]
    notice, text = _published_text(world, notice)
    _title_and_number(notice, text)
    assert notice.type == "coefficient" and notice.objection_ends
    assert "1.1133" in coefficients and all(c in text for c in coefficients)
    assert "公示期为5个工作日" in text


def test_coefficient_notice_other_region_is_not_found(sources):
    from apps.core.errors import NotFound

    with scopes_disabled(), pytest.raises(NotFound):
        generate.prepare_coefficient_notice(actor=sources["world"]["B"].users[Role.BUREAU_ADMIN],
                                            version_id=sources["coefficients"].pk)


def test_points_notice(sources):
    world = sources["world"]
    with scopes_disabled():
        notice = generate.prepare_points_notice(actor=world["A"].users[Role.BUREAU_STAFF],
                                                stats_id=sources["stats"].pk)
    notice, text = _published_text(world, notice)
    _title_and_number(notice, text)
    run = sources["run"]
    assert format_cell(run.point_value) in text  # the point value of the published March run
    assert "ED11" in text and "8000.00" in text  # group mean of ED11


def test_settlement_notices_one_per_hospital(sources):
    world = sources["world"]
    run = sources["run"]
    with scopes_disabled():
        notices = generate.prepare_settlement_notices(actor=world["A"].users[Role.BUREAU_ADMIN], run_id=run.pk)
        results = {r.hospital_id: r for r in HospitalResult.objects.filter(run=run).select_related("hospital")}
        assert len(notices) == len(results) >= 2
        again = generate.prepare_settlement_notices(actor=world["A"].users[Role.BUREAU_ADMIN], run_id=run.pk)
        assert [n.pk for n in again] == [n.pk for n in notices]
    h1 = world["A"].hospitals[0]
    notice = next(n for n in notices if n.addressees == {"hospitals": [h1.code]})
    notice, text = _published_text(world, notice)
    _title_and_number(notice, text)
    result = results[h1.pk]
    for figure in (result.due, result.point_value, result.adjusted_points, result.advance):
        assert format_cell(figure) in text
    assert "病例结算明细" in text and "8800.00" in text and "2950.00" in text
    with scopes_disabled():
        assert list(NoticeRecipient.objects.filter(notice=notice).values_list("hospital_id", flat=True)) == [h1.pk]


def test_review_result_notice(sources):
    from apps.applications.models import Application
    from apps.cases.models import Case

    world = sources["world"]
    a = world["A"]
    with scopes_disabled():
        case = Case.objects.filter(hospital=a.hospitals[0], discharge_date__year=sources["year"]).first()
        Application.objects.create(region=a.region, case=case, hospital=a.hospitals[0], type="special_case",
                                   status="approved", reason="危重", year=sources["year"], outcome="partial",
                                   unreasonable_cost="321.50")
        notice = generate.prepare_review_result_notice(actor=a.users[Role.BUREAU_ADMIN], region=a.region,
                                                       year=sources["year"])
    notice, text = _published_text(world, notice)
    _title_and_number(notice, text)
    assert case.settlement_id in text and "321.50" in text and "部分同意" in text


@pytest.mark.parametrize("kind,title,table", [
    ("dispute_decision", "争议处理决定书", (["争议编号", "处理结果", "调整后系数"], ["D2025-007", "调整", "1.0871"])),
    ("ranking", "关于2025年第一季度DRG付费医疗机构赛马排名情况的通报",
     (["排名", "医疗机构", "综合得分", "CMI"], ["1", "宣城第一人民医院", "92.35", "1.2043"])),
    ("training", "关于举办2025年DRG付费医保结算清单质量培训班的通知",
     (["日期", "地点", "学时", "名额"], ["2025-04-18", "市医保局三楼会议室", "4", "60"])),
    ("general", "关于做好2025年度DRG付费数据上传工作的通知",
     (["事项", "截止日期", "上传条数"], ["结算清单", "2025-05-10", "12345"])),
])
def test_other_types(world, kind, title, table):
    headers, row = table
    with scopes_disabled():
        notice = services.notice_create(
            actor=None, region=world["A"].region, type=kind, title=title, body="特此通知。",
            blocks=[{"kind": "heading", "text": "一、具体事项"},
                    {"kind": "table", "headers": headers, "rows": [row], "numeric_columns": [len(row) - 1]}],
            addressees={"hospitals": [world["A"].hospitals[0].code]})
    notice, text = _published_text(world, notice)
    _title_and_number(notice, text)
    assert all(cell in text for cell in row)
    assert "宣城第一人民医院：" in text  # the addressee line
