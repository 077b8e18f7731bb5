"""A notice as an official red-head document (apps.core.pdf): the body, the stored blocks, the objection clause.

`notice.blocks` is JSON: a list of
  {"kind": "heading", "text": …}
  {"kind": "paragraph", "text": …, "indent": true}
  {"kind": "table", "caption": …, "headers": […], "rows": [[…]], "numeric_columns": [i, …], "total_row": […]}
  {"kind": "settlement_cases", "run": <run id>, "hospital": <hospital id>}   (expanded at render time:
      the per-hospital case statement of a published settlement run, which can run to many pages)
Figures in tables are strings as stored (plain decimals), so the PDF shows exactly the published numbers.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.pdf import Heading, Paragraph, RedHeadDocument, Table, chinese_date, render_pdf
from apps.hospitals.models import Hospital

from .enums import NoticeType


def issuer_of(region) -> str:
    return region.bureau_name or f"{region.name}医疗保障局"


def addressee_line(notice) -> str:
    addressees = notice.addressees or {}
    if addressees.get("hospitals"):
        names = list(notice_hospital_names(notice))
        if len(names) == 1:
            return f"{names[0]}："
        if len(names) <= 3:
            return "、".join(names) + "："
    if addressees.get("levels"):
        levels = "、".join({1: "一级及以下", 2: "二级", 3: "三级"}.get(int(v), str(v)) for v in sorted(addressees["levels"]))
        return f"各{levels}定点医疗机构："
    return "各定点医疗机构："


def notice_hospital_names(notice):
    codes = list((notice.addressees or {}).get("hospitals") or [])
    qs = Hospital.objects.with_scope(region=[notice.region_id]).filter(region_id=notice.region_id, code__in=codes)
    return qs.order_by("code").values_list("name", flat=True)


def publish_date(notice) -> dt.date:
    return timezone.localdate(notice.published_at) if notice.published_at else timezone.localdate()


def objection_clause(notice) -> str:
    if not notice.objection_days:
        return ""
    ends = f"（至{chinese_date(notice.objection_ends)}止）" if notice.objection_ends else ""
    return (f"公示期为{notice.objection_days}个工作日{ends}。各定点医疗机构如有异议，请在公示期内通过医保支付管理平台"
            "提交争议申请并附相关材料；逾期未提出异议的，视为无异议，公示结果即为最终结果。")


def expand_blocks(notice) -> list:
    out: list = []
    for paragraph in [p.strip() for p in (notice.body or "").splitlines()]:
        if paragraph:
            out.append(Paragraph(paragraph))
    for block in notice.blocks or []:
        kind = block.get("kind")
        if kind == "heading":
            out.append(Heading(block.get("text", "")))
        elif kind == "paragraph":
            out.append(Paragraph(block.get("text", ""), indent=block.get("indent", True)))
        elif kind == "table":
            out.append(Table(headers=list(block.get("headers") or []), rows=[list(r) for r in block.get("rows") or []],
                             caption=block.get("caption", ""),
                             numeric_columns=tuple(block.get("numeric_columns") or ()),
                             total_row=list(block["total_row"]) if block.get("total_row") else None))
        elif kind == "settlement_cases":
            from .generate import settlement_case_table

            out.append(settlement_case_table(notice.region_id, int(block["run"]), int(block["hospital"])))
    clause = objection_clause(notice)
    if clause:
        out.append(Paragraph(clause))
    return out


def notice_document(notice) -> RedHeadDocument:
    return RedHeadDocument(
        issuer=issuer_of(notice.region),
        title=notice.title,
        doc_number=notice.doc_number,
        date=publish_date(notice),
        addressee=addressee_line(notice),
        blocks=expand_blocks(notice),
        footer_note=f"{issuer_of(notice.region)}　　{publish_date(notice).year}年{publish_date(notice).month}月"
                    f"{publish_date(notice).day}日印发",
        header_label="文件" if notice.type != NoticeType.DISPUTE_DECISION else "",
    )


def render_notice_pdf(notice) -> bytes:
    return render_pdf(notice_document(notice))
