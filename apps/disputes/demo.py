"""Demo hook for `seed_demo`: disputes of the region in every state, some overdue.

Idempotent: nothing is created when the region already has a demo dispute (claim prefix 【演示】). Every
dispute goes through the services with the region's own users, so the demo obeys the same rules; only the
"overdue" ones get their submission moved back in time afterwards (as if raised two or five weeks ago),
then the daily sweep flags them.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from apps.core.calendar import add_working_days
from apps.core.errors import DomainError
from apps.tenants.enums import Role
from apps.tenants.models import Membership, Region

from . import selectors, services
from .models import Dispute

log = logging.getLogger(__name__)

PREFIX = "【演示】"
# (final state, subject, claim, overdue)
PLAN = (
    ("draft", "case", "主要诊断选择为并发症，建议按原发病分组。", False),
    ("withdrawn", "other", "结算清单上传时间差异，撤回。", False),
    ("submitted", "case", "手术操作编码漏传导致入组偏低，已补正病案首页。", False),
    ("submitted", "settlement", "月度预结算自付金额统计口径与医院不一致。", True),
    ("accepted", "coefficient", "本院基期病例数据含已撤销病例，成本系数偏高。", True),
    ("under_review", "group", "该病组基期病例数少、变异系数大，基准点数偏低。", False),
    ("not_accepted", "other", "对医保目录调整有异议。", False),
    ("decided", "case", "合并症未被识别，请求调整至伴严重并发症病组。", False),
    ("closed", "other", "质量保证金扣减比例计算有误。", False),
    ("appealed", "other", "专家评审程序存在回避问题，申请复议。", False),
    ("redecided", "other", "对月度结算点值测算方法有异议。", False),
)


def _users(region: Region):
    rows = (Membership.objects.with_scope(region=[region.pk]).filter(region=region)
            .select_related("user", "hospital").order_by("id"))
    head = next((m for m in rows if m.role == Role.HOSPITAL_ADMIN and m.hospital_id), None)
    if head is None:
        return None
    staff = next((m.user for m in rows if m.role == Role.HOSPITAL_STAFF and m.hospital_id == head.hospital_id),
                 head.user)
    bureau = next((m.user for m in rows if m.role == Role.BUREAU_STAFF), None)
    admin = next((m.user for m in rows if m.role == Role.BUREAU_ADMIN), None)
    if bureau is None or admin is None:
        return None
    return {"hospital": head.hospital, "head": head.user, "staff": staff, "bureau": bureau, "admin": admin}


def _subject_ref(region: Region, hospital, subject: str, used: set) -> tuple[str, str]:
    """A reference of the hospital's item for `subject`, or ('other', '') when the region has none."""
    from apps.cases.models import Case
    from apps.settlement.models import HospitalResult

    if subject == "case":
        case = (Case.objects.with_scope(region=[region.pk]).filter(region=region, hospital=hospital)
                .exclude(drg_code="").exclude(settlement_id__in=used).order_by("-discharge_date", "id").first())
        if case is not None:
            used.add(case.settlement_id)
            return "case", case.settlement_id
    if subject == "settlement":
        row = (HospitalResult.objects.with_scope(region=[region.pk]).filter(
            hospital=hospital, run__status="published").order_by("-run__published_at").first())
        if row is not None:
            return "settlement", str(row.run_id)
    if subject == "coefficient":
        return "coefficient", hospital.code
    if subject == "group":
        from apps.groups.models import GroupStat
        from apps.groups.selectors import published_stats

        stats = published_stats(region, timezone.localdate().year)
        row = GroupStat.objects.with_scope(region=[region.pk]).filter(version=stats).order_by("group_code").first() \
            if stats else None
        if row is not None:
            return "group", row.group_code
    return "other", ""


def _evidence() -> list:
    """The front page of the medical record a hospital attaches to a case dispute (a one-page PDF)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return [SimpleUploadedFile("病案首页.pdf", pdf, content_type="application/pdf")]


def _create(region, u, subject: str, claim: str, used: set) -> Dispute:
    subject_type, ref = _subject_ref(region, u["hospital"], subject, used)
    try:
        with transaction.atomic():
            return services.dispute_create(actor=u["staff"], hospital=u["hospital"], subject_type=subject_type,
                                           subject_ref=ref, claim=PREFIX + claim, requested_outcome="请求重新核定",
                                           evidence=_evidence() if subject_type == "case" else ())
    except DomainError:
        return services.dispute_create(actor=u["staff"], hospital=u["hospital"], subject_type="other", subject_ref="",
                                       claim=PREFIX + claim, requested_outcome="请求重新核定")


def _drive(d: Dispute, state: str, u: dict) -> Dispute:
    if state == "draft":
        return d
    if state == "withdrawn":
        return services.dispute_withdraw(actor=u["staff"], dispute=d, reason="材料需补充，暂撤回")
    d = services.dispute_submit(actor=u["head"], dispute=d)
    services.comment_add(actor=u["staff"], dispute=d, text="已上传病案首页及费用明细。")
    if state == "submitted":
        return d
    if state == "not_accepted":
        return services.dispute_not_accept(actor=u["bureau"], dispute=d, reason="不属于DRG付费争议受理范围")
    d = services.dispute_accept(actor=u["bureau"], dispute=d)
    if state == "accepted":
        return d
    experts = [p.user for p in selectors.eligible_experts(d)[:2]]
    if experts:
        services.dispute_assign(actor=u["bureau"], dispute=d, experts=experts)
        if state != "under_review":
            for expert in experts:
                services.dispute_opinion(actor=expert, dispute=d, suggestion="partial", comment="建议部分调整")
    if state == "under_review":
        return d
    d = Dispute.objects.with_scope(region=[d.region_id]).get(pk=d.pk)
    adjustment = None
    outcome = "upheld"
    if d.subject_type == "case":
        outcome, adjustment = "adjusted", {"drg_code": _severer(d)}
        if adjustment["drg_code"] is None:
            outcome, adjustment = "upheld", None
    elif d.subject_type == "other" and state in ("closed", "redecided"):
        outcome, adjustment = "partial", "重新核算相关款项，在下一次结算中补付"
    d = services.dispute_decide(actor=u["admin"], dispute=d, outcome=outcome, reason="经核查病案资料及专家评审意见",
                                adjustment=adjustment)
    if state == "decided":
        return d
    if state == "closed":
        return services.dispute_acknowledge(actor=u["head"], dispute=d)
    d = services.dispute_appeal(actor=u["head"], dispute=d, reason="对处理决定不服，补充新的病程记录申请复议")
    if state == "appealed":
        return d
    return services.dispute_decide(actor=u["admin"], dispute=d, outcome="upheld", reason="复议维持原决定")


def _severer(d: Dispute) -> str | None:
    """The same ADRG with a more severe split (…1 with MCC, …3 with CC) present in the catalogue."""
    from apps.groups.selectors import active_catalogue, group_codes

    code = d.case.drg_code
    catalogue = active_catalogue(d.region, d.case.discharge_date.year)
    if catalogue is None or len(code) != 4:
        return None
    codes = group_codes(catalogue)
    for candidate in (code[:3] + "1", code[:3] + "3", code[:3] + "5", code[:3] + "9"):
        if candidate in codes and candidate != code:
            return candidate
    return None


def _backdate(region: Region, d: Dispute, weeks: int) -> None:
    """Move an open dispute's running deadline back as if it had been raised `weeks` weeks ago."""
    start = timezone.localdate() - dt.timedelta(weeks=weeks)
    policy = selectors.policy_for(region, d.year)
    fields = {"submitted_at": timezone.now() - dt.timedelta(weeks=weeks),
              "accept_due": add_working_days(region, start, policy.dispute_accept_days)}
    if d.accepted_at:
        accepted = start + dt.timedelta(days=2)
        fields["accepted_at"] = timezone.now() - dt.timedelta(weeks=weeks) + dt.timedelta(days=2)
        fields["decision_due"] = add_working_days(region, accepted, policy.dispute_decision_days)
    Dispute.objects.with_scope(region=[region.pk]).filter(pk=d.pk).update(**fields)


def seed_region(region: Region) -> int:
    """Create the demo disputes of a region (once); returns how many were created."""
    with scope(region=[region.pk]):
        if Dispute.objects.filter(region=region, claim__startswith=PREFIX).exists():
            return 0
        u = _users(region)
        if u is None:
            return 0
        used: set = set()
        created = 0
        for state, subject, claim, overdue in PLAN:
            try:
                with transaction.atomic():
                    d = _drive(_create(region, u, subject, claim, used), state, u)
                    if overdue:
                        _backdate(region, d, 3 if state == "submitted" else 6)
            except DomainError as err:  # a rule of this region's data refuses the step: leave that one out
                log.warning("demo dispute %s/%s of %s skipped: %s", state, subject, region.code, err.message)
                continue
            created += 1
        services.mark_overdue(region)
        return created
