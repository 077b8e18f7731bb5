"""Settlement screens: coefficients, runs, hospital statements and the "why this amount" page.

Thin views: reads via querysets in the request's region scope, writes via apps.settlement.services.
Who sees what: region-wide readers (platform, province, bureau, auditor) see every version and run
of their regions; hospital users see published items only, and only their own hospital's rows
(anything else is 404); experts have no business here (403 in their region).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min, Sum
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.cases.enums import InsuranceType
from apps.core.errors import DomainError, Forbidden
from apps.core.lifecycle import Lifecycle
from apps.core.models import AuditEvent
from apps.hospitals.models import Hospital
from apps.tenants.models import Region

from . import exports, hooks, rules, selectors
from .enums import COST_BASED_TYPES, CaseType, RunKind
from .filters import CaseResultFilter, RunFilter
from .forms import CoefficientComputeForm, OverrideForm, RunStartForm
from .models import (
    CaseResult,
    CoefficientVersion,
    FundResult,
    HospitalCoefficient,
    HospitalFundResult,
    HospitalResult,
    SettlementRun,
)

PUBLIC = rules.PUBLIC  # what hospital users may see
BUSY = (Lifecycle.QUEUED, Lifecycle.RUNNING)
PER_PAGE = 50


# --- access: the policy is apps/settlement/rules.py, the visible querysets apps/settlement/selectors.py ------


def compute_regions(request) -> list[Region]:
    return list(Region.objects.filter(pk__in=rules.compute_region_ids(request.access)).order_by("code"))


def fail(request, err: DomainError) -> None:
    if isinstance(err, Forbidden):
        raise PermissionDenied(err.message)
    messages.error(request, err.message)


def services():
    """The engine's services module, imported late so the screens load while it is being written."""
    from . import services as module

    return module


def pages(request, qs):
    paginator = Paginator(qs, PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


# --- formulas written out with the item's own numbers ("路径公开") ----------------------------------


def plain(value: Decimal | None) -> str:
    """A parameter without trailing zeros (0.8000 → 0.8); never in exponent notation."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def six(value: Decimal | None) -> str:
    """Indices and ratios are stored at full precision and shown with 6 decimals (domain §4)."""
    return "—" if value is None else format(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), "f")


def coefficient_formula(version: CoefficientVersion, row: HospitalCoefficient, floor: Decimal | None) -> str:
    """coef = w_level × LI + w_cost × CI, or the new-hospital rule, with the hospital's numbers."""
    if not row.is_new:
        return _("coef = %(wl)s × LI + %(wc)s × CI = %(wl)s × %(li)s + %(wc)s × %(ci)s = %(coef)s") % {
            "wl": plain(version.w_level), "wc": plain(version.w_cost), "li": six(row.level_index),
            "ci": six(row.cost_index), "coef": row.computed}
    if floor is None:
        return _("new hospital: coef = %(f)s × LI = %(f)s × %(li)s = %(coef)s (no existing hospital of this level)") % {
            "f": plain(version.new_hospital_factor), "li": six(row.level_index), "coef": row.computed}
    return _("new hospital: coef = max(%(f)s × LI, lowest coefficient of the level) = max(%(f)s × %(li)s, %(min)s)"
             " = %(coef)s") % {"f": plain(version.new_hospital_factor), "li": six(row.level_index), "min": floor,
                               "coef": row.computed}


def point_value_formula(run: SettlementRun) -> str | None:
    if run.point_value is None or run.fund_budget is None or run.total_adjusted_points is None:
        return None
    return _("point value = (fund budget of the period + self pay) / adjusted points = (%(b)s + %(s)s) / %(a)s"
             " = %(pv)s") % {"b": run.fund_budget, "s": run.total_self_pay, "a": run.total_adjusted_points,
                             "pv": run.point_value}


def fund_label(code: str) -> str:
    """'310 Employee (职工)' for a fund code; '' for a one-fund run."""
    if not code:
        return ""
    try:
        return f"{code} {InsuranceType(code).label}"
    except ValueError:
        return code


def fund_point_value_formulas(run: SettlementRun) -> list[dict]:
    """Per fund of a two-fund run: PV_f = (budget_f [/ 12] + Σ self_pay_f) / Σ adjusted_f, with its numbers."""
    out = []
    for f in FundResult.objects.filter(run=run).order_by("insurance_type"):
        budget = f"{f.fund_budget} / 12" if run.month is not None else f"{f.fund_budget}"
        if f.point_value is None:
            text = _("no case of this fund in the period: no point value (its budget share is not spent)")
        else:
            text = _("point value = (fund budget + self pay) / adjusted points = (%(b)s + %(s)s) / %(a)s = %(pv)s") % {
                "b": budget, "s": f.self_pay, "a": f.adjusted_points, "pv": f.point_value}
        out.append({"fund": f, "label": fund_label(f.insurance_type), "text": text})
    return out


def section10_lines(row: HospitalResult) -> list[dict]:
    """The retention/sharing lines of an annual statement (domain §10), each with its numbers."""
    lines = []
    if row.retained is not None:
        lines.append({"key": "retained", "label": _("Surplus retained (结余留用)"), "amount": row.retained,
                      "text": _("due %(d)s > fee-for-service %(f)s: retained = round((%(d)s − %(f)s) × share, 2) = %(r)s; "
                                "due = %(f)s + %(r)s = %(n)s") % {
                          "d": row.due_before, "f": row.fund_paid, "r": row.retained, "n": row.due}})
    if row.shared is not None:
        lines.append({"key": "shared", "label": _("Overspend shared by the fund (超支分担)"), "amount": row.shared,
                      "text": _("fee-for-service %(f)s × floor ≤ due %(d)s < %(f)s: shared = round((%(f)s − %(d)s) × "
                                "share, 2) = %(s)s; due = %(d)s + %(s)s = %(n)s") % {
                          "d": row.due_before, "f": row.fund_paid, "s": row.shared, "n": row.due}})
    return lines


def _type_reason(r: CaseResult, numbers: dict) -> str:
    reasons = {
        CaseType.INCENTIVE: _("an incentive application (no. %(app)s) was approved: the case is paid by its own cost"),
        CaseType.SPECIAL: _("a special-case application (no. %(app)s) was approved: the case is paid by its own cost"),
        CaseType.UNGROUPED: _("the case has no valid DRG group"),
        CaseType.UNSTABLE: _("group %(drg)s is unstable or has no statistics"),
        CaseType.LOW: _("ratio %(ratio)s < low ratio %(low)s of a level %(level)s hospital"),
        CaseType.HIGH: _("ratio %(ratio)s > high ratio %(high)s of a level %(level)s hospital"),
        CaseType.NORMAL: _("low ratio %(low)s ≤ ratio %(ratio)s ≤ high ratio %(high)s"),
    }
    return reasons.get(r.case_type, "") % numbers


def screening_deduction_steps(r: CaseResult, steps: list[dict]) -> list[dict]:
    """A confirmed screening item (domain §11) sets points and adjusted points to 0: say so, with the item."""
    line = hooks.PROVIDERS["deduction_line"](r.region_id, r.screening_item_id)  # filled by apps.screening
    kept = [s for s in steps if s["key"] not in ("points", "adjusted")]
    return [*kept, {"key": "deduction", "label": _("Deduction"), "text": line},
            {"key": "points", "label": _("Points"), "text": _("points = adjusted points = 0 (%(line)s)") % {
                "line": line}}]


def case_steps(r: CaseResult, run: SettlementRun) -> list[dict]:
    """The steps of domain §4 for this case's type, each a label and the formula with its numbers."""
    n = {"cost": r.total_cost, "mean": r.group_mean if r.group_mean is not None else "—",
         "ratio": six(r.ratio), "low": plain(r.low_ratio), "high": plain(r.high_ratio), "level": r.level,
         "bp": r.base_points if r.base_points is not None else "—",
         "eb": r.effective_base if r.effective_base is not None else "—",
         "avg": run.all_avg if run.all_avg is not None else "—", "unr": r.unreasonable_cost or Decimal("0.00"),
         "points": r.points, "coef": r.coefficient, "adj": r.adjusted_points, "drg": r.drg_code or "—",
         "app": r.application_id or "—", "type": CaseType(r.case_type).label}
    steps = []
    if r.ratio is not None and r.group_mean:
        steps.append({"key": "ratio", "label": _("Ratio"), "text": _(
            "ratio = total cost / group mean = %(cost)s / %(mean)s = %(ratio)s") % n})
    else:
        steps.append({"key": "ratio", "label": _("Ratio"), "text": _("no group mean, so no ratio") % n})
    steps.append({"key": "type", "label": _("Case type"), "text": _("%(type)s, because %(reason)s") % {
        "type": n["type"], "reason": _type_reason(r, n)}})
    if r.case_type in (CaseType.NORMAL, CaseType.HIGH):
        if r.effective_base is not None and r.base_points is not None and r.effective_base != r.base_points:
            text = _("effective base = %(eb)s (approved surgery application no. %(app)s; base points of group "
                     "%(drg)s = %(bp)s)") % n
        else:
            text = _("effective base = base points of group %(drg)s = %(bp)s") % n
        steps.append({"key": "eb", "label": _("Effective base"), "text": text})
    formulas = {
        CaseType.INCENTIVE: _("points = (total cost − unreasonable cost) / average cost of all cases × 100 = "
                              "(%(cost)s − %(unr)s) / %(avg)s × 100 = %(points)s"),
        CaseType.HIGH: _("points = effective base + (ratio − high ratio) × base points = "
                         "%(eb)s + (%(ratio)s − %(high)s) × %(bp)s = %(points)s"),
        CaseType.NORMAL: _("points = effective base = %(points)s"),
    }
    formulas[CaseType.SPECIAL] = formulas[CaseType.INCENTIVE]
    cost_formula = _("points = total cost / average cost of all cases × 100 = %(cost)s / %(avg)s × 100 = %(points)s")
    steps.append({"key": "points", "label": _("Points"), "text": formulas.get(r.case_type, cost_formula) % n})
    if r.case_type in COST_BASED_TYPES:
        text = _("adjusted points = points = %(adj)s (paid by its own cost, so not multiplied by the hospital "
                 "coefficient %(coef)s)") % n
    else:
        text = _("adjusted points = points × hospital coefficient = %(points)s × %(coef)s = %(adj)s") % n
    steps.append({"key": "adjusted", "label": _("Adjusted points"), "text": text})
    if getattr(r, "screening_item_id", None):
        steps = screening_deduction_steps(r, steps)
    pv = run.point_value
    if pv is None and run.point_values and r.insurance_type:
        raw = run.point_values.get(r.insurance_type)
        pv = Decimal(raw) if raw is not None else None
        steps.append({"key": "fund", "label": _("Fund"), "text": _(
            "the case belongs to fund %(fund)s, whose point value is %(pv)s (the two funds are settled apart)") % {
            "fund": fund_label(r.insurance_type), "pv": pv if pv is not None else "—"}})
    if pv is not None:
        value = (r.adjusted_points * pv).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        steps.append({"key": "value", "label": _("Amount in yuan"), "text": _(
            "value = adjusted points × point value = %(adj)s × %(pv)s = %(value)s yuan") % {
            **n, "pv": pv, "value": value}})
    return steps


# --- coefficients ----------------------------------------------------------------------------------


@login_required
def coefficients(request):
    """Versions by region and year; `?region=&year=` narrows the list; bureau users start a computation."""
    region_ids = request.access.readable_region_ids()
    if not region_ids:
        raise PermissionDenied
    versions = selectors.coefficient_versions_visible(request.access).select_related("region")
    code, year = request.GET.get("region", ""), request.GET.get("year", "")
    if code:
        versions = versions.filter(region__code=code)
    if year.isdigit():
        versions = versions.filter(year=int(year))
    versions = versions.annotate(n_rows=Count("rows")).order_by("region__code", "-year", "-number")
    computable = compute_regions(request)
    form = CoefficientComputeForm(regions=computable, initial={"year": int(year) if year.isdigit() else None})
    return render(request, "settlement/coefficients.html", {
        "versions": versions[:200], "regions": Region.objects.filter(pk__in=region_ids).order_by("code"),
        "region_code": code, "year": year, "form": form if computable else None,
    })


@login_required
@require_POST
def coefficients_compute(request):
    form = CoefficientComputeForm(request.POST, regions=compute_regions(request))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("settlement:coefficients")
    try:
        version = services().coefficients_compute(actor=request.user, region=form.cleaned_data["region"],
                                                  year=form.cleaned_data["year"])
    except DomainError as err:
        fail(request, err)
        return redirect("settlement:coefficients")
    messages.success(request, _("Coefficient version %(n)s started.") % {"n": version.number})
    return redirect("settlement:coefficient_version", pk=version.pk)


def _coefficient_rows(version: CoefficientVersion, own: set[int] | None) -> list[dict]:
    rows = HospitalCoefficient.objects.filter(version=version).select_related("hospital").order_by("hospital__code")
    if own is not None:
        rows = rows.filter(hospital_id__in=own)
    # The new-hospital floor: the lowest coefficient of the existing hospitals of the same level.
    floors = dict(HospitalCoefficient.objects.filter(version=version, is_new=False).values("level")
                  .annotate(m=Min("computed")).values_list("level", "m"))
    return [{"row": row, "formula": coefficient_formula(version, row, floors.get(row.level))} for row in rows]


@login_required
def coefficient_version(request, pk: int):
    version, own = selectors.coefficient_version_visible_get(request.access, pk)
    region_id = version.region_id
    context = {
        "version": version, "rows": _coefficient_rows(version, own), "hospital_view": own is not None,
        "progress_url": reverse("settlement:coefficient_progress", args=[version.pk]),
        "can_compute": own is None and rules.can_compute(request.access, region_id),
        "can_publish": own is None and version.status == Lifecycle.READY
        and rules.can_publish(request.access, region_id),
        "can_override": own is None and version.status == Lifecycle.READY
        and rules.can_publish(request.access, region_id),
        "override_form": OverrideForm(),
        "others": CoefficientVersion.objects.filter(region_id=region_id, year=version.year).order_by("-number")
        if own is None else [],
        "level_indices": [(level, version.level_index(level)) for level in (3, 2, 1)],
    }
    return render(request, "settlement/coefficient_version.html", context)


@login_required
def coefficient_progress(request, pk: int):
    version = get_object_or_404(CoefficientVersion, pk=pk)
    rules.reader_hospitals(request.access, version.region_id, version.status)
    response = render(request, "settlement/_progress.html", {
        "item": version, "url": reverse("settlement:coefficient_progress", args=[version.pk])})
    if version.status not in BUSY and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def coefficient_override(request, pk: int):
    row = get_object_or_404(HospitalCoefficient.objects.select_related("version", "hospital"), pk=pk)
    rules.require_region_reader(request.access, row.region_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{row.hospital.code}: {form.fields[field].label}: {error}")
        return redirect("settlement:coefficient_version", pk=row.version_id)
    try:
        services().coefficient_override(actor=request.user, row=row, value=form.cleaned_data["value"],
                                        reason=form.cleaned_data["reason"])
        messages.success(request, _("Coefficient of %(h)s set to %(v)s.") % {"h": row.hospital.name,
                                                                             "v": form.cleaned_data["value"]})
    except DomainError as err:
        fail(request, err)
    return redirect("settlement:coefficient_version", pk=row.version_id)


@login_required
@require_POST
def coefficient_publish(request, pk: int):
    version = get_object_or_404(CoefficientVersion, pk=pk)
    rules.require_region_reader(request.access, version.region_id)
    try:
        services().coefficients_publish(actor=request.user, version=version)
        messages.success(request, _("Coefficient version %(n)s published.") % {"n": version.number})
    except DomainError as err:
        fail(request, err)
    return redirect("settlement:coefficient_version", pk=version.pk)


@login_required
def coefficient_export(request, pk: int):
    version, own = selectors.coefficient_version_visible_get(request.access, pk)
    rows = exports.coefficient_rows(version, own)
    response = StreamingHttpResponse(exports.stream_csv(exports.COEFFICIENT_COLUMNS, rows),
                                     content_type="text/csv; charset=utf-8")
    name = f"coefficients_{version.region.code}_{version.year}_v{version.number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- runs ------------------------------------------------------------------------------------------


def _visible_runs(request):
    """Every run of the regions read wholly, plus published runs of the regions of a hospital user."""
    if not request.access.readable_region_ids():
        raise PermissionDenied
    return selectors.runs_visible(request.access).select_related("region")


@login_required
def run_list(request):
    runs = _visible_runs(request).order_by("-created_at", "-pk")
    filterset = RunFilter(request.GET, queryset=runs)
    startable = compute_regions(request)
    return render(request, "settlement/run_list.html", {
        "filter": filterset, "page_obj": pages(request, filterset.qs),
        "form": RunStartForm(regions=startable) if startable else None,
        "kinds": RunKind.choices, "statuses": Lifecycle.choices,
    })


@login_required
@require_POST
def run_start(request):
    startable = compute_regions(request)
    if not startable:
        raise PermissionDenied
    form = RunStartForm(request.POST, regions=startable)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("settlement:run_list")
    try:
        run = services().settlement_run_start(actor=request.user, region=form.cleaned_data["region"],
                                              kind=form.cleaned_data["kind"], period=form.cleaned_data["period"])
    except DomainError as err:
        fail(request, err)
        return redirect("settlement:run_list")
    messages.success(request, _("Run %(run)s started.") % {"run": run})
    return redirect("settlement:run_detail", pk=run.pk)


def _run_for_reader(request, pk: int) -> tuple[SettlementRun, set[int] | None]:
    return selectors.run_visible_get(request.access, pk)


def _type_distribution(run: SettlementRun, hospital_ids: set[int] | None = None) -> list[dict]:
    qs = CaseResult.objects.filter(run=run)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    counts = {row["case_type"]: row for row in qs.values("case_type").annotate(
        n=Count("id"), adjusted=Sum("adjusted_points"))}
    return [{"type": value, "label": str(label), "n": counts[value]["n"], "adjusted": counts[value]["adjusted"]}
            for value, label in CaseType.choices if value in counts]


@login_required
def run_detail(request, pk: int):
    run, own = _run_for_reader(request, pk)
    if own is not None:
        return redirect("settlement:statement", pk=run.pk)
    hospitals = list(HospitalResult.objects.filter(run=run).select_related("hospital").order_by("hospital__code"))
    types = _type_distribution(run)
    charts = {
        "hospitals": {"labels": [h.hospital.name for h in hospitals],
                      "values": [str(h.adjusted_points) for h in hospitals], "series": _("Adjusted points")},
        "types": {"data": [{"name": t["label"], "value": t["n"]} for t in types], "series": _("Cases")},
    }
    region_id = run.region_id
    return render(request, "settlement/run_detail.html", {
        "run": run, "hospitals": hospitals, "types": types, "charts": charts,
        "progress_url": reverse("settlement:run_progress", args=[run.pk]),
        "busy": run.status in BUSY, "simulation": run.kind == RunKind.SIMULATION,
        "pv_formula": point_value_formula(run), "fund_formulas": fund_point_value_formulas(run),
        "can_publish": run.status == Lifecycle.READY and rules.can_publish(request.access, region_id),
        "versions": SettlementRun.objects.filter(region_id=region_id, kind=run.kind, period=run.period)
        .order_by("-version"),
    })


@login_required
def run_progress(request, pk: int):
    run, _own = _run_for_reader(request, pk)
    response = render(request, "settlement/_progress.html", {
        "item": run, "url": reverse("settlement:run_progress", args=[run.pk])})
    if run.status not in BUSY and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_publish(request, pk: int):
    run = get_object_or_404(SettlementRun, pk=pk)
    rules.require_region_reader(request.access, run.region_id)
    try:
        services().settlement_run_publish(actor=request.user, run=run)
        messages.success(request, _("Run %(run)s published.") % {"run": run})
    except DomainError as err:
        fail(request, err)
    return redirect("settlement:run_detail", pk=run.pk)


def _case_list(request, run: SettlementRun, own: set[int] | None):
    qs = CaseResult.objects.filter(run=run)
    if own is not None:
        qs = qs.filter(hospital_id__in=own)
    # (hospital_id, id) follows the (run, hospital) index: page 1 of a million-case run needs no full sort.
    filterset = CaseResultFilter(request.GET, queryset=qs.with_inputs().select_related("hospital")
                                 .order_by("hospital_id", "id"))
    return filterset, pages(request, filterset.qs)


@login_required
def run_cases(request, pk: int):
    run, own = _run_for_reader(request, pk)
    filterset, page_obj = _case_list(request, run, own)
    hospitals = Hospital.objects.filter(region_id=run.region_id).order_by("code")
    if own is not None:
        hospitals = hospitals.filter(pk__in=own)
    return render(request, "settlement/run_cases.html", {
        "run": run, "filter": filterset, "page_obj": page_obj, "hospitals": hospitals,
        "case_types": CaseType.choices, "hospital_view": own is not None,
    })


@login_required
def statement(request, pk: int):
    """One hospital's statement: its own hospital for hospital users, `?hospital=ID` for readers."""
    run, own = _run_for_reader(request, pk)
    rows = HospitalResult.objects.filter(run=run).select_related("hospital").order_by("hospital__code")
    if own is not None:
        rows = rows.filter(hospital_id__in=own)
    wanted = request.GET.get("hospital", "")
    row = rows.filter(hospital_id=int(wanted)).first() if wanted.isdigit() else rows.first()
    if row is None:
        raise Http404
    qs = CaseResult.objects.filter(run=run, hospital_id=row.hospital_id)
    params = request.GET.copy()
    params.pop("hospital", None)  # here `hospital` picks the statement, it is not a case filter
    filterset = CaseResultFilter(params, queryset=qs.with_inputs().order_by("id"))
    funds = list(HospitalFundResult.objects.filter(run=run, hospital_id=row.hospital_id).order_by("insurance_type"))
    return render(request, "settlement/statement.html", {
        "run": run, "row": row, "types": _type_distribution(run, {row.hospital_id}),
        "funds": [{"row": f, "label": fund_label(f.insurance_type),
                   "formula": f"{f.adjusted_points} × {f.point_value if f.point_value is not None else '—'} − "
                              f"{f.self_pay} = {f.due}"} for f in funds],
        "lines": section10_lines(row),
        "filter": filterset, "page_obj": pages(request, filterset.qs), "case_types": CaseType.choices,
        "hospital_view": own is not None, "simulation": run.kind == RunKind.SIMULATION,
        "others": rows if own is None else [],
        "due_formula": (f"{row.adjusted_points} × {row.point_value} − {row.self_pay} = "
                        f"{row.due_before if row.due_before is not None else row.due}"),
    })


@login_required
def run_export(request, pk: int, table: str, fmt: str):
    """CSV (streamed) or XLSX of the hospital or case table; hospital users get their own rows only."""
    run, own = _run_for_reader(request, pk)
    if table == "cases":
        columns, rows = exports.CASE_COLUMNS, exports.case_rows(run, own)
    elif table == "hospitals":
        columns, rows = exports.hospital_columns(run), exports.hospital_rows(run, own)
    elif table == "funds" and run.point_values:
        columns, rows = exports.FUND_COLUMNS, exports.fund_rows(run, own)
    else:
        raise Http404
    name = f"settlement_{run.region.code}_{run.kind}_{run.period}_v{run.version}_{table}"
    if fmt == "csv":
        response = StreamingHttpResponse(exports.stream_csv(columns, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        if table == "cases" and exports.case_queryset(run, own).count() > exports.XLSX_MAX_ROWS:
            messages.error(request, _("Too many cases for one XLSX sheet: download the CSV instead."))
            return redirect("settlement:run_detail", pk=run.pk)
        handle = exports.xlsx_file(columns, rows, title=table)
        return FileResponse(handle, as_attachment=True, filename=f"{name}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    raise Http404


@login_required
def case_result(request, pk: int):
    """Why this amount: the formula of the case's type with the case's own numbers (domain §4)."""
    result, own = selectors.case_result_visible_get(request.access, pk)
    run = result.run
    return render(request, "settlement/case_result.html", {
        "result": result, "run": run, "case": result.case, "steps": case_steps(result, run),
        "fund": fund_label(result.insurance_type or getattr(result.case, "insurance_type", "")) or "—",
        "fund_pv": (run.point_values or {}).get(result.insurance_type) or run.point_value,
        "cost_based": result.case_type in COST_BASED_TYPES, "hospital_view": own is not None,
    })


# --- dashboard widget -----------------------------------------------------------------------------


def latest_run_widget(request) -> dict | None:
    """Per region the latest published run's point value; hospital users also see their own fund due."""
    items = []
    for region_id in request.access.region_ids:
        wide, own = request.access.reads_region(region_id), request.access.own_hospitals(region_id)
        if not wide and not own:
            continue
        run = (SettlementRun.objects.filter(region_id=region_id, status=Lifecycle.PUBLISHED)
               .exclude(kind=RunKind.SIMULATION).select_related("region").order_by("-published_at", "-pk").first())
        if run is None:
            continue
        hospitals = [] if wide else list(HospitalResult.objects.filter(run=run, hospital_id__in=own)
                                         .select_related("hospital").order_by("hospital__code"))
        items.append({"run": run, "hospitals": hospitals})
        if len(items) >= 6:
            break
    return {"runs": items} if items else None


# --- upload deadlines (domain §10) ----------------------------------------------------------------


def _month_regions(request) -> list[Region]:
    ids = request.access.readable_region_ids()
    return list(Region.objects.filter(pk__in=ids).order_by("code"))


def _last_month() -> str:
    from django.utils import timezone

    today = timezone.localdate()
    y, m = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{y}-{m:02d}"


@login_required
def month_status(request):
    """A month's declarations (提交) per hospital: deadline, declared at, 逾期, advance suspended.

    Hospital users declare their own month here; bureau staff flag the overdue ones after the deadline.
    """
    from .deadlines import deadline_of
    from .deadlines import month_status as rows_of

    code = request.GET.get("region", "")
    if code and not Region.objects.filter(code=code, pk__in=request.access.region_ids).exists():
        raise Http404  # another region's month: not even its existence
    regions = _month_regions(request)
    if not regions:
        raise PermissionDenied
    region = next((r for r in regions if r.code == (code or regions[0].code)), None)
    if region is None:
        raise PermissionDenied
    period = (request.GET.get("period") or _last_month()).strip()
    try:
        rows = rows_of(request.access, region, period)
        deadline = deadline_of(region, period)
    except DomainError as err:
        fail(request, err)
        period = _last_month()
        rows, deadline = rows_of(request.access, region, period), deadline_of(region, period)
    return render(request, "settlement/month_status.html", {
        "regions": regions, "region": region, "period": period, "rows": rows, "deadline": deadline,
        "hospital_view": not request.access.reads_region(region.pk),
        "can_flag": rules.can_compute(request.access, region.pk),
        "back": reverse("settlement:month_status") + f"?region={region.code}&period={period}",
    })


@login_required
@require_POST
def month_submit(request):
    """The hospital user's 提交 button: declare the month's lists complete (own hospital only, else 404)."""
    region = get_object_or_404(Region, code=request.POST.get("region", ""), pk__in=request.access.region_ids)
    period = request.POST.get("period", "")
    hospital = request.POST.get("hospital", "")
    try:
        services().month_submit(actor=request.user, region=region, period=period,
                                hospital=int(hospital) if hospital.isdigit() else None)
        messages.success(request, _("%(period)s declared complete.") % {"period": period})
    except DomainError as err:
        if err.status == 404:
            raise Http404
        fail(request, err)
    return redirect(reverse("settlement:month_status") + f"?region={region.code}&period={period}")


@login_required
@require_POST
def month_flag(request):
    """Bureau staff: flag 逾期 now (what the daily task does) the hospitals that missed the month's deadline."""
    region = get_object_or_404(Region, code=request.POST.get("region", ""), pk__in=request.access.region_ids)
    period = request.POST.get("period", "")
    rules.require_region_reader(request.access, region.pk)
    try:
        rows = services().months_flag_overdue(actor=request.user, region=region, period=period)
        messages.success(request, _("%(n)s hospitals flagged overdue.") % {"n": len(rows)})
    except DomainError as err:
        fail(request, err)
    return redirect(reverse("settlement:month_status") + f"?region={region.code}&period={period}")


def deadlines_widget(request) -> dict | None:
    """Bureau dashboard: per region the latest month past its deadline — declared, overdue, suspended — and the
    latest suspension / declaration / release events."""
    from .deadlines import latest_due_period
    from .deadlines import month_status as rows_of

    items = []
    for region in _month_regions(request):
        if not request.access.reads_region(region.pk):
            continue
        period = latest_due_period(region)
        if period is None:
            continue
        rows = rows_of(request.access, region, period)
        items.append({"region": region, "period": period, "total": len(rows),
                      "submitted": sum(1 for r in rows if r["submitted_at"]),
                      "overdue": [r for r in rows if r["overdue"]],
                      "suspended": sum(1 for r in rows if r["suspended"])})
    if not items:
        return None
    events = (AuditEvent.objects.filter(region_id__in=[i["region"].pk for i in items], action__in=[
        "settlement.advance_suspend", "settlement.advance_release", "settlement.month_submit",
        "settlement.month_overdue"]).order_by("-pk")[:8])
    events = list(events)
    ids = {(e.new or {}).get("hospital") for e in events}
    names = dict(Hospital.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))
    for e in events:
        e.hospital_name = names.get((e.new or {}).get("hospital"), "")
        e.period = (e.new or {}).get("period", "")
    return {"regions": items, "events": events}
