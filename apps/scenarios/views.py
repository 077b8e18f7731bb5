"""What-if screens: the list with the builder, a scenario beside the published figures (table, chart,
XLSX), two scenarios compared, adopt / recompute / delete. Thin views: reads via selectors, writes via services.

Who: region-wide readers see scenarios; bureau staff build, recompute and delete; the bureau
administrator adopts; hospital users and experts get 404 (they may not know a scenario exists).
"""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, NotFound
from apps.core.lifecycle import Lifecycle
from apps.core.vocabulary import localize_terms
from apps.core.web import show_error as _fail
from apps.groups.models import StatsVersion
from apps.tenants.models import PolicyYear, Region

from . import exports, rules, services
from .models import Scenario
from .selectors import readable_region_ids, scenario_compare, scenario_figures, scenario_get, visible_scenarios

# The parameters the builder shows as fields (any other PolicyYear.PARAMETERS name goes in "other").
FORM_PARAMETERS = (
    "fund_budget", "fund_budget_310", "fund_budget_390", "prepay_ratio",
    "low_ratio_1", "low_ratio_2", "low_ratio_3", "high_ratio_1", "high_ratio_2", "high_ratio_3",
    "min_cases", "cv_max", "lln_cases", "base_start", "base_end",
    "w_level", "w_cost", "new_hospital_factor", "bilateral_factor", "multi_site_share",
    "incentive_rate_1", "incentive_rate_2", "incentive_rate_3", "special_case_pct",
)


def _get(request, pk) -> Scenario:
    try:
        return scenario_get(request.access, pk)
    except NotFound:
        raise Http404


def _builder_regions(request) -> list[Region]:
    ids = rules.build_region_ids(request.access)
    return list(Region.objects.filter(pk__in=ids).order_by("code"))


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _policy(region: Region, year: int) -> PolicyYear | None:
    return PolicyYear.objects.with_scope(region=[region.pk]).filter(region=region, year=year).first()


def _fields(policy: PolicyYear | None) -> list[dict]:
    region = policy.region if policy else None
    return [{"name": n, "label": localize_terms(str(PolicyYear._meta.get_field(n).verbose_name), region),
             "value": _plain(getattr(policy, n, None)) if policy else ""} for n in FORM_PARAMETERS]


def _default_year(region: Region) -> int | None:
    """The latest year with published group statistics (a scenario needs them), else the latest policy year."""
    year = (StatsVersion.objects.with_scope(region=[region.pk]).filter(region=region, status=Lifecycle.PUBLISHED)
            .order_by("-year").values_list("year", flat=True).first())
    return year or (PolicyYear.objects.with_scope(region=[region.pk]).filter(region=region).order_by("-year")
                    .values_list("year", flat=True).first())


@login_required
def scenario_list(request):
    if not readable_region_ids(request.access):
        raise PermissionDenied
    scenarios = visible_scenarios(request.access).order_by("-year", "-created_at")
    builders = _builder_regions(request)
    region = next((r for r in builders if r.code == request.GET.get("region")), builders[0] if builders else None)
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else None
    policy = None
    if region is not None:
        year = year or _default_year(region)
        policy = _policy(region, year) if year else None
    return render(request, "scenarios/list.html", {
        "scenarios": scenarios, "builders": builders, "region": region, "year": year,
        "fields": _fields(policy), "names": PolicyYear.PARAMETERS,
    })


def _changed(region: Region, year: int, post) -> dict[str, str]:
    """The builder's values that differ from the year's policy, plus the "other" lines (name=value)."""
    policy = _policy(region, year)
    changed: dict[str, str] = {}
    for name in FORM_PARAMETERS:
        raw = (post.get(f"p_{name}") or "").strip()
        current = _plain(getattr(policy, name, None)) if policy else ""
        if raw != current and not (raw and current and _same_number(raw, current)):
            changed[name] = raw
    for line in (post.get("other") or "").splitlines():
        if line.strip():
            name, _sep, value = line.partition("=")
            changed[name.strip()] = value.strip()
    return changed


def _same_number(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except Exception:  # noqa: BLE001 - not numbers: compare as text
        return False


@login_required
@require_POST
def scenario_create(request):
    builders = _builder_regions(request)
    if not builders:
        raise PermissionDenied
    region = next((r for r in builders if r.code == request.POST.get("region")), None)
    if region is None:
        messages.error(request, _("region: choose one of your regions"))
        return redirect("scenarios:list")
    year = request.POST.get("year", "")
    if not year.isdigit():
        messages.error(request, _("year: not a year"))
        return redirect("scenarios:list")
    try:
        scenario = services.scenario_create(
            actor=request.user, region=region, year=int(year), name=request.POST.get("name", ""),
            parameters=_changed(region, int(year), request.POST), period=request.POST.get("period") or None,
            note=request.POST.get("note", ""))
    except DomainError as err:
        _fail(request, err)
        return redirect(f"{reverse('scenarios:list')}?region={region.code}&year={year}")
    messages.success(request, _("Scenario saved; it is being computed."))
    return redirect("scenarios:detail", pk=scenario.pk)


def _parameter_rows(scenario: Scenario) -> list[dict]:
    policy = _policy(scenario.region, scenario.year)
    return [{"name": name, "label": localize_terms(str(PolicyYear._meta.get_field(name).verbose_name), scenario.region),
             "current": _plain(getattr(policy, name, None)) if policy else "", "scenario": value}
            for name, value in scenario.parameters.items()]


def _chart(figures) -> dict:
    rows = figures.hospitals
    return {"labels": [r["name"] for r in rows],
            "due": [str(r["due"] or 0) for r in rows],
            "published": [str(r["published_due"] or 0) for r in rows],
            "difference": [str(r["difference"] or 0) for r in rows],
            "series": [_("Scenario due"), _("Published due"), _("Difference")]}


@login_required
def scenario_detail(request, pk):
    scenario = _get(request, pk)
    figures = scenario_figures(scenario)
    others = visible_scenarios(request.access).filter(region_id=scenario.region_id, year=scenario.year) \
        .exclude(pk=scenario.pk).order_by("name")
    return render(request, "scenarios/detail.html", {
        "scenario": scenario, "figures": figures, "parameters": _parameter_rows(scenario), "chart": _chart(figures),
        "others": others, "can_build": rules.can_build(request.access, scenario.region_id),
        "can_adopt": rules.can_adopt(request.access, scenario.region_id),
        "busy": scenario.is_busy,
    })


@login_required
def scenario_compare_view(request):
    a, b = _get(request, request.GET.get("a")), _get(request, request.GET.get("b"))
    if a.region_id != b.region_id:
        raise Http404
    figures = scenario_compare(a, b)
    return render(request, "scenarios/compare.html", {"a": a, "b": b, "figures": figures, "chart": _chart(figures)})


def _act(request, pk, action):
    scenario = _get(request, pk)
    try:
        action(scenario)
    except DomainError as err:
        _fail(request, err)
    return scenario


@login_required
@require_POST
def scenario_adopt(request, pk):
    scenario = _act(request, pk, lambda s: services.scenario_adopt(actor=request.user, scenario=s,
                                                                    reason=request.POST.get("reason", "")))
    scenario.refresh_from_db()
    if scenario.adopted_at:
        messages.success(request, _("The scenario's parameters are now the policy of %(year)s.") % {"year": scenario.year})
    return redirect("scenarios:detail", pk=scenario.pk)


@login_required
@require_POST
def scenario_recompute(request, pk):
    scenario = _act(request, pk, lambda s: services.scenario_recompute(actor=request.user, scenario=s))
    return redirect("scenarios:detail", pk=scenario.pk)


@login_required
@require_POST
def scenario_delete(request, pk):
    scenario = _get(request, pk)
    try:
        services.scenario_delete(actor=request.user, scenario=scenario)
    except DomainError as err:
        _fail(request, err)
        return redirect("scenarios:detail", pk=scenario.pk)
    messages.success(request, _("Scenario deleted."))
    return redirect("scenarios:list")


@login_required
def scenario_export(request, pk):
    scenario = _get(request, pk)
    data = exports.scenario_xlsx(scenario, scenario_figures(scenario))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.region.code}-{scenario.year}-{scenario.pk}.xlsx"'
    return response
