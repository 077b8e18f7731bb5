"""Portal shell screens: the role dashboard, the audit trail and the working-day calendar."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from apps.tenants.models import Region

from . import services
from .calendar import add_working_days
from .context_processors import role_labels
from .dashboard import primary_role, widgets_for
from .errors import DomainError
from .forms import AuditFilterForm, CalendarDayForm, WorkingDaysForm
from .models import AuditEvent, CalendarDay

AUDIT_PAGE_SIZE = 50


@login_required
def dashboard(request):
    roles = request.access.all_roles()
    role = primary_role(roles)
    heading = _("%(role)s workspace") % {"role": Role(role).label} if role else _("Workspace")
    return render(request, "core/dashboard.html", {
        "heading": heading,
        "role_names": role_labels(roles),
        "widgets": widgets_for(request),
        "today": timezone.localdate(),
    })


# ---- audit trail ----

def audit_events(access) -> QuerySet[AuditEvent]:
    """The audit events a user may read: everything for platform admins, else their regions with an audit role."""
    if access.is_platform_admin:
        with scopes_disabled():
            return AuditEvent.objects.all()
    ids = access.audit_region_ids()
    if not ids:
        raise PermissionDenied
    return AuditEvent.objects.filter(region_id__in=ids)


def _changes(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, old, new) rows for display; keys present in either side."""
    old = event.old if isinstance(event.old, dict) else {}
    new = event.new if isinstance(event.new, dict) else {}
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [(key, old.get(key), new.get(key)) for key in keys]


@login_required
def audit_list(request):
    access = request.access
    events = audit_events(access)
    readable = access.region_ids if access.is_platform_admin else access.audit_region_ids()
    regions = list(Region.objects.filter(pk__in=readable).order_by("code"))
    form = AuditFilterForm(
        request.GET or None,
        actions=events.order_by("action").values_list("action", flat=True).distinct(),
        object_types=events.order_by("object_type").values_list("object_type", flat=True).distinct(),
        regions=regions,
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("region"):
            events = events.filter(region__code=data["region"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["actor"]:
            term = data["actor"].strip()
            events = events.filter(Q(actor_name__icontains=term) | Q(actor__username__icontains=term)
                                   | Q(actor__name__icontains=term))
        if data["date_from"]:
            events = events.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(at__date__lte=data["date_to"])
    page = Paginator(events.select_related("region", "actor"), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.changes = _changes(event)
    return render(request, "core/audit_list.html", {"form": form, "page_obj": page, "show_region": len(regions) > 1})


@login_required
def audit_detail(request, pk: int):
    # Scope before role: an event of a region outside the user's scope is 404, never 403.
    if not request.access.is_platform_admin and not AuditEvent.objects.filter(pk=pk).exists():
        raise Http404
    event = audit_events(request.access).select_related("region", "actor").filter(pk=pk).first()
    if event is None:
        raise Http404
    event.changes = _changes(event)
    return render(request, "core/audit_detail.html", {"event": event})


# ---- working-day calendar ----

def _calendar_region(request) -> Region:
    """The region shown: ?region=<code> among the user's regions, else their first one."""
    ids = request.access.region_ids
    if not ids:
        raise PermissionDenied
    code = request.GET.get("region") or request.POST.get("region")
    regions = Region.objects.filter(pk__in=ids)
    region = regions.filter(code=code).first() if code else regions.order_by("code").first()
    if region is None:
        raise Http404
    return region


def _year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def calendar_list(request):
    region = _calendar_region(request)
    year = _year(request.GET.get("year"))
    days = list(CalendarDay.objects.filter(region=region, date__year=year).order_by("date"))
    months: dict[int, list[CalendarDay]] = {}
    for day in days:
        months.setdefault(day.date.month, []).append(day)
    calc = WorkingDaysForm(request.GET if "start" in request.GET else None)
    result = None
    if calc.is_bound and calc.is_valid():
        result = add_working_days(region, calc.cleaned_data["start"], calc.cleaned_data["days"])
    regions = list(Region.objects.filter(pk__in=request.access.region_ids).order_by("code"))
    return render(request, "core/calendar_list.html", {
        "region": region,
        "regions": regions,
        "year": year,
        "years": [year - 1, year, year + 1],
        "months": sorted(months.items()),
        "holidays": sum(1 for d in days if d.kind == CalendarDay.Kind.HOLIDAY),
        "workdays": sum(1 for d in days if d.kind == CalendarDay.Kind.WORKDAY),
        "can_edit": request.access.is_bureau(region.pk),
        "national_years": sorted(services.national_schedule()),
        "form": CalendarDayForm(initial={"date": dt.date(year, 1, 1) if year != timezone.localdate().year else None}),
        "calc": calc,
        "result": result,
    })


def _back(region: Region, year: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('core:calendar_list')}?region={region.code}&year={year}")


@login_required
@require_POST
def calendar_day_add(request):
    region = _calendar_region(request)
    form = CalendarDayForm(request.POST)
    year = _year(request.POST.get("year"))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return _back(region, year)
    data = form.cleaned_data
    try:
        day = services.calendar_day_set(actor=request.user, region=region, date=data["date"], kind=data["kind"],
                                        name=data["name"])
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied(err.message)
        messages.error(request, err.message)
        return _back(region, year)
    messages.success(request, _("%(date)s is now marked as %(kind)s.") % {"date": day.date, "kind": day.get_kind_display()})
    return _back(region, day.date.year)


@login_required
@require_POST
def calendar_day_remove(request):
    region = _calendar_region(request)
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        raise Http404
    try:
        services.calendar_day_remove(actor=request.user, region=region, date=date)
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied(err.message)
        raise Http404
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # htmx removes the table row in place
    messages.success(request, _("%(date)s follows the Monday–Friday rule again.") % {"date": date})
    return _back(region, date.year)


@login_required
@require_POST
def calendar_load(request):
    region = _calendar_region(request)
    year = _year(request.POST.get("year"))
    try:
        summary = services.calendar_load_national(actor=request.user, region=region, year=year)
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied(err.message)
        messages.error(request, err.message)
        return _back(region, year)
    messages.success(request, _("National schedule %(year)s loaded: %(created)s added, %(updated)s corrected, "
                                "%(unchanged)s already up to date.") % {"year": year, **summary})
    return _back(region, year)
