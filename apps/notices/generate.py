"""Pre-filled notice drafts from published data (workflows.md §4 "generated notices").

Each `prepare_*` checks that the source is published and in the actor's region, and returns the existing
draft for the same source if there is one (idempotent), else a new draft through `notice_create`, with the
tables as `blocks` (figures as plain decimal strings, exactly as stored). Titles and bodies are gettext
callables: the notice stores them in every portal language, the Chinese being the official text of the PDF
(decision 0043); the tables stay the Chinese of the document.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.applications.models import Application
from apps.core.errors import NotFound, ValidationFailed
from apps.core.i18n import Text
from apps.core.pdf import Table, format_cell
from apps.core.vocabulary import localize_terms
from apps.groups.models import GroupStat, StatsVersion
from apps.settlement.models import (
    CaseResult,
    CoefficientVersion,
    FundResult,
    HospitalCoefficient,
    HospitalFundResult,
    HospitalResult,
    SettlementRun,
)
from apps.tenants.access import get_access
from apps.tenants.models import Region

from . import rules
from .enums import LIVE, NoticeStatus, NoticeType
from .models import Notice
from .services import notice_create, notice_delete_draft, notice_publish, notice_withdraw

LEVEL_CN = {1: "一级", 2: "二级", 3: "三级"}
CASE_TYPE_CN = {"incentive": "激励病例", "special": "特病单议", "ungrouped": "未入组", "unstable": "不稳定组",
                "low": "费用极低", "high": "费用极高", "normal": "正常病例"}
RUN_KIND_CN = {"monthly": "月度预结算", "annual": "年度清算", "simulation": "模拟结算"}


def _s(value) -> str:
    return format_cell(value)


def _localized_blocks(blocks, region) -> list:
    out = []
    for block in blocks or []:
        block = dict(block)
        for key in ("caption", "text"):
            if isinstance(block.get(key), str):
                block[key] = localize_terms(block[key], region)
        if isinstance(block.get("headers"), list):
            block["headers"] = [localize_terms(h, region) if isinstance(h, str) else h for h in block["headers"]]
        out.append(block)
    return out


def _in_vocabulary(text: Text, region) -> Text:
    if not callable(text):
        return localize_terms(text, region)
    return lambda: localize_terms(str(text()), region)


def _create(*, region, title: Text, body: Text = "", blocks=None, **kwargs) -> Notice:
    """`notice_create` with the texts in the region's vocabulary: a DIP region's notices speak of 病种, 分值
    and 分值单价 (domain §7) — the generated texts are written once, with DRG words, and translated here (in
    each language the title and body are rendered in)."""
    return notice_create(region=region, title=_in_vocabulary(title, region), body=_in_vocabulary(body, region),
                         blocks=_localized_blocks(blocks, region), **kwargs)


def period_cn(period: str) -> str:
    """2026-11 → 2026年11月; 2026 → 2026年度 (how a written notice names a settlement period)."""
    year, _, month = (period or "").partition("-")
    if month.isdigit():
        return f"{year}年{int(month)}月"
    return f"{year}年度" if year else ""


def period_text(period: str) -> str:
    """A settlement period in the active language: 2026-11 → 2026年11月 / November 2026; 2026 → 2026年度 / 2026."""
    year, _sep, month = (period or "").partition("-")
    if month.isdigit() and year.isdigit():
        return formats.date_format(dt.date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")
    return pgettext("settlement period", "%(year)s") % {"year": year} if year else ""


def run_kind_text(kind: str) -> str:
    """月度预结算 / monthly pre-settlement … in the active language."""
    texts = {"monthly": pgettext("settlement run", "monthly pre-settlement"),
             "annual": pgettext("settlement run", "annual clearing"),
             "simulation": pgettext("settlement run", "simulation")}
    return texts.get(kind, kind)


def statement_title(hospital_name: str, run) -> str:
    """宣城市人民医院2026年11月DRG付费月度预结算通知单 — one 结算 (月度预结算/年度清算 + 通知单); in English
    "宣城市人民医院: DRG payment monthly pre-settlement statement, November 2026" (the active language)."""
    return _("%(hospital)s: DRG payment %(kind)s statement, %(period)s") % {
        "hospital": hospital_name, "kind": run_kind_text(run.kind), "period": period_text(run.period)}


def _q4(value) -> str:
    """Indices are stored at full precision; the published table shows 4 decimals like the coefficient."""
    return "—" if value is None else format(Decimal(value).quantize(Decimal("0.0001")), "f")


def _region_of(actor, obj):
    if actor is not None and not rules.reads_region(actor, obj.region_id):
        raise NotFound()
    return obj.region


def _existing(region_id: int, source_kind: str, source_id: int, hospital_code: str | None = None):
    qs = Notice.objects.with_scope(region=[region_id]).filter(region_id=region_id, source_kind=source_kind,
                                                              source_id=source_id, status=NoticeStatus.DRAFT)
    if hospital_code is not None:
        qs = qs.filter(addressees__hospitals=[hospital_code])
    return qs.order_by("-id").first()


def _published(model, region_ids, pk):
    obj = model.objects.with_scope(region=region_ids).filter(pk=pk).select_related("region").first()
    if obj is None:
        raise NotFound()
    if obj.status != "published":
        raise ValidationFailed("Only published data can be announced.", code="not_published")
    return obj


# --- coefficients ----------------------------------------------------------------------------------


def coefficient_table(version) -> dict:
    rows = []
    qs = (HospitalCoefficient.objects.with_scope(region=[version.region_id]).filter(version=version)
          .select_related("hospital").order_by("hospital__level", "hospital__code"))
    for r in qs:
        rows.append([r.hospital.code, r.hospital.name, LEVEL_CN.get(r.level, str(r.level)), _q4(r.cost_index),
                     _q4(r.level_index), _s(r.coefficient), "是" if r.is_new else ""])
    return {"kind": "table", "caption": f"附表：{version.year}年度定点医疗机构系数", "numeric_columns": [3, 4, 5],
            "headers": ["机构编码", "医疗机构名称", "级别", "成本系数", "级别系数", "医院系数", "新机构"], "rows": rows}


@transaction.atomic
def prepare_coefficient_notice(*, actor, version_id: int, region_ids=None) -> Notice:
    version = _published(CoefficientVersion, region_ids or _actor_regions(actor), version_id)
    region = _region_of(actor, version)
    found = _existing(region.pk, "coefficient_version", version.pk)
    if found:
        return found
    values = {"year": version.year, "w_level": _s(version.w_level), "w_cost": _s(version.w_cost)}
    return _create(actor=actor, region=region, type=NoticeType.COEFFICIENT,
                         title=lambda: _("Publication of the %(year)s DRG payment coefficients of the designated "
                                         "hospitals") % values,
                         body=lambda: _("Under the DRG payment rules, the bureau has computed each designated "
                                        "hospital's coefficient for %(year)s (level index weight %(w_level)s, cost "
                                        "index weight %(w_cost)s); it is hereby published for objections.") % values,
                         blocks=[coefficient_table(version)], addressees={"all": True},
                         source_kind="coefficient_version", source_id=version.pk, year=version.year)


# --- group points and point value ------------------------------------------------------------------


def group_points_table(stats) -> dict:
    rows = [[g.group_code, g.group_name, g.n, _s(g.mean_cost), "是" if g.stable else "否", _s(g.base_points)]
            for g in GroupStat.objects.with_scope(region=[stats.region_id]).filter(version=stats).order_by("group_code")]
    return {"kind": "table", "caption": f"附表：{stats.year}年度DRG病组基准点数", "numeric_columns": [2, 3, 5],
            "headers": ["病组编码", "病组名称", "病例数", "次均费用（元）", "稳定组", "基准点数"], "rows": rows}


def latest_published_run(region_id: int, year: int):
    return (SettlementRun.objects.with_scope(region=[region_id])
            .filter(region_id=region_id, year=year, status="published").exclude(kind="simulation")
            .order_by("-published_at", "-id").first())


FUND_CN = {"310": "职工医保", "390": "居民医保"}


def _fund_results(run):
    """The run's per-fund rows when it pays two funds separately (domain §10), else []."""
    if not getattr(run, "point_values", None):
        return []
    return list(FundResult.objects.with_scope(region=[run.region_id]).filter(run=run).order_by("insurance_type"))


def point_value_block(run) -> dict:
    funds = _fund_results(run)
    if funds:  # two funds: one point value per fund, each with its own budget (annual budget of the fund)
        return {"kind": "table", "caption": f"{run.period}{RUN_KIND_CN.get(run.kind, run.kind)}分险种点值",
                "headers": ["结算期", "险种", "病例数", "总点数", "年度基金预算（元）", "点值（元/点）"],
                "numeric_columns": [2, 3, 4, 5],
                "rows": [[run.period, f"{f.insurance_type} {FUND_CN.get(f.insurance_type, '')}", f.cases,
                          _s(f.adjusted_points), _s(f.fund_budget), _s(f.point_value) if f.point_value is not None
                          else "—"] for f in funds]}
    return {"kind": "table", "caption": f"{run.period}{RUN_KIND_CN.get(run.kind, run.kind)}点值",
            "headers": ["结算期", "病例数", "总点数", "基金预算（元）", "点值（元/点）"], "numeric_columns": [1, 2, 3, 4],
            "rows": [[run.period, run.cases, _s(run.total_adjusted_points), _s(run.fund_budget), _s(run.point_value)]]}


@transaction.atomic
def prepare_points_notice(*, actor, stats_id: int, region_ids=None) -> Notice:
    stats = _published(StatsVersion, region_ids or _actor_regions(actor), stats_id)
    region = _region_of(actor, stats)
    found = _existing(region.pk, "stats_version", stats.pk)
    if found:
        return found
    run = latest_published_run(region.pk, stats.year)
    blocks = [{"kind": "paragraph", "text": f"基准期为{stats.base_start}—{stats.base_end}年，病组基准点数见附表。"}]
    if run is not None:
        blocks.append(point_value_block(run))
    blocks.append(group_points_table(stats))
    values = {"year": stats.year}
    return _create(actor=actor, region=region, type=NoticeType.POINTS,
                         title=lambda: _("Notice of the %(year)s DRG group base points and point value") % values,
                         body=lambda: _("The %(year)s DRG payment group base points and point value are hereby "
                                        "published; every designated hospital is to apply them.") % values,
                         blocks=blocks, addressees={"all": True}, source_kind="stats_version", source_id=stats.pk,
                         year=stats.year)


@transaction.atomic
def prepare_point_value_notice(*, actor, run_id: int, region_ids=None) -> Notice:
    """The point value of a published run alone (when the statistics were announced earlier)."""
    run = _published(SettlementRun, region_ids or _actor_regions(actor), run_id)
    stats = StatsVersion.objects.with_scope(region=[run.region_id]).filter(
        region_id=run.region_id, year=run.year, status="published").first()
    if stats is not None:
        return prepare_points_notice(actor=actor, stats_id=stats.pk, region_ids=[run.region_id])
    region = _region_of(actor, run)
    values = {"period": run.period}
    return _create(actor=actor, region=region, type=NoticeType.POINTS,
                         title=lambda: _("Notice of the DRG payment point value of %(period)s") % values,
                         blocks=[point_value_block(run)],
                         body=lambda: _("The DRG payment point value of %(period)s is hereby published.") % values,
                         addressees={"all": True},
                         source_kind="settlement_run_points", source_id=run.pk, year=run.year)


# --- settlement statements -------------------------------------------------------------------------


def settlement_summary_block(run, result) -> dict:
    rows = [[run.period, result.cases, _s(result.points), _s(result.adjusted_points), _s(result.point_value),
             _s(result.due), _s(result.advance), _s(result.balance)]]
    if getattr(run, "point_values", None):  # two funds: a line per fund, then the hospital's total

        funds = HospitalFundResult.objects.with_scope(region=[run.region_id]).filter(
            run=run, hospital_id=result.hospital_id).order_by("insurance_type")
        rows = [[f"{run.period} {f.insurance_type}{FUND_CN.get(f.insurance_type, '')}", f.cases, _s(f.points),
                 _s(f.adjusted_points), _s(f.point_value) if f.point_value is not None else "—", _s(f.due),
                 _s(f.advance), _s(f.balance)] for f in funds]
        rows.append(["合计", result.cases, _s(result.points), _s(result.adjusted_points), "—", _s(result.due),
                     _s(result.advance), _s(result.balance)])
    return {"kind": "table", "caption": "结算汇总", "numeric_columns": [1, 2, 3, 4, 5, 6, 7],
            "headers": ["结算期", "病例数", "总点数", "调整后点数", "点值（元/点）", "应拨付（元）", "已预付（元）", "清算差额（元）"],
            "rows": rows}


def settlement_lines_paragraphs(result) -> list[dict]:
    """Suspended advance (upload deadline) and surplus retention / overspend sharing lines (domain §10)."""
    out = []
    if getattr(result, "suspended", False):
        out.append({"kind": "paragraph", "text": f"暂停预付：{result.suspension_reason}"})
    if getattr(result, "retained", None) is not None:
        out.append({"kind": "paragraph", "text": f"结余留用：应拨付{_s(result.due_before)}元高于按项目付费统筹基金"
                                                 f"{_s(result.fund_paid)}元，留用{_s(result.retained)}元，"
                                                 f"清算应拨付{_s(result.due)}元。"})
    if getattr(result, "shared", None) is not None:
        out.append({"kind": "paragraph", "text": f"超支分担：应拨付{_s(result.due_before)}元低于按项目付费统筹基金"
                                                 f"{_s(result.fund_paid)}元，基金分担{_s(result.shared)}元，"
                                                 f"清算应拨付{_s(result.due)}元。"})
    return out


def settlement_case_table(region_id: int, run_id: int, hospital_id: int) -> Table:
    """The per-hospital case statement (many pages for a big hospital): one row per case of the run."""
    qs = (CaseResult.objects.with_scope(region=[region_id])
          .filter(run_id=run_id, hospital_id=hospital_id).with_inputs().order_by("settlement_id")
          .values_list("settlement_id", "drg_code", "case_type", "total_cost", "base_points", "coefficient",
                       "adjusted_points", "insurance_type"))

    two_funds = bool(SettlementRun.objects.with_scope(region=[region_id]).filter(pk=run_id)
                     .values_list("point_values", flat=True).first())
    # with two funds (domain §10) the fund of each case follows its settlement id
    rows = [[sid, *([f"{fund}{FUND_CN.get(fund, '')}"] if two_funds else []), drg or "—", CASE_TYPE_CN.get(kind, kind),
             _s(cost), _s(base), _s(coef), _s(points)]
            for sid, drg, kind, cost, base, coef, points, fund in qs.iterator(chunk_size=5000)]
    totals = CaseResult.objects.with_scope(region=[region_id]).filter(run_id=run_id, hospital_id=hospital_id).aggregate(
        cost=Sum("total_cost"), points=Sum("adjusted_points"))
    headers = [localize_terms(h, region_id) for h in ["结算ID", "DRG组", "病例类型", "总费用（元）", "基准点数", "系数", "点数"]]
    total_row = ["合计", f"{len(rows)}例", "", _s(totals["cost"] or Decimal(0)), "", "", _s(totals["points"] or Decimal(0))]
    if two_funds:
        headers.insert(1, "险种")
        total_row.insert(1, "")
        return Table(caption="附件：病例结算明细", headers=headers, rows=rows, numeric_columns=(4, 5, 6, 7),
                     total_row=total_row)
    return Table(caption="附件：病例结算明细", headers=headers,
                 rows=rows, numeric_columns=(3, 4, 5, 6), total_row=total_row)


def _period_statements(region_id: int, run, hospital_code: str | None = None):
    """Statements of every run of the same (region, kind, period) — all versions — for one hospital or all."""
    run_ids = SettlementRun.objects.with_scope(region=[region_id]).filter(
        region_id=region_id, kind=run.kind, period=run.period).values("pk")
    qs = Notice.objects.with_scope(region=[region_id]).filter(region_id=region_id, source_kind="settlement_run",
                                                              source_id__in=run_ids)
    if hospital_code is not None:
        qs = qs.filter(addressees__hospitals=[hospital_code])
    return qs


@transaction.atomic
def prepare_settlement_notices(*, actor, run_id: int, region_ids=None, with_cases: bool = True) -> list[Notice]:
    """One 结算通知单 per hospital of a published run. Pressing the button again gives the same drafts; a draft
    left from an earlier version of the period is deleted and replaced (never two drafts for one hospital);
    a statement that an earlier version withdrew is named in the new one."""
    run = _published(SettlementRun, region_ids or _actor_regions(actor), run_id)
    region = _region_of(actor, run)
    out = []
    for result in (HospitalResult.objects.with_scope(region=[region.pk]).filter(run=run)
                   .select_related("hospital").order_by("hospital__code")):
        hospital = result.hospital
        found = _existing(region.pk, "settlement_run", run.pk, hospital.code) or _period_statements(
            region.pk, run, hospital.code).filter(source_id=run.pk, status__in=LIVE).order_by("-id").first()
        if found:
            out.append(found)
            continue
        earlier = _period_statements(region.pk, run, hospital.code).exclude(source_id=run.pk)
        stale = list(earlier.filter(status=NoticeStatus.DRAFT))
        for draft in stale:
            notice_delete_draft(actor=None, notice=draft)
        replaced = earlier.exclude(status=NoticeStatus.DRAFT).exclude(doc_number="").order_by("-published_at").first()
        blocks = [settlement_summary_block(run, result), *settlement_lines_paragraphs(result)]
        if with_cases:
            blocks.append({"kind": "settlement_cases", "run": run.pk, "hospital": hospital.pk})
        number = replaced.doc_number if replaced is not None else None
        out.append(_create(actor=actor, region=region, type=NoticeType.SETTLEMENT,
                           title=lambda name=hospital.name: statement_title(name, run),
                           body=lambda number=number: _statement_body(run, number),
                           blocks=blocks,
                           addressees={"hospitals": [hospital.code]}, source_kind="settlement_run",
                           source_id=run.pk, year=run.year))
    if not out:
        raise ValidationFailed("The run has no hospital results.", code="validation_error")
    return out


def _statement_body(run, replaced_number: str | None) -> str:
    """The statement's opening paragraph in the active language; it names the statement it replaces."""
    body = _("Following the %(kind)s of %(period)s (version %(version)s), your DRG payment settlement for the "
             "period is as follows. If you disagree with the result, raise a dispute on the portal within the set "
             "period.") % {"kind": run_kind_text(run.kind), "period": period_text(run.period), "version": run.version}
    if replaced_number:
        body += _(" This statement replaces statement %(number)s (withdrawn).") % {"number": replaced_number}
    return body


@transaction.atomic
def publish_settlement_notices(*, actor, run_id: int, region_ids=None) -> list[Notice]:
    """Prepare (if needed) and publish every statement of a run in one action: one per hospital, one document
    number each, each hospital notified once."""
    drafts = [n for n in prepare_settlement_notices(actor=actor, run_id=run_id, region_ids=region_ids)
              if n.status == NoticeStatus.DRAFT]
    return [notice_publish(actor=actor, notice=n) for n in drafts]


def withdraw_superseded_statements(actor, previous, replacement) -> int:
    """Settlement hook: when `replacement` supersedes the published run `previous`, that run's live statements
    are withdrawn with a reason naming the version that replaces them, and its drafts are deleted (a draft of
    superseded figures must never be published)."""
    qs = Notice.objects.with_scope(region=[previous.region_id]).filter(
        region_id=previous.region_id, source_kind="settlement_run", source_id=previous.pk)
    for draft in qs.filter(status=NoticeStatus.DRAFT):
        notice_delete_draft(actor=None, notice=draft)
    reason = (f"{period_cn(previous.period)}{RUN_KIND_CN.get(previous.kind, previous.kind)}已重新计算并发布"
              f"（第{replacement.version}版替代第{previous.version}版），本通知单作废，以第{replacement.version}版"
              "结算通知单为准。")
    n = 0
    for notice in qs.filter(status__in=LIVE).order_by("id"):
        notice_withdraw(actor=None, notice=notice, reason=reason)
        n += 1
    return n


# --- application results ---------------------------------------------------------------------------


def application_results_table(region_id: int, year: int) -> tuple[dict, list[str]]:
    qs = (Application.objects.with_scope(region=[region_id])
          .filter(region_id=region_id, year=year, status="approved").select_related("hospital", "case")
          .order_by("hospital__code", "decided_at", "id"))
    rows, codes = [], []
    for a in qs:
        rows.append([a.hospital.name, a.case.settlement_id, a.get_type_display(),
                     {"approve": "同意", "partial": "部分同意"}.get(a.outcome, a.outcome), _s(a.unreasonable_cost),
                     a.decided_at.date().isoformat() if a.decided_at else ""])
        codes.append(a.hospital.code)
    table = {"kind": "table", "caption": f"附表：{year}年度病例申请评审通过名单", "numeric_columns": [4],
             "headers": ["医疗机构", "结算ID", "申请类型", "评审结论", "不合理费用（元）", "决定日期"], "rows": rows}
    return table, sorted(set(codes))


@transaction.atomic
def prepare_review_result_notice(*, actor, region, year: int) -> Notice:
    if actor is not None and not rules.reads_region(actor, region.pk):
        raise NotFound()
    found = _existing(region.pk, "applications", year)
    if found:
        return found
    table, codes = application_results_table(region.pk, year)
    if not table["rows"]:
        raise ValidationFailed("No approved applications in that year.", code="validation_error")
    values = {"year": year}
    return _create(actor=actor, region=region, type=NoticeType.REVIEW_RESULT,
                         title=lambda: _("Results of the %(year)s DRG payment review of special and incentive "
                                         "cases") % values,
                         body=lambda: _("After expert review and the bureau's decision, the results of the %(year)s "
                                        "case applications are hereby announced.") % values,
                         blocks=[table], addressees={"all": True},
                         source_kind="applications", source_id=year, year=year)


def _actor_regions(actor) -> list[int]:
    if actor is None:
        return list(Region.objects.values_list("pk", flat=True))
    return get_access(actor).region_ids
