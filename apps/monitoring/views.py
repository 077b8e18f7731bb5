"""Monitoring screens: the bureau dashboard, a hospital's position in its tier, rankings, province comparison.

Thin views: reads via `selectors`, writes via `services`. Scope: a region or hospital outside what the user
reads is 404; experts have no business here (403). Every chart has a table view and a CSV export.
"""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import exports as safe_csv
from apps.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.vocabulary import localize_labels, localize_terms, term
from apps.core.web import show_error
from apps.hospitals.enums import HospitalType, Level
from apps.hospitals.models import Hospital

from . import charts, rules, selectors
from .formulas import parse_period
from .models import IndicatorPeriod, Ranking

LEVELS, TYPES = dict(Level.choices), dict(HospitalType.choices)
INDICATOR_COLUMNS = ("cases", "cmi", "cost_index", "time_index", "group_count", "alos", "avg_cost", "drug_share",
                     "consumable_share", "exam_share", "lowrisk_mortality")


def labels(region=None) -> dict[str, str]:
    """Indicator names in the region's vocabulary (DIP: 病种数 rather than DRG组数); no region: DRG."""
    return localize_labels({
        "cases": _("Cases"), "cmi": _("CMI"), "cost_index": _("Cost efficiency index"),
        "time_index": _("Time efficiency index"), "group_count": term("groups", region),
        "alos": _("Average stay (days)"), "avg_cost": _("Cost per case (yuan)"), "drug_share": _("Drug share"),
        "consumable_share": _("Consumable share"), "exam_share": _("Examination share"),
        "lowrisk_mortality": _("Low/mid-low risk mortality"),
    }, region)


def _region(request):
    """The region of `?region=` among the readable ones (404 otherwise); without one, the first (403 if none)."""
    code = request.GET.get("region") or request.POST.get("region")
    try:
        return selectors.region_for(request.access, code)
    except NotFound:
        if code:
            raise Http404
        raise PermissionDenied


def _period(region, text):
    try:
        return selectors.period_get(region, text)
    except ValidationFailed:
        raise Http404


def _csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    writer = safe_csv.writer(response)  # names typed by hospitals never run as formulas
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else (format(v, "f") if isinstance(v, Decimal) else v) for v in row])
    return response


def _own_hospital(request, region) -> Hospital:
    own = request.access.own_hospitals(region.pk)
    wanted = request.GET.get("hospital")
    qs = Hospital.objects.filter(region=region, pk__in=own).order_by("code")
    hospital = qs.filter(code=wanted).first() if wanted else qs.first()
    if hospital is None:
        raise Http404
    return hospital


def _trend_chart(trend: list[dict]) -> dict:
    cats = [t["period"] for t in trend]
    return charts.line(cats, {_("CMI"): [t["row"].cmi for t in trend],
                              _("Cost efficiency index"): [t["row"].cost_index for t in trend],
                              _("Time efficiency index"): [t["row"].time_index for t in trend]})


# --- dashboard -------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    region = _region(request)
    if not request.access.reads_region(region.pk):
        return hospital_dashboard(request, region)
    period = _period(region, request.GET.get("period"))
    ctx = {"region": region, "regions": [r for r in selectors.readable_regions(request.access)
                                         if request.access.reads_region(r.pk)],
           "periods": selectors.periods(region), "period": period, "labels": labels(region),
           "can_compute": rules.can_compute(request.access, region.pk),
           "busy": selectors.periods(region, ready_only=False).filter(
               status__in=(Lifecycle.QUEUED, Lifecycle.RUNNING, Lifecycle.FAILED)).order_by("-created_at")}
    if period is not None:
        hospitals = list(selectors.hospital_rows(period))
        levels = list(selectors.level_rows(period))
        trend = selectors.trend(region, period.year)
        coverage = [
            {"key": "hospitals", "label": _("Hospitals"), "covered": period.hospitals_covered,
             "total": period.hospitals_total, "share": period.hospitals_share, "target": period.target_hospitals},
            {"key": "cases", "label": _("Cases"), "covered": period.cases_covered, "total": period.cases_total,
             "share": period.cases_share, "target": period.target_cases},
            {"key": "fund", "label": _("Fund"), "covered": period.fund_covered, "total": period.fund_total,
             "share": period.fund_share, "target": period.target_fund},
        ]
        for c in coverage:
            c["met"] = c["share"] is not None and c["target"] is not None and c["share"] >= c["target"]
        ctx.update({
            "total": selectors.region_row(period), "hospitals": hospitals, "levels": levels, "trend": trend,
            "coverage": coverage,
            "rankings": Ranking.objects.filter(region=region, quarter__startswith=f"{period.year}-").order_by("quarter"),
            "charts": {
                "trend": _trend_chart(trend),
                "levels": charts.bars([LEVELS.get(r.level, r.level) for r in levels],
                                      {_("CMI"): [r.cmi for r in levels],
                                       _("Cost efficiency index"): [r.cost_index for r in levels],
                                       _("Time efficiency index"): [r.time_index for r in levels]}),
                "distribution": charts.scatter([(r.hospital.name, r.cmi, r.cost_index) for r in hospitals],
                                               _("CMI"), _("Cost efficiency index")),
                "coverage": charts.bars([c["label"] for c in coverage],
                                        {_("Actual"): [c["share"] for c in coverage],
                                         _("Target"): [c["target"] for c in coverage]},
                                        colors=[charts.BLUE, charts.ORANGE]),
            },
        })
    return render(request, "monitoring/dashboard.html", ctx)


def hospital_dashboard(request, region):
    """A hospital user's position in its tier: own figures named, the others anonymised."""
    hospital = _own_hospital(request, region)
    period = _period(region, request.GET.get("period"))
    ctx = {"region": region, "hospital": hospital, "periods": selectors.periods(region), "period": period,
           "labels": labels(region), "tier_label": f"{LEVELS.get(hospital.level)}·{TYPES.get(hospital.type)}"}
    if period is not None:
        tier = selectors.tier_position(period, hospital)
        trend = selectors.trend(region, period.year, hospital.pk)
        region_trend = {t["period"]: t["row"] for t in selectors.trend(region, period.year)}
        total = selectors.region_row(period)
        for s in tier["stats"]:
            s["label"] = labels(region)[s["name"]]
            s["region"] = getattr(total, s["name"]) if total is not None else None
        main = [s for s in tier["stats"] if s["name"] in ("cmi", "cost_index", "time_index")]
        rankings = Ranking.objects.filter(region=region, quarter__startswith=f"{period.year}-",
                                          status=Lifecycle.PUBLISHED).order_by("quarter")
        ranks = []
        for ranking in rankings:
            row = selectors.ranking_rows(ranking).filter(hospital=hospital).first()
            if row is not None:
                ranks.append({"ranking": ranking, "row": row})
        ctx.update({
            "tier": tier, "trend": trend, "ranks": ranks, "total": total,
            "charts": {
                "position": charts.bars([s["label"] for s in main],
                                        {hospital.name: [s["own"] for s in main],
                                         _("Tier median"): [s["median"] for s in main],
                                         _("Tier best"): [s["max"] if s["higher_is_better"] else s["min"]
                                                          for s in main]},
                                        colors=[charts.RED, charts.BLUE, charts.GREEN]),
                "tier": charts.scatter([(r["label"], r["row"].cmi, r["row"].cost_index) for r in tier["rows"]],
                                       _("CMI"), _("Cost efficiency index"), highlight=hospital.name),
                "trend": charts.line([t["period"] for t in trend],
                                     {hospital.name: [t["row"].cmi for t in trend],
                                      _("Region"): [region_trend[t["period"]].cmi if t["period"] in region_trend
                                                    else None for t in trend]}),
            },
        })
    return render(request, "monitoring/hospital.html", ctx)


@login_required
@require_POST
def compute(request):
    region = _region(request)
    period = (request.POST.get("period") or "").strip()
    try:
        item = _services().indicators_compute(actor=request.user, region=region, period=period)
        if item.status == Lifecycle.READY:
            messages.success(request, _("Indicators of %(period)s computed.") % {"period": item.period})
        elif item.status == Lifecycle.FAILED:
            messages.error(request, item.error)
        else:
            messages.info(request, _("Computing the indicators of %(period)s …") % {"period": item.period})
        target = item.period
    except DomainError as err:
        show_error(request, err)
        target = ""
    query = {"region": region.code, **({"period": target} if target else {})}
    return redirect(f"{reverse('monitoring:dashboard')}?{urlencode(query)}")


@login_required
def progress(request, pk: int):
    item = get_object_or_404(IndicatorPeriod, pk=pk)
    if not request.access.reads_region(item.region_id):
        raise Http404
    response = render(request, "monitoring/_progress.html", {"item": item})
    if item.status not in (Lifecycle.QUEUED, Lifecycle.RUNNING) and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def period_groups(request, pk: int):
    """The inputs of a period's indices: per group the same-period means, base points and the risk class (with the
    year's z-score), so every cost and time index can be recomputed by hand ("路径公开")."""
    from .enums import RiskClass
    from .models import GroupRiskClass, PeriodGroup

    item = get_object_or_404(IndicatorPeriod.objects.select_related("region"), pk=pk)
    if not request.access.reads_region(item.region_id):
        raise Http404
    z = {r.group_code: r for r in GroupRiskClass.objects.filter(region_id=item.region_id, year=item.year)}
    groups = [{"g": g, "risk": z.get(g.group_code)} for g in PeriodGroup.objects.filter(period=item).order_by("group_code")]
    if request.GET.get("format") == "csv":
        return _csv(f"groups-{item.region.code}-{item.period}.csv",
                    [localize_terms(_("Group"), item.region), _("Cases"), _("Mean cost"), _("Mean stay"), _("Deaths"),
                     localize_terms(_("Base points"), item.region),
                     _("Base-period death rate"), "z", _("Risk class")],
                    [[x["g"].group_code, x["g"].cases, x["g"].mean_cost, x["g"].mean_los, x["g"].deaths,
                      x["g"].base_points, x["risk"].death_rate if x["risk"] else None,
                      x["risk"].z if x["risk"] else None, x["g"].risk_class] for x in groups])
    return render(request, "monitoring/period_groups.html", {
        "item": item, "groups": groups, "classes": dict(RiskClass.choices),
        "basis": next(iter(z.values()), None)})


def _services():
    from . import services

    return services


# --- exports ---------------------------------------------------------------------------------------


@login_required
def export(request, table: str):
    """CSV of a chart's table: hospitals, levels, trend, coverage (bureau); tier (hospital users, anonymised)."""
    region = _region(request)
    period = _period(region, request.GET.get("period"))
    if period is None:
        raise Http404
    names = labels(region)
    header_ind = [names[c] for c in INDICATOR_COLUMNS]
    if not request.access.reads_region(region.pk):
        if table not in ("tier", "mytrend"):
            raise Http404
        hospital = _own_hospital(request, region)
        if table == "tier":
            tier = selectors.tier_position(period, hospital)
            rows = [[r["label"], *[getattr(r["row"], c) for c in INDICATOR_COLUMNS]] for r in tier["rows"]]
            return _csv(f"tier-{region.code}-{period.period}.csv", [_("Hospital"), *header_ind], rows)
        trend = selectors.trend(region, period.year, hospital.pk)
        rows = [[t["period"], *[getattr(t["row"], c) for c in INDICATOR_COLUMNS]] for t in trend]
        return _csv(f"trend-{hospital.code}-{period.year}.csv", [_("Period"), *header_ind], rows)
    if table == "hospitals":
        rows = [[r.hospital.code, r.hospital.name, LEVELS.get(r.hospital.level), TYPES.get(r.hospital.type),
                 *[getattr(r, c) for c in INDICATOR_COLUMNS]] for r in selectors.hospital_rows(period)]
        return _csv(f"indicators-{region.code}-{period.period}.csv",
                    [_("Code"), _("Hospital"), _("Level"), _("Type"), *header_ind], rows)
    if table == "levels":
        rows = [[LEVELS.get(r.level), *[getattr(r, c) for c in INDICATOR_COLUMNS]]
                for r in selectors.level_rows(period)]
        return _csv(f"levels-{region.code}-{period.period}.csv", [_("Level"), *header_ind], rows)
    if table == "trend":
        rows = [[t["period"], *[getattr(t["row"], c) for c in INDICATOR_COLUMNS]]
                for t in selectors.trend(region, period.year)]
        return _csv(f"trend-{region.code}-{period.year}.csv", [_("Period"), *header_ind], rows)
    if table == "coverage":
        p = period
        rows = [[_("Hospitals"), p.hospitals_covered, p.hospitals_total, p.hospitals_share, p.target_hospitals],
                [_("Cases"), p.cases_covered, p.cases_total, p.cases_share, p.target_cases],
                [_("Fund"), p.fund_covered, p.fund_total, p.fund_share, p.target_fund]]
        return _csv(f"coverage-{region.code}-{p.period}.csv",
                    [_("Coverage"), _("Covered"), _("Total"), _("Share"), _("Target")], rows)
    raise Http404


# --- rankings --------------------------------------------------------------------------------------


@login_required
def rankings(request):
    region = _region(request)
    wide = request.access.reads_region(region.pk)
    qs = Ranking.objects.filter(region=region).order_by("-quarter")
    if not wide:
        qs = qs.filter(status=Lifecycle.PUBLISHED)
    quarters = selectors.periods(region).filter(kind="quarter")
    return render(request, "monitoring/rankings.html", {
        "region": region, "regions": selectors.readable_regions(request.access), "rankings": qs,
        "quarters": quarters, "can_compute": rules.can_compute(request.access, region.pk)})


@login_required
@require_POST
def ranking_compute(request):
    region = _region(request)
    try:
        ranking = _services().ranking_compute(actor=request.user, region=region,
                                              quarter=request.POST.get("quarter", ""))
        messages.success(request, _("Ranking of %(q)s computed.") % {"q": ranking.quarter})
        return redirect("monitoring:ranking_detail", pk=ranking.pk)
    except DomainError as err:
        show_error(request, err)
    return redirect(f"{reverse('monitoring:rankings')}?region={region.code}")


def _ranking_for(request, pk: int) -> tuple[Ranking, set[int] | None]:
    ranking = get_object_or_404(Ranking.objects.select_related("region"), pk=pk)
    if request.access.reads_region(ranking.region_id):
        return ranking, None
    own = request.access.own_hospitals(ranking.region_id)
    if not own or ranking.status != Lifecycle.PUBLISHED:
        raise Http404
    return ranking, own


def _ranking_tiers(ranking: Ranking, own: set[int] | None) -> list[dict]:
    if own is None:
        items = [{"row": r, "label": r.hospital.name, "code": r.hospital.code, "own": False}
                 for r in selectors.ranking_rows(ranking)]
    else:
        items = selectors.anonymised_ranking_rows(ranking, own)
    tiers: dict[tuple[int, str], dict] = {}
    for item in items:
        r = item["row"]
        tier = tiers.setdefault((r.level, r.type), {"label": f"{LEVELS.get(r.level)}·{TYPES.get(r.type)}",
                                                    "level": r.level, "type": r.type, "rows": []})
        tier["rows"].append(item)
    return list(tiers.values())


@login_required
def ranking_detail(request, pk: int):
    ranking, own = _ranking_for(request, pk)
    tiers = _ranking_tiers(ranking, own)
    chart_rows = [i for t in tiers for i in t["rows"]]
    chart = charts.bars([i["label"] for i in chart_rows], {_("Composite score"): [i["row"].composite for i in chart_rows]},
                        rotate=30)
    return render(request, "monitoring/ranking_detail.html", {
        "ranking": ranking, "tiers": tiers, "own": own, "labels": labels(ranking.region), "chart": chart,
        "can_publish": own is None and rules.can_publish(request.access, ranking.region_id)
        and ranking.status == Lifecycle.READY})


@login_required
@require_POST
def ranking_publish(request, pk: int):
    ranking, own = _ranking_for(request, pk)
    if own is not None:
        raise PermissionDenied
    try:
        _services().ranking_publish(actor=request.user, ranking=ranking)
        messages.success(request, _("Ranking published by notice."))
    except DomainError as err:
        if isinstance(err, Forbidden):
            raise PermissionDenied(err.message)
        messages.error(request, err.message)
    return redirect("monitoring:ranking_detail", pk=ranking.pk)


@login_required
def ranking_export(request, pk: int):
    ranking, own = _ranking_for(request, pk)
    rows = []
    for tier in _ranking_tiers(ranking, own):
        for i in tier["rows"]:
            r = i["row"]
            detail = own is None or i["own"]
            rows.append([tier["label"], r.rank, i["code"], i["label"], r.composite,
                         *([r.cmi, r.cost_index, r.time_index, r.group_count, r.lowrisk_mortality] if detail
                           else ["", "", "", "", ""])])
    names = labels(ranking.region)
    return _csv(f"ranking-{ranking.region.code}-{ranking.quarter}.csv",
                [_("Tier"), _("Rank"), _("Code"), _("Hospital"), _("Composite score"), names["cmi"],
                 names["cost_index"], names["time_index"], names["group_count"], names["lowrisk_mortality"]], rows)


# --- province comparison ---------------------------------------------------------------------------


def _comparison(request) -> dict:
    regions = selectors.supervised_regions(request.access)
    if not regions:
        raise PermissionDenied
    text = (request.GET.get("period") or "").strip()
    try:
        wanted = parse_period(text).text if text else None
    except ValidationFailed:
        raise Http404
    all_periods = IndicatorPeriod.objects.filter(region__in=regions, status=Lifecycle.READY)
    if wanted is None:
        latest = all_periods.filter(kind="year").order_by("-year").first() or all_periods.order_by("-end").first()
        wanted = latest.period if latest else None
    rows = []
    for region in regions:
        period = all_periods.filter(region=region, period=wanted).first() if wanted else None
        rows.append({"region": region, "period": period, "total": selectors.region_row(period) if period else None})
    choices = sorted(set(all_periods.values_list("period", flat=True)), reverse=True)
    return {"rows": rows, "period": wanted, "choices": choices}


@login_required
def compare(request):
    ctx = _comparison(request)
    present = [r for r in ctx["rows"] if r["total"] is not None]
    cats = [r["region"].name for r in present]
    ctx.update({"labels": labels(), "charts": {
        "indices": charts.bars(cats, {_("CMI"): [r["total"].cmi for r in present],
                                      _("Cost efficiency index"): [r["total"].cost_index for r in present],
                                      _("Time efficiency index"): [r["total"].time_index for r in present]}),
        "coverage": charts.bars(cats, {_("Hospitals"): [r["period"].hospitals_share for r in present],
                                       _("Cases"): [r["period"].cases_share for r in present],
                                       _("Fund"): [r["period"].fund_share for r in present]}),
    }})
    return render(request, "monitoring/compare.html", ctx)


@login_required
def compare_export(request):
    ctx = _comparison(request)
    names = labels()
    rows = []
    for r in ctx["rows"]:
        t, p = r["total"], r["period"]
        rows.append([r["region"].province.name, r["region"].code, r["region"].name, ctx["period"],
                     *[getattr(t, c) if t else None for c in INDICATOR_COLUMNS],
                     p.hospitals_share if p else None, p.cases_share if p else None, p.fund_share if p else None])
    return _csv(f"province-comparison-{ctx['period'] or 'none'}.csv",
                [_("Province"), _("Code"), _("Region"), _("Period"), *[names[c] for c in INDICATOR_COLUMNS],
                 _("Hospital coverage"), _("Case coverage"), _("Fund coverage")], rows)
