"""Pre-filled notice drafts from published data (workflows.md §4 "generated notices").

Each `prepare_*` checks that the source is published and in the actor's region, and returns the existing
draft for the same source if there is one (idempotent), else a new draft through `notice_create`, with the
tables as `blocks` (figures as plain decimal strings, exactly as stored).
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from apps.core.errors import NotFound, ValidationFailed
from apps.core.pdf import Table, format_cell

from . import rules
from .enums import NoticeStatus, NoticeType
from .models import Notice
from .services import notice_create

LEVEL_CN = {1: "一级", 2: "二级", 3: "三级"}
CASE_TYPE_CN = {"incentive": "激励病例", "special": "特病单议", "ungrouped": "未入组", "unstable": "不稳定组",
                "low": "费用极低", "high": "费用极高", "normal": "正常病例"}
RUN_KIND_CN = {"monthly": "月度预结算", "annual": "年度清算", "simulation": "模拟结算"}


def _s(value) -> str:
    return format_cell(value)


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
    from apps.settlement.models import HospitalCoefficient

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
    from apps.settlement.models import CoefficientVersion

    version = _published(CoefficientVersion, region_ids or _actor_regions(actor), version_id)
    region = _region_of(actor, version)
    found = _existing(region.pk, "coefficient_version", version.pk)
    if found:
        return found
    body = (f"根据DRG付费管理有关规定，我局测算了{version.year}年度各定点医疗机构的医院系数"
            f"（级别系数权重{_s(version.w_level)}、成本系数权重{_s(version.w_cost)}），现予以公示。")
    return notice_create(actor=actor, region=region, type=NoticeType.COEFFICIENT,
                         title=f"关于{version.year}年度DRG付费定点医疗机构系数的公示", body=body,
                         blocks=[coefficient_table(version)], addressees={"all": True},
                         source_kind="coefficient_version", source_id=version.pk, year=version.year)


# --- group points and point value ------------------------------------------------------------------


def group_points_table(stats) -> dict:
    from apps.groups.models import GroupStat

    rows = [[g.group_code, g.group_name, g.n, _s(g.mean_cost), "是" if g.stable else "否", _s(g.base_points)]
            for g in GroupStat.objects.with_scope(region=[stats.region_id]).filter(version=stats).order_by("group_code")]
    return {"kind": "table", "caption": f"附表：{stats.year}年度DRG病组基准点数", "numeric_columns": [2, 3, 5],
            "headers": ["病组编码", "病组名称", "病例数", "次均费用（元）", "稳定组", "基准点数"], "rows": rows}


def latest_published_run(region_id: int, year: int):
    from apps.settlement.models import SettlementRun

    return (SettlementRun.objects.with_scope(region=[region_id])
            .filter(region_id=region_id, year=year, status="published").exclude(kind="simulation")
            .order_by("-published_at", "-id").first())


def point_value_block(run) -> dict:
    return {"kind": "table", "caption": f"{run.period}{RUN_KIND_CN.get(run.kind, run.kind)}点值",
            "headers": ["结算期", "病例数", "总点数", "基金预算（元）", "点值（元/点）"], "numeric_columns": [1, 2, 3, 4],
            "rows": [[run.period, run.cases, _s(run.total_adjusted_points), _s(run.fund_budget), _s(run.point_value)]]}


@transaction.atomic
def prepare_points_notice(*, actor, stats_id: int, region_ids=None) -> Notice:
    from apps.groups.models import StatsVersion

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
    return notice_create(actor=actor, region=region, type=NoticeType.POINTS,
                         title=f"关于公布{stats.year}年度DRG病组基准点数及点值的通知",
                         body=f"现将{stats.year}年度DRG付费病组基准点数及点值予以公布，请各定点医疗机构遵照执行。",
                         blocks=blocks, addressees={"all": True}, source_kind="stats_version", source_id=stats.pk,
                         year=stats.year)


@transaction.atomic
def prepare_point_value_notice(*, actor, run_id: int, region_ids=None) -> Notice:
    """The point value of a published run alone (when the statistics were announced earlier)."""
    from apps.groups.models import StatsVersion
    from apps.settlement.models import SettlementRun

    run = _published(SettlementRun, region_ids or _actor_regions(actor), run_id)
    stats = StatsVersion.objects.with_scope(region=[run.region_id]).filter(
        region_id=run.region_id, year=run.year, status="published").first()
    if stats is not None:
        return prepare_points_notice(actor=actor, stats_id=stats.pk, region_ids=[run.region_id])
    region = _region_of(actor, run)
    return notice_create(actor=actor, region=region, type=NoticeType.POINTS,
                         title=f"关于公布{run.period}DRG付费点值的通知", blocks=[point_value_block(run)],
                         body=f"现将{run.period}DRG付费点值予以公布。", addressees={"all": True},
                         source_kind="settlement_run_points", source_id=run.pk, year=run.year)


# --- settlement statements -------------------------------------------------------------------------


def settlement_summary_block(run, result) -> dict:
    return {"kind": "table", "caption": "结算汇总", "numeric_columns": [1, 2, 3, 4, 5, 6, 7],
            "headers": ["结算期", "病例数", "总点数", "调整后点数", "点值（元/点）", "应拨付（元）", "已预付（元）", "清算差额（元）"],
            "rows": [[run.period, result.cases, _s(result.points), _s(result.adjusted_points), _s(result.point_value),
                      _s(result.due), _s(result.advance), _s(result.balance)]]}


def settlement_case_table(region_id: int, run_id: int, hospital_id: int) -> Table:
    """The per-hospital case statement (many pages for a big hospital): one row per case of the run."""
    from apps.settlement.models import CaseResult

    qs = (CaseResult.objects.with_scope(region=[region_id])
          .filter(run_id=run_id, hospital_id=hospital_id).order_by("settlement_id")
          .values_list("settlement_id", "drg_code", "case_type", "total_cost", "base_points", "coefficient",
                       "adjusted_points"))
    rows = [[sid, drg or "—", CASE_TYPE_CN.get(kind, kind), _s(cost), _s(base), _s(coef), _s(points)]
            for sid, drg, kind, cost, base, coef, points in qs.iterator(chunk_size=5000)]
    totals = CaseResult.objects.with_scope(region=[region_id]).filter(run_id=run_id, hospital_id=hospital_id).aggregate(
        cost=Sum("total_cost"), points=Sum("adjusted_points"))
    return Table(caption="附件：病例结算明细", headers=["结算ID", "DRG组", "病例类型", "总费用（元）", "基准点数", "系数", "点数"],
                 rows=rows, numeric_columns=(3, 4, 5, 6),
                 total_row=["合计", f"{len(rows)}例", "", _s(totals["cost"] or Decimal(0)), "", "",
                            _s(totals["points"] or Decimal(0))])


@transaction.atomic
def prepare_settlement_notices(*, actor, run_id: int, region_ids=None, with_cases: bool = True) -> list[Notice]:
    """One 结算通知单 per hospital of a published run (existing drafts are kept)."""
    from apps.settlement.models import HospitalResult, SettlementRun

    run = _published(SettlementRun, region_ids or _actor_regions(actor), run_id)
    region = _region_of(actor, run)
    out = []
    kind = RUN_KIND_CN.get(run.kind, run.kind)
    for result in (HospitalResult.objects.with_scope(region=[region.pk]).filter(run=run)
                   .select_related("hospital").order_by("hospital__code")):
        hospital = result.hospital
        found = _existing(region.pk, "settlement_run", run.pk, hospital.code)
        if found:
            out.append(found)
            continue
        blocks = [settlement_summary_block(run, result)]
        if with_cases:
            blocks.append({"kind": "settlement_cases", "run": run.pk, "hospital": hospital.pk})
        body = (f"根据{run.period}{kind}结果，你单位本期DRG付费结算情况如下。如对结算结果有异议，"
                "请在规定期限内通过平台提出争议申请。")
        out.append(notice_create(actor=actor, region=region, type=NoticeType.SETTLEMENT,
                                 title=f"{hospital.name}{run.period}DRG付费{kind}结算通知单", body=body, blocks=blocks,
                                 addressees={"hospitals": [hospital.code]}, source_kind="settlement_run",
                                 source_id=run.pk, year=run.year))
    if not out:
        raise ValidationFailed("The run has no hospital results.", code="validation_error")
    return out


# --- application results ---------------------------------------------------------------------------


def application_results_table(region_id: int, year: int) -> tuple[dict, list[str]]:
    from apps.applications.models import Application

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
    return notice_create(actor=actor, region=region, type=NoticeType.REVIEW_RESULT,
                         title=f"关于{year}年度DRG付费特例单议及激励病例评审结果的通报",
                         body=f"经专家评审和我局审定，现将{year}年度病例申请评审结果通报如下。",
                         blocks=[table], addressees={"all": True},
                         source_kind="applications", source_id=year, year=year)


def _actor_regions(actor) -> list[int]:
    from apps.tenants.access import get_access
    from apps.tenants.models import Region

    if actor is None:
        return list(Region.objects.values_list("pk", flat=True))
    return get_access(actor).region_ids
