"""Screens of the hospital's view and the data-quality scorecard (issue 20).

Hospital users see their own hospital (a hospital of theirs by `?hospital=`; any other code is 404); region-wide
readers (bureau, auditor, supervisors) pick any hospital of the region and see every name. Each table has an
XLSX export through apps.core.exports and each chart a table view.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.exports import xlsx_bytes
from apps.core.vocabulary import localize_labels, localize_terms
from apps.hospitals.models import Hospital

from . import analysis, charts, quality, rules, selectors
from .formulas import parse_period
from .models import Rectification
from .views import _region


def _subject(request, region) -> tuple[Hospital, bool]:
    """The hospital looked at and whether the viewer sees other hospitals' names (region-wide readers)."""
    wanted = request.GET.get("hospital") or request.POST.get("hospital")
    hospitals = Hospital.objects.filter(region=region)
    if request.access.reads_region(region.pk):
        found = hospitals.filter(code=wanted).first() if wanted else hospitals.order_by("code").first()
        if found is None:
            raise Http404
        return found, True
    own = request.access.own_hospitals(region.pk)
    qs = hospitals.filter(pk__in=own).order_by("code")
    found = qs.filter(code=wanted).first() if wanted else qs.first()
    if found is None:
        raise Http404
    return found, False


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or dt.date.today().year)
    except ValueError:
        raise Http404
    if not 2000 <= year <= 2100:  # a payment year; anything else is no page (and no database error)
        raise Http404
    return year


def _month(request) -> int | None:
    raw = request.GET.get("month") or ""
    if not raw:
        return None
    try:
        month = int(raw)
    except ValueError:
        raise Http404
    if not 1 <= month <= 12:
        raise Http404
    return month


def _xlsx(filename: str, headers: list, rows: list[list], title: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(headers, rows, title=title),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _domain_error(request, err: DomainError):
    if isinstance(err, Forbidden):
        raise PermissionDenied(err.message)
    if isinstance(err, NotFound):
        raise Http404
    messages.error(request, err.message)


# --- group profit and loss ------------------------------------------------------------------------------------


def pnl_labels(region=None) -> dict[str, str]:
    """Column names in the region's vocabulary (DIP: 病种, 调整后分值, DIP付费)."""
    return localize_labels({"group": _("Group"), "group_name": _("Group name"), "department": _("Department"), "month": _("Month"),
            "cases": _("Cases"), "adjusted_points": _("Adjusted points"), "payment": _("DRG payment (yuan)"),
            "fund_part": _("Fund part (yuan)"), "self_pay": _("Self pay (yuan)"), "cost": _("Case costs (yuan)"),
            "profit": _("Profit or loss (yuan)"), "profit_per_case": _("Per case (yuan)"),
            "payment_ratio": _("Payment / cost"), "alos": _("Average stay (days)")}, region)


PNL_COLUMNS = ("cases", "adjusted_points", "fund_part", "self_pay", "payment", "cost", "profit", "profit_per_case",
               "payment_ratio", "alos")


def _pnl_context(request):
    region = _region(request)
    hospital, names = _subject(request, region)
    year, month = _year(request), _month(request)
    by = request.GET.get("by") or "group"
    if by not in analysis.DIMENSIONS:
        raise Http404
    data = analysis.pnl(region, hospital, year, (by,), month, department=request.GET.get("department", ""))
    return region, hospital, names, year, month, by, data


@login_required
def pnl(request):
    """病组盈亏: per group (or department, month) the DRG payment against the case costs; the loss-making groups;
    CMI and the cost and time indices by month."""
    region, hospital, names, year, month, by, data = _pnl_context(request)
    by_month = analysis.pnl(region, hospital, year, ("month",))
    loss = [r for r in analysis.pnl(region, hospital, year, ("group",), month)["rows"] if r["profit"] < 0][:10]
    trend = selectors.trend(region, year, hospital.pk)
    hospitals = (Hospital.objects.filter(region=region).order_by("code") if names else
                 Hospital.objects.filter(region=region, pk__in=request.access.own_hospitals(region.pk)))
    cats = [f"{year}-{r['month']:02d}" for r in sorted(by_month["rows"], key=lambda r: r["month"])]
    ordered = sorted(by_month["rows"], key=lambda r: r["month"])
    return render(request, "monitoring/pnl.html", {
        "region": region, "hospital": hospital, "hospitals": hospitals, "names": names, "year": year,
        "month": month, "by": by, "data": data, "loss": loss, "labels": pnl_labels(region), "columns": PNL_COLUMNS,
        "trend": trend, "months": range(1, 13), "query": request.GET.urlencode(),
        "charts": {
            "months": charts.bars(cats, {localize_terms(_("DRG payment (yuan)"), region): [r["payment"] for r in ordered],
                                         _("Case costs (yuan)"): [r["cost"] for r in ordered],
                                         _("Profit or loss (yuan)"): [r["profit"] for r in ordered]},
                                  colors=[charts.BLUE, charts.GREY, charts.RED]),
            "loss": charts.bars([r["group"] for r in loss], {_("Profit or loss (yuan)"): [r["profit"] for r in loss]},
                                rotate=30, colors=[charts.RED]),
            "trend": charts.line([t["period"] for t in trend], {
                _("CMI"): [t["row"].cmi for t in trend], _("Cost efficiency index"): [t["row"].cost_index for t in trend],
                _("Time efficiency index"): [t["row"].time_index for t in trend]}),
        }})


@login_required
def pnl_export(request):
    region, hospital, _names, year, month, by, data = _pnl_context(request)
    labels = pnl_labels(region)
    dims = [by] + (["group_name"] if by == "group" else [])
    rows = [[r.get(d) for d in dims] + [r[c] for c in PNL_COLUMNS] for r in data["rows"]]
    if data["total"]:
        rows.append([_("Total")] + [""] * (len(dims) - 1) + [data["total"][c] for c in PNL_COLUMNS])
    suffix = f"{year}-{month:02d}" if month else str(year)
    return _xlsx(f"pnl-{hospital.code}-{suffix}-{by}.xlsx", [labels[d] for d in dims] + [labels[c] for c in PNL_COLUMNS],
                 rows, "pnl")


# --- the same group across the hospitals of the same level --------------------------------------------------------


PEER_COLUMNS = ("cases", "mean_cost", "mean_los", "drug_share", "consumable_share", "exam_share", "mortality")


def peer_labels() -> dict[str, str]:
    return {"cases": _("Cases"), "mean_cost": _("Mean cost (yuan)"), "mean_los": _("Mean stay (days)"),
            "drug_share": _("Drug share"), "consumable_share": _("Consumable share"),
            "exam_share": _("Examination share"), "mortality": _("Mortality")}


def _peers_context(request):
    region = _region(request)
    hospital, names = _subject(request, region)
    group = (request.GET.get("group") or "").strip().upper()
    try:
        period = parse_period(request.GET.get("period") or str(_year(request)))
    except ValidationFailed:
        raise Http404
    if period.kind == "quarter":
        raise Http404
    if not group:  # the page asks for one (the P&L links here with it)
        return region, hospital, names, {"group": "", "group_name": "", "period": period.text, "rows": [],
                                         "suppressed": False, "level_total": None, "peers": 0, "min_peers": 3}
    return region, hospital, names, analysis.peer_comparison(region, hospital, group, period, names)


@login_required
def peers(request):
    region, hospital, names, data = _peers_context(request)
    rows = data["rows"]
    return render(request, "monitoring/peers.html", {
        "region": region, "hospital": hospital, "names": names, "data": data, "labels": peer_labels(),
        "columns": PEER_COLUMNS, "query": request.GET.urlencode(),
        "charts": {"cost": charts.bars([r["label"] for r in rows], {
            _("Mean cost (yuan)"): [r["mean_cost"] for r in rows], _("Mean stay (days)"): [r["mean_los"] for r in rows]},
            rotate=30 if len(rows) > 6 else 0)}})


@login_required
def peers_export(request):
    region, hospital, _names, data = _peers_context(request)
    if not data["group"]:
        raise Http404
    labels = peer_labels()
    rows = [[r["label"], r["code"]] + [r[c] for c in PEER_COLUMNS] for r in data["rows"]]
    if data["level_total"]:
        rows.append([_("All hospitals of the level"), ""] + [data["level_total"][c] for c in PEER_COLUMNS])
    return _xlsx(f"peers-{hospital.code}-{data['group']}-{data['period']}.xlsx",
                 [_("Hospital"), _("Code")] + [labels[c] for c in PEER_COLUMNS], rows, "peers")


# --- data-quality scorecard ----------------------------------------------------------------------------------------


QUALITY_COLUMNS = ("rows", "rejected", "rejection_rate", "cases", "warned", "warning_rate", "grouped", "mismatch",
                   "mismatch_rate", "late", "late_rate", "lag_days", "hits", "hit_rate", "score")


def quality_labels() -> dict[str, str]:
    return {"rows": _("Uploaded rows"), "rejected": _("Rejected rows"), "rejection_rate": _("Rejection rate"),
            "cases": _("Discharged cases"), "warned": _("With warnings"), "warning_rate": _("Warning rate"),
            "grouped": _("Checked by the grouper"), "mismatch": _("Grouper disagrees"),
            "mismatch_rate": _("Disagreement rate"), "late": _("Uploaded late"), "late_rate": _("Late rate"),
            "lag_days": _("Mean upload lag (days)"), "hits": _("Screening hits"), "hit_rate": _("Hit rate"),
            "score": _("Quality score"), "declared": _("Month declared")}


def _quality_context(request):
    region = _region(request)
    wide = request.access.reads_region(region.pk)
    year, month = _year(request), _month(request)
    if wide:
        cards = quality.scorecards(region, year, [month] if month else None)
        hospital = None
    else:
        hospital, _names = _subject(request, region)
        cards = quality.scorecards(region, year, [month] if month else None, {hospital.pk})
    hospitals = {h.pk: h for h in Hospital.objects.filter(pk__in={c["hospital_id"] for c in cards})}
    for c in cards:
        c["hospital"] = hospitals[c["hospital_id"]]
    return region, wide, hospital, year, month, cards


@login_required
def quality_view(request):
    region, wide, hospital, year, month, cards = _quality_context(request)
    rects = Rectification.objects.filter(region=region).select_related("hospital").order_by("-sent_at")
    if not wide:
        rects = rects.filter(hospital=hospital)
    if wide and month is None and cards:
        latest = max(c["month"] for c in cards)
        cards = [c for c in cards if c["month"] == latest]
        month = latest
    ordered = sorted(cards, key=lambda c: (c["month"], c["hospital"].code))
    chart_cats = [c["hospital"].name if wide else f"{year}-{c['month']:02d}" for c in ordered]
    return render(request, "monitoring/quality.html", {
        "region": region, "wide": wide, "hospital": hospital, "year": year, "month": month, "cards": ordered,
        "labels": quality_labels(), "columns": QUALITY_COLUMNS, "weights": quality.WEIGHTS, "rects": rects[:50],
        "months": range(1, 13), "query": request.GET.urlencode(),
        "can_send": wide and rules.can_rectify(request.access, region.pk),
        "charts": {"score": charts.bars(chart_cats, {_("Quality score"): [c["score"] for c in ordered]},
                                        rotate=30 if len(ordered) > 6 else 0)}})


@login_required
def quality_export(request):
    region, wide, hospital, year, month, cards = _quality_context(request)
    labels = quality_labels()
    rows = [[c["hospital"].code, c["hospital"].name, f"{year}-{c['month']:02d}"] + [c[k] for k in QUALITY_COLUMNS]
            + ["; ".join(f"{k}: {v}" for k, v in sorted(c["by_rule"].items()))]
            for c in sorted(cards, key=lambda c: (c["month"], c["hospital"].code))]
    suffix = f"{year}-{month:02d}" if month else str(year)
    return _xlsx(f"quality-{region.code}-{suffix}.xlsx",
                 [_("Code"), _("Hospital"), _("Month")] + [labels[k] for k in QUALITY_COLUMNS]
                 + [_("Rejected rows by rule")], rows, "quality")


@login_required
@require_POST
def rectify(request):
    from . import services

    region = _region(request)
    if not rules.can_rectify(request.access, region.pk):
        raise PermissionDenied
    hospital = Hospital.objects.filter(region=region, code=request.POST.get("hospital", "")).first()
    if hospital is None:
        messages.error(request, _("Choose a hospital of the region."))
        return redirect(f"{reverse('monitoring:quality')}?region={region.code}")
    try:
        rect = services.rectification_send(actor=request.user, region=region, hospital=hospital,
                                           month=request.POST.get("month", ""), text=request.POST.get("text", ""))
        messages.success(request, _("Rectification request sent to %(h)s.") % {"h": hospital.name})
        return redirect("monitoring:rectification", pk=rect.pk)
    except DomainError as err:
        _domain_error(request, err)
    return redirect(f"{reverse('monitoring:quality')}?region={region.code}")


def _rect_for(request, pk: int) -> Rectification:
    rect = get_object_or_404(Rectification.objects.select_related("region", "hospital", "sent_by", "replied_by"),
                             pk=pk)
    if request.access.reads_region(rect.region_id):
        return rect
    if rect.hospital_id not in request.access.own_hospitals(rect.region_id):
        raise Http404
    return rect


@login_required
def rectification(request, pk: int):
    rect = _rect_for(request, pk)
    own = rect.hospital_id in request.access.own_hospitals(rect.region_id)
    return render(request, "monitoring/rectification.html", {
        "rect": rect, "own": own, "labels": quality_labels(), "columns": QUALITY_COLUMNS,
        "by_rule": sorted((rect.scorecard.get("by_rule") or {}).items())})


@login_required
@require_POST
def rectification_acknowledge(request, pk: int):
    from . import services

    rect = _rect_for(request, pk)
    try:
        services.rectification_acknowledge(actor=request.user, rect=rect)
        messages.success(request, _("Acknowledged."))
    except DomainError as err:
        _domain_error(request, err)
    return redirect("monitoring:rectification", pk=rect.pk)


@login_required
@require_POST
def rectification_reply(request, pk: int):
    from . import services

    rect = _rect_for(request, pk)
    try:
        services.rectification_reply(actor=request.user, rect=rect, text=request.POST.get("reply", ""))
        messages.success(request, _("Your answer was sent to the bureau."))
    except DomainError as err:
        _domain_error(request, err)
    return redirect("monitoring:rectification", pk=rect.pk)
