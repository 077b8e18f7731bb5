"""The decision letter (争议处理决定书): a red-head document rendered once per decision by apps.core.pdf,
stored under PRIVATE_MEDIA_ROOT/disputes/letters with its SHA-256; a re-decision after an appeal gets a new
letter (and a new number), the first one stays on record in the audit trail."""
from __future__ import annotations

from django.utils import timezone

from apps.core.pdf import Heading, Paragraph, RedHeadDocument, chinese_date, render_pdf, store_pdf

from .enums import SubjectType


def issuer_of(region) -> str:
    return region.bureau_name or f"{region.name}医疗保障局"


SUBJECT_ZH = {
    SubjectType.CASE: "病例分组", SubjectType.SETTLEMENT: "结算结果", SubjectType.COEFFICIENT: "医疗机构系数",
    SubjectType.APPLICATION: "病例申请评审决定", SubjectType.GROUP: "病组基准点数", SubjectType.OTHER: "其他事项",
}
OUTCOME_ZH = {"upheld": "维持原结果", "adjusted": "予以调整", "partial": "部分调整"}


def _subject_text(dispute) -> str:
    if dispute.subject_type == SubjectType.CASE and dispute.case_id:
        return f"结算清单号 {dispute.case.settlement_id} 的病例分组（原分组 {(dispute.adjustment or {}).get('previous') or dispute.case.drg_code}）"
    if dispute.subject_type == SubjectType.SETTLEMENT and dispute.run_id:
        return f"{dispute.run.period} 结算（第 {dispute.run.version} 版）中本院的结算结果"
    if dispute.subject_type == SubjectType.COEFFICIENT:
        return f"{dispute.year} 年度本院医疗机构系数"
    if dispute.subject_type == SubjectType.APPLICATION and dispute.application_id:
        return f"第 {dispute.application_id} 号病例申请的评审决定"
    if dispute.subject_type == SubjectType.GROUP:
        return f"{dispute.year} 年度病组 {dispute.group_code} 的基准点数"
    return dispute.subject_ref or "其他事项"


def _adjustment_text(dispute) -> str:
    adj = dispute.adjustment or {}
    if not adj:
        return "维持原结果，不作调整。"
    if "drg_code" in adj:
        return f"该病例分组由 {adj.get('previous') or '—'} 调整为 {adj['drg_code']}，自本决定作出后的结算起执行。"
    if "coefficient" in adj:
        return (f"本院 {dispute.year} 年度医疗机构系数由 {adj.get('previous') or '—'} 调整为 {adj['coefficient']}"
                f"（系数第 {adj.get('version')} 版），自本决定作出后的结算起执行。")
    if "outcome" in adj:
        names = {"approve": "同意", "partial": "部分同意", "reject": "不同意"}
        cost = f"，不合理费用 {adj['unreasonable_cost']} 元" if adj.get("unreasonable_cost") else ""
        return f"该病例申请的评审结论调整为“{names.get(adj['outcome'], adj['outcome'])}”{cost}，自本决定作出后的结算起执行。"
    return str(adj.get("text", ""))


def letter_document(dispute) -> RedHeadDocument:
    day = timezone.localdate(dispute.decided_at) if dispute.decided_at else timezone.localdate()
    submitted = timezone.localdate(dispute.submitted_at) if dispute.submitted_at else None
    appeal = "本决定为复议后的最终决定。" if dispute.decision_round >= 2 else (
        f"如对本决定有异议，可于{chinese_date(dispute.appeal_due)}前（{_appeal_days(dispute)}个工作日内）"
        "通过医保支付管理平台申请复议一次。") if dispute.appeal_due else ""
    blocks = [
        Paragraph(f"你单位于{chinese_date(submitted) if submitted else ''}提交的关于{_subject_text(dispute)}的争议申请"
                  f"{'及复议申请' if dispute.decision_round >= 2 else ''}（争议编号 {dispute.pk}）收悉。经审核，现决定如下："),
        Heading("一、争议请求"),
        Paragraph(dispute.claim),
    ]
    if dispute.requested_outcome:
        blocks.append(Paragraph(f"请求事项：{dispute.requested_outcome}"))
    if dispute.decision_round >= 2 and dispute.appeal_reason:
        blocks += [Heading("二、复议理由"), Paragraph(dispute.appeal_reason)]
    n = "三" if dispute.decision_round >= 2 else "二"
    blocks += [Heading(f"{n}、处理决定"),
               Paragraph(f"{OUTCOME_ZH.get(dispute.outcome, dispute.outcome)}。理由：{dispute.decision_reason}"
                         f"{'' if dispute.decision_reason.endswith(('。', '.')) else '。'}"
                         f"{'' if not dispute.adjustment else _adjustment_text(dispute)}")]
    if appeal:
        blocks.append(Paragraph(appeal))
    return RedHeadDocument(
        issuer=issuer_of(dispute.region), title="争议处理决定书", doc_number=dispute.letter_number, date=day,
        addressee=f"{dispute.hospital.name}：", blocks=blocks, header_label="",
        footer_note=f"{issuer_of(dispute.region)}　　{day.year}年{day.month}月{day.day}日印发")


def _appeal_days(dispute) -> int:
    from .selectors import policy_for

    return policy_for(dispute.region, dispute.year).dispute_appeal_days


def generate_letter(dispute) -> tuple[str, str]:
    """Render and store the letter; (relative path, sha256)."""
    return store_pdf(render_pdf(letter_document(dispute)), "disputes/letters")
