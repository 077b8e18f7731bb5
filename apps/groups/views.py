"""Portal screens: the catalogue browser and the group statistics. Thin: reads via selectors, writes via services."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.web import show_error as _fail
from apps.tenants.models import Region

from . import rules
from .exports import write_stats_csv
from .models import Adrg, Catalogue, Group, Mdc, StatsVersion
from .selectors import cost_histogram, published_stats, stats_rows, stats_versions, stats_years
from .services import (
    catalogue_activate,
    catalogue_import,
    catalogue_load_shipped,
    group_stats_compute,
    group_stats_publish,
)

SORTS = {"code": "group_code", "name": "group_name", "n": "n", "mean": "mean_cost", "sd": "sd", "cv": "cv",
         "stable": "stable", "bp": "base_points", "los": "mean_los", "death": "death_rate"}


def _region(request, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or region.pk not in request.access.region_ids:
        raise Http404
    return region


# --- catalogues ----------------------------------------------------------------------------------


@login_required
def catalogue_list(request):
    catalogues = Catalogue.objects.select_related("region")
    counts = dict(Group.objects.values_list("catalogue").annotate(n=Count("id")).values_list("catalogue", "n"))
    manageable = list(Region.objects.filter(pk__in=rules.catalogue_region_ids(request.access)).order_by("code"))
    rows = [{"catalogue": c, "n_groups": counts.get(c.pk, 0),
             "can_manage": rules.can_manage_catalogue(request.access, c.region_id)}
            for c in catalogues.order_by("region__code", "-is_active", "version")]
    return render(request, "groups/catalogue_list.html", {"rows": rows, "manageable": manageable})


def _scores(catalogue: Catalogue) -> tuple[int | None, dict]:
    """The newest published statistics on this catalogue: (year, group code → base points; DIP: 基准分值)."""
    for year in stats_years(catalogue.region):
        version = published_stats(catalogue.region, year)
        if version is not None and version.catalogue_id == catalogue.pk:
            return year, dict(stats_rows(version).values_list("group_code", "base_points"))
    return None, {}


def _tree(catalogue: Catalogue, term: str, scores: dict | None = None) -> list[dict]:
    """MDC → ADRG → groups, restricted to the branches that hold a match when searching."""
    groups = Group.objects.filter(catalogue=catalogue).order_by("code")
    if term:
        groups = groups.filter(Q(code__istartswith=term) | Q(name__icontains=term) | Q(adrg_code__iexact=term))
    by_adrg: dict[str, list[Group]] = defaultdict(list)
    for group in groups:
        group.score = (scores or {}).get(group.code)
        by_adrg[group.adrg_code].append(group)
    adrgs_by_mdc: dict[str, list[dict]] = defaultdict(list)
    adrg_names = {a.code: a for a in Adrg.objects.filter(catalogue=catalogue)}
    for code in sorted(by_adrg):
        adrg = adrg_names.get(code)
        mdc_code = adrg.mdc_code if adrg else (by_adrg[code][0].mdc_code if by_adrg[code] else "")
        adrgs_by_mdc[mdc_code].append({"code": code, "name": adrg.name if adrg else "", "groups": by_adrg[code]})
    mdc_names = dict(Mdc.objects.filter(catalogue=catalogue).values_list("code", "name"))
    return [{"code": code, "name": mdc_names.get(code, ""), "adrgs": adrgs_by_mdc[code],
             "n": sum(len(a["groups"]) for a in adrgs_by_mdc[code])} for code in sorted(adrgs_by_mdc)]


@login_required
def catalogue_detail(request, pk: int):
    catalogue = get_object_or_404(Catalogue.objects.select_related("region"), pk=pk)
    term = request.GET.get("q", "").strip()[:50]
    score_year, scores = _scores(catalogue)
    tree = _tree(catalogue, term, scores)
    context = {"catalogue": catalogue, "tree": tree, "q": term, "n_matches": sum(m["n"] for m in tree),
               "score_year": score_year,
               "can_manage": rules.can_manage_catalogue(request.access, catalogue.region_id)}
    if request.headers.get("HX-Request"):
        return render(request, "groups/_tree.html", context)
    return render(request, "groups/catalogue_detail.html", context)


@login_required
@require_POST
def catalogue_load(request, code: str):
    region = _region(request, code)
    try:
        summary = catalogue_load_shipped(actor=request.user, region=region)
        messages.success(request, _("CHS-DRG 2.0 loaded: %(mdcs)s MDCs, %(adrgs)s ADRGs, %(groups)s groups.") % summary)
    except DomainError as err:
        _fail(request, err)
    return redirect("groups:catalogue_list")


@login_required
@require_POST
def catalogue_upload(request, code: str):
    region = _region(request, code)
    upload = request.FILES.get("file")
    version = request.POST.get("version", "").strip()
    if upload is None or upload.size > 10 * 1024 * 1024:
        messages.error(request, _("Choose a CSV or XLSX file of at most 10 MB."))
        return redirect("groups:catalogue_list")
    try:
        summary = catalogue_import(actor=request.user, region=region, version=version, data=upload.read(),
                                   filename=upload.name, name=request.POST.get("name", ""),
                                   activate=bool(request.POST.get("activate")))
    except DomainError as err:
        _fail(request, err)
        return redirect("groups:catalogue_list")
    messages.success(request, _("%(total)s rows read: %(created)s created, %(updated)s updated, "
                                "%(unchanged)s unchanged, %(rejected)s rejected.") % summary)
    for error in summary["errors"][:50]:
        messages.warning(request, _("Row %(row)s (%(code)s) %(field)s: %(message)s") % error)
    if summary["catalogue_id"]:
        return redirect("groups:catalogue_detail", pk=summary["catalogue_id"])
    return redirect("groups:catalogue_list")


@login_required
@require_POST
def catalogue_make_active(request, pk: int):
    catalogue = get_object_or_404(Catalogue, pk=pk)
    try:
        catalogue_activate(actor=request.user, catalogue=catalogue)
        messages.success(request, _("%(name)s is now the active catalogue.") % {"name": catalogue})
    except DomainError as err:
        _fail(request, err)
    return redirect("groups:catalogue_detail", pk=pk)


# --- statistics ----------------------------------------------------------------------------------


def _reads_all(request, region: Region) -> bool:
    return rules.reads_stats_versions(request.access, region.pk)


def _version(request, region: Region, year: int) -> StatsVersion | None:
    """The shown version: `?v=N` or the latest for region-wide readers; the published one for others."""
    if not _reads_all(request, region):
        return published_stats(region, year)
    number = request.GET.get("v", "")
    versions = stats_versions(region, year)
    if number.isdigit():
        return get_object_or_404(versions, number=int(number))
    return versions.first()


@login_required
def stats_index(request):
    """Regions and years with statistics; `?region=&year=` opens a year (also one without a version yet)."""
    code, year = request.GET.get("region", ""), request.GET.get("year", "")
    if code and year.isdigit():
        region = _region(request, code)
        return redirect("groups:stats", code=region.code, year=int(year))
    this_year = dt.date.today().year
    rows = []
    for region in Region.objects.filter(pk__in=request.access.region_ids).order_by("code"):
        years = stats_years(region)
        rows.append({"region": region, "years": [(y, published_stats(region, y)) for y in years],
                     "next_year": max([this_year, *years])})
    return render(request, "groups/stats_index.html", {"rows": rows})


@login_required
def stats(request, code: str, year: int):
    region = _region(request, code)
    version = _version(request, region, year)
    sort = request.GET.get("sort", "code")
    desc = sort.startswith("-")
    field = SORTS.get(sort.lstrip("-"), "group_code")
    rows = stats_rows(version).order_by(f"-{field}" if desc else field, "group_code") if version else []
    reads_all = _reads_all(request, region)
    context = {
        "region": region, "year": year, "version": version, "rows": rows, "sort": sort,
        "versions": stats_versions(region, year).select_related("computed_by", "published_by") if reads_all else [],
        "can_compute": rules.can_compute_stats(request.access, region.pk),
        "can_publish": rules.can_publish_stats(request.access, region.pk),
        "stable_count": sum(1 for r in rows if r.stable) if version else 0,
        "columns": [("code", _("Group")), ("name", _("Name")), ("n", _("Cases")), ("mean", _("Mean cost")),
                    ("sd", _("SD")), ("cv", _("CV")), ("stable", _("Stability")), ("bp", _("Base points")),
                    ("los", _("Mean LOS")), ("death", _("Death rate"))],
    }
    return render(request, "groups/stats.html", context)


@login_required
def stats_status(request, code: str, year: int, pk: int):
    """The htmx progress fragment; when the computation ends it asks the page to reload."""
    region = _region(request, code)
    if not _reads_all(request, region):
        raise Http404
    version = get_object_or_404(stats_versions(region, year), pk=pk)
    response = render(request, "groups/_status.html", {"version": version, "region": region, "year": year})
    if not version.is_running and request.headers.get("HX-Request"):  # queued or running
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def stats_compute(request, code: str, year: int):
    region = _region(request, code)
    try:
        version = group_stats_compute(actor=request.user, region=region, year=year)
        messages.success(request, _("Version %(n)s started.") % {"n": version.number})
        return redirect(f"{reverse('groups:stats', args=[code, year])}?v={version.number}")
    except DomainError as err:
        _fail(request, err)
    return redirect("groups:stats", code=code, year=year)


@login_required
@require_POST
def stats_publish(request, code: str, year: int, pk: int):
    region = _region(request, code)
    version = get_object_or_404(stats_versions(region, year), pk=pk)
    try:
        group_stats_publish(actor=request.user, version=version)
        messages.success(request, _("Version %(n)s published.") % {"n": version.number})
    except DomainError as err:
        _fail(request, err)
    return redirect(f"{reverse('groups:stats', args=[code, year])}?v={version.number}")


@login_required
def stats_export(request, code: str, year: int):
    region = _region(request, code)
    version = _version(request, region, year)
    if version is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="group_stats_{region.code}_{year}_v{version.number}.csv"'
    write_stats_csv(version, response)
    return response


@login_required
def stats_group(request, code: str, year: int, group_code: str):
    region = _region(request, code)
    version = _version(request, region, year)
    if version is None:
        raise Http404
    row = get_object_or_404(stats_rows(version), group_code=group_code)
    buckets = cost_histogram(version, group_code)
    chart = {"labels": [f"{b['low']}–{b['high']}" for b in buckets], "counts": [b["n"] for b in buckets],
             "mean": str(row.mean_cost), "series": _("Cases"), "x_axis": _("Total cost (yuan)")}
    return render(request, "groups/stats_group.html", {
        "region": region, "year": year, "version": version, "row": row, "buckets": buckets,
        "chart": chart,
    })
