"""Demo hook for `seed_demo`: a few published notices of each type in the region, some acknowledged.

Idempotent: a type is seeded only when the region has no notice of that type yet. Generated notices come
from the region's published data (coefficients, statistics and point value, the latest published monthly
run, approved applications) through the same `prepare_*` functions as the "prepare notice" buttons; the
other types (dispute decision, ranking, training, general) are written here. Everything is published
through `notice_publish`, so every demo notice has its stored PDF and SHA-256.
"""
from __future__ import annotations

import os

from django.utils import timezone
from django_scopes import scopes_disabled

from apps.core.demo_data import DEMO_PAYMENT_YEAR
from apps.core.errors import DomainError
from apps.core.scoping import scoped
from apps.hospitals.models import Hospital
from apps.tenants.enums import Role
from apps.tenants.models import Membership, Region, User

from . import generate, services
from .enums import NoticeType
from .models import Notice

SETTLEMENT_HOSPITALS = 3  # statements published for the first hospitals; the others stay drafts



def _has(region: Region, kind: str) -> bool:
    return scoped(Notice, region.pk).filter(region=region, type=kind).exists()


def _hospitals(region: Region) -> list[Hospital]:
    return list(scoped(Hospital, region.pk).filter(region=region, active=True).order_by("code"))


def _static_notices(region: Region, year: int) -> list[dict]:
    hospitals = _hospitals(region)
    first = hospitals[0] if hospitals else None
    city = region.name
    ranking_rows = [[str(i + 1), h.name, f"{95 - i * 3.17:.2f}", f"{1.32 - i * 0.07:.4f}"] for i, h in
                    enumerate(hospitals[:6])]
    items = [
        {"type": NoticeType.TRAINING, "title": f"关于举办{year}年DRG付费医保结算清单质量培训班的通知",
         "body": "为提高医保结算清单填报质量，我局定于下月举办专题培训班，请各定点医疗机构组织医保办、病案室及编码人员参加。",
         "blocks": [{"kind": "heading", "text": "一、培训安排"},
                    {"kind": "table", "headers": ["日期", "地点", "内容", "学时", "名额"], "numeric_columns": [3, 4],
                     "rows": [[f"{year}-04-18", f"{city}医保局三楼会议室", "结算清单填报与编码规范", "4", "60"],
                              [f"{year}-04-25", "线上", "DRG分组规则与常见问题", "2", "200"]]},
                    {"kind": "paragraph", "text": "请于培训前在平台“培训”栏目完成报名。"}]},
        {"type": NoticeType.GENERAL, "title": f"关于做好{year}年度DRG付费结算清单上传工作的通知",
         "body": "请各定点医疗机构于每月10日前完成上月出院病例结算清单上传，逾期未上传的病例不纳入当月预结算。",
         "blocks": [{"kind": "table", "headers": ["事项", "截止日期", "责任部门"],
                     "rows": [["结算清单上传", "每月10日", "医保办"], ["数据质控反馈", "每月15日", "病案室"]]}]},
        {"type": NoticeType.RANKING, "title": f"关于{year}年第一季度DRG付费医疗机构运行情况的通报",
         "body": "根据DRG付费运行监测结果，现将第一季度各定点医疗机构综合评价排名通报如下。",
         "blocks": [{"kind": "table", "headers": ["排名", "医疗机构", "综合得分", "CMI"], "numeric_columns": [2, 3],
                     "rows": ranking_rows}] if ranking_rows else []},
    ]
    if first is not None:
        items.append({
            "type": NoticeType.DISPUTE_DECISION, "title": "DRG付费争议处理决定书",
            "body": f"{first.name}就病例分组提出的争议申请，经专家复核和我局审定，决定如下。",
            "blocks": [{"kind": "table", "headers": ["争议事项", "处理结果", "调整内容"],
                        "rows": [["病例分组争议", "部分支持", "调整为ES31组，按调整后点数结算"]]},
                       {"kind": "paragraph", "text": "如对本决定不服，可在收到本决定书之日起10个工作日内申请复核。"}],
            "addressees": {"hospitals": [first.code]}})
    return items


def _acknowledge_some(region: Region, notices: list[Notice]) -> int:
    """Hospital administrators of every second addressed hospital acknowledge."""
    admins = {m.hospital_id: m.user for m in scoped(Membership, region.pk).filter(
        region=region, role=Role.HOSPITAL_ADMIN).select_related("user")}
    count = 0
    for notice in notices:
        hospital_ids = list(notice.recipients.values_list("hospital_id", flat=True).order_by("hospital_id"))
        for hospital_id in hospital_ids[::2]:
            user = admins.get(hospital_id)
            if user is None:
                continue
            try:
                services.notice_acknowledge(actor=User.objects.get(pk=user.pk), notice=notice)
                count += 1
            except DomainError:
                pass
    return count


def seed_region(region: Region, year: int | None = None) -> dict:
    year = year or DEMO_PAYMENT_YEAR
    summary: dict = {"region": region.code, "published": 0, "acknowledged": 0, "errors": []}
    published: list[Notice] = []

    # `make run` sets SEED_DEMO_DEFER_PDFS=1: the PDFs are rendered by the worker it starts right after the
    # seed, so the portal is up within two minutes; tests and scripts keep rendering inline.
    sync = os.environ.get("SEED_DEMO_DEFER_PDFS") != "1"

    def publish(notice: Notice) -> None:
        published.append(services.notice_publish(actor=None, notice=notice, sync=sync))

    with scopes_disabled():
        try:
            from apps.groups.models import StatsVersion
            from apps.settlement.models import CoefficientVersion, SettlementRun

            if not _has(region, NoticeType.COEFFICIENT):
                version = CoefficientVersion.objects.filter(region=region, year=year, status="published").first()
                if version is not None:
                    publish(generate.prepare_coefficient_notice(actor=None, version_id=version.pk,
                                                                region_ids=[region.pk]))
            if not _has(region, NoticeType.POINTS):
                stats = StatsVersion.objects.filter(region=region, year=year, status="published").first()
                if stats is not None:
                    publish(generate.prepare_points_notice(actor=None, stats_id=stats.pk, region_ids=[region.pk]))
            if not _has(region, NoticeType.SETTLEMENT):
                run = (SettlementRun.objects.filter(region=region, status="published", kind="monthly")
                       .order_by("-period", "-id").first())
                if run is not None:
                    drafts = generate.prepare_settlement_notices(actor=None, run_id=run.pk, region_ids=[region.pk])
                    for notice in drafts[:SETTLEMENT_HOSPITALS]:
                        publish(notice)
            if not _has(region, NoticeType.REVIEW_RESULT):
                try:
                    publish(generate.prepare_review_result_notice(actor=None, region=region,
                                                                  year=timezone.localdate().year))
                except DomainError:
                    pass  # no approved application yet
            for spec in _static_notices(region, year):
                if _has(region, spec["type"]):
                    continue
                publish(services.notice_create(actor=None, region=region, year=year, **spec))
            summary["acknowledged"] = _acknowledge_some(region, published)
        except DomainError as err:
            summary["errors"].append(err.message)
    summary["published"] = len(published)
    return summary
