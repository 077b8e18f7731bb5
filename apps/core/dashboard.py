"""Landing-page widgets per role. Apps add their own from AppConfig.ready():

    from apps.core.dashboard import register_widget
    register_widget("cases_overview", BUREAU_ROLES, "cases/widgets/overview.html",
                    cases_overview_context, order=30)

`context_fn(request)` returns the widget's data (available in its template as `data`) or None to
hide it. It runs inside the request's region scope; it must count only what `request.access`
lets the user read (a second region's rows must never be counted).

`cached=True` keeps a widget's data in Django's cache per user, keyed by the newest audit event of the user's
regions (`data_stamp`) and the date: every state change goes through a service that writes an audit event, so
the next dashboard after any action recomputes, and a quiet region's dashboard is served from the cache
(decision 0048). Only widgets whose figures change through audited services may opt in — not unread
notifications, for example (reading is not audited). `CACHE_SECONDS` bounds what changes with the clock alone
(an upcoming session that starts, the last 30 days of audit events).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from apps.hospitals.enums import HospitalType, Level
from apps.hospitals.models import Hospital
from apps.tenants.enums import PaymentMethod, Role
from apps.tenants.models import Membership, PolicyYear, Province, Region, User
from apps.tenants.roles import BUREAU_AND_AUDITORS, HOSPITAL_ROLES, REGION_AUDITORS

ContextFn = Callable[[Any], dict | None]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Widget:
    key: str
    roles: frozenset[str]
    template_name: str
    context_fn: ContextFn
    order: int = 100
    cached: bool = False


WIDGETS: dict[str, Widget] = {}
CACHE_SECONDS = 300
_MISSING = object()

# The newest audit event of each region: one index probe per region on (region_id, id) (core 0003_list_indexes).
STAMP_SQL = """
SELECT max(last.id) FROM unnest(%s::bigint[]) AS r(id)
CROSS JOIN LATERAL (SELECT e.id FROM core_auditevent e WHERE e.region_id = r.id ORDER BY e.id DESC LIMIT 1) AS last
"""


def register_widget(key: str, roles: Iterable[str], template_name: str, context_fn: ContextFn, order: int = 100,
                    cached: bool = False) -> None:
    """Add (or replace, by key) a dashboard widget shown to users holding any of `roles`.

    `cached`: its data depends only on rows that audited services change (see the module docstring)."""
    WIDGETS[key] = Widget(key, frozenset(str(r) for r in roles), template_name, context_fn, order, cached)


def data_stamp(access) -> str:
    """What a cached widget's data is valid for: the newest audit event id of the user's regions and today."""
    newest = None
    if access.region_ids:
        with connection.cursor() as cursor:
            cursor.execute(STAMP_SQL, [access.region_ids])
            newest = cursor.fetchone()[0]
    return f"{newest or 0}:{timezone.localdate().isoformat()}"


def _cache_prefix(request) -> str:
    """Per user and per access (roles, hospitals, provinces): a changed membership is a new key, never a leak."""
    access = request.access
    shape = repr((access.user_id, access.is_platform_admin, sorted((r, sorted(x)) for r, x in access.roles.items()),
                  sorted((r, sorted(x)) for r, x in access.hospitals.items()), sorted(access.expert_affiliations),
                  sorted(access.province_ids), get_language()))
    return "dash:" + hashlib.sha256(shape.encode()).hexdigest()[:32] + ":" + data_stamp(access) + ":"


def widgets_for(request) -> list[dict[str, Any]]:
    """The widgets for the user's roles, in order, each with its data and rendered HTML.

    A widget that fails is logged and shown as "unavailable" (re-raised when DEBUG is on), so one
    app's broken widget never takes the whole landing page down. Cached widgets are read with one
    `get_many` and the missing ones written back with one `set_many`.
    """
    roles = request.access.all_roles()
    widgets = [w for w in sorted(WIDGETS.values(), key=lambda w: (w.order, w.key)) if roles & w.roles]
    prefix = _cache_prefix(request) if any(w.cached for w in widgets) else ""
    stored = (_cache_call(cache.get_many, [prefix + w.key for w in widgets if w.cached]) or {}) if prefix else {}
    fresh: dict[str, Any] = {}
    rendered = []
    for widget in widgets:
        try:
            data = stored.get(prefix + widget.key, _MISSING) if widget.cached else _MISSING
            if data is _MISSING:
                data = widget.context_fn(request)
                if widget.cached:
                    fresh[prefix + widget.key] = data
            if data is None:
                continue
            html = render_to_string(widget.template_name, {"data": data}, request=request)
        except Exception:
            if settings.DEBUG:
                raise
            logger.exception("dashboard widget %s failed", widget.key)
            data, html = None, render_to_string("core/widgets/unavailable.html", {"key": widget.key}, request=request)
        rendered.append({"key": widget.key, "template_name": widget.template_name, "data": data, "html": html})
    if fresh:
        _cache_call(cache.set_many, fresh, CACHE_SECONDS)
    return rendered


def _cache_call(method, *args):
    """A cache that is down (a shared backend) costs the widgets' queries, never the page."""
    try:
        return method(*args)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        return None


def primary_role(roles: set[str]) -> str | None:
    """The role the landing page is titled after: the most senior one the user holds."""
    return next((r for r in Role.values if r in roles), None)


# ---- built-in widgets (master data that exists from the start) ----

def region_overview(request) -> dict | None:
    """Per region the user reads wholly as bureau/auditor: hospitals by level and type, users, policy years."""
    ids = request.access.regions_with(*BUREAU_AND_AUDITORS)
    if not ids:
        return None
    today = timezone.localdate()
    hospitals = Hospital.objects.filter(region_id__in=ids, active=True)
    totals = {
        row["region_id"]: row
        for row in hospitals.values("region_id").annotate(
            n=Count("id"), drg=Count("id", filter=Q(drg_enabled_from__isnull=False, drg_enabled_from__lte=today)),
        )
    }
    by_level: dict[int, dict[int, int]] = {}
    for row in hospitals.values("region_id", "level").annotate(n=Count("id")):
        by_level.setdefault(row["region_id"], {})[row["level"]] = row["n"]
    by_type: dict[int, dict[str, int]] = {}
    for row in hospitals.values("region_id", "type").annotate(n=Count("id")):
        by_type.setdefault(row["region_id"], {})[row["type"]] = row["n"]
    users = dict(
        Membership.objects.filter(region_id__in=ids, user__is_active=True)
        .values("region_id").annotate(n=Count("user", distinct=True)).values_list("region_id", "n")
    )
    years: dict[int, list[int]] = {}
    for region_id, year in PolicyYear.objects.filter(region_id__in=ids).order_by("-year").values_list("region_id", "year"):
        years.setdefault(region_id, []).append(year)
    regions = []
    for region in Region.objects.filter(pk__in=ids).order_by("code"):
        total = totals.get(region.pk, {"n": 0, "drg": 0})
        levels = by_level.get(region.pk, {})
        types = by_type.get(region.pk, {})
        regions.append({
            "region": region,
            "hospitals": total["n"],
            "drg_enabled": total["drg"],
            "users": users.get(region.pk, 0),
            "policy_years": years.get(region.pk, []),
            "by_level": [{"label": label, "n": levels.get(value, 0)} for value, label in reversed(Level.choices)],
            "by_type": [{"label": label, "n": types.get(value, 0)} for value, label in HospitalType.choices],
        })
    return {"regions": regions}


def recent_audit(request) -> dict | None:
    """The latest audit events of the regions where the user may read the audit trail."""
    from .models import AuditEvent

    ids = request.access.regions_with(*REGION_AUDITORS)
    if not ids:
        return None
    events = AuditEvent.objects.filter(region_id__in=ids)
    since = timezone.now() - dt.timedelta(days=30)
    return {"events": list(events.select_related("region")[:8]), "last_30_days": events.filter(at__gte=since).count()}


def my_hospital(request) -> dict | None:
    """The hospital(s) of a hospital role, and how many colleagues share it."""
    access = request.access
    hospital_ids = access.hospital_ids()
    if not hospital_ids:
        return None
    colleagues = dict(
        Membership.objects.filter(hospital_id__in=hospital_ids, role__in=HOSPITAL_ROLES,
                                  user__is_active=True)
        .exclude(user_id=access.user_id)
        .values("hospital_id").annotate(n=Count("user", distinct=True)).values_list("hospital_id", "n")
    )
    hospitals = Hospital.objects.filter(pk__in=hospital_ids).select_related("region").order_by("code")
    return {"hospitals": [{"hospital": h, "colleagues": colleagues.get(h.pk, 0)} for h in hospitals]}


def expert_profile(request) -> dict | None:
    """An expert's region(s) and affiliated hospital (which they never review)."""
    access = request.access
    ids = access.expert_region_ids()
    if not ids:
        return None
    regions = list(Region.objects.filter(pk__in=ids).order_by("code"))
    affiliations = list(Hospital.objects.filter(pk__in=access.expert_affiliations, region_id__in=ids).order_by("code"))
    counts = dict(Hospital.objects.filter(region_id__in=ids, active=True).values("region_id")
                  .annotate(n=Count("id")).values_list("region_id", "n"))
    return {"regions": [{"region": r, "hospitals": counts.get(r.pk, 0)} for r in regions], "affiliations": affiliations}


def province_regions(request) -> dict | None:
    """The supervisor's province(s): every region side by side."""
    access = request.access
    if not access.province_ids:
        return None
    regions = list(Region.objects.filter(province_id__in=access.province_ids, pk__in=access.region_ids)
                   .select_related("province").order_by("province__code", "code"))
    ids = [r.pk for r in regions]
    today = timezone.localdate()
    totals = {
        row["region_id"]: row
        for row in Hospital.objects.filter(region_id__in=ids, active=True).values("region_id").annotate(
            n=Count("id"), drg=Count("id", filter=Q(drg_enabled_from__isnull=False, drg_enabled_from__lte=today)),
        )
    }
    users = dict(Membership.objects.filter(region_id__in=ids, user__is_active=True).values("region_id")
                 .annotate(n=Count("user", distinct=True)).values_list("region_id", "n"))
    rows = [{
        "region": r,
        "hospitals": totals.get(r.pk, {}).get("n", 0),
        "drg_enabled": totals.get(r.pk, {}).get("drg", 0),
        "users": users.get(r.pk, 0),
    } for r in regions]
    total = {key: sum(row[key] for row in rows) for key in ("hospitals", "drg_enabled", "users")}
    provinces = list(Province.objects.filter(pk__in=access.province_ids).order_by("code"))
    return {"provinces": provinces, "rows": rows, "total": total}


def platform_overview(request) -> dict | None:
    """Platform administrators: how many provinces, regions, hospitals and users the platform serves."""
    if not request.access.is_platform_admin:
        return None
    methods = dict(Region.objects.values("payment_method").annotate(n=Count("id")).values_list("payment_method", "n"))
    return {
        "provinces": Province.objects.count(),
        "regions": sum(methods.values()),
        "drg_regions": methods.get(PaymentMethod.DRG, 0),
        "dip_regions": methods.get(PaymentMethod.DIP, 0),
        "hospitals": Hospital.objects.filter(region_id__in=request.access.region_ids, active=True).count(),
        "users": User.objects.filter(is_active=True).count(),
    }


BUREAU_AND_AUDIT = BUREAU_AND_AUDITORS
register_widget("platform_overview", {Role.PLATFORM_ADMIN}, "core/widgets/platform_overview.html", platform_overview, 5)
register_widget("province_regions", {Role.PROVINCE_SUPERVISOR}, "core/widgets/province_regions.html", province_regions, 8,
                cached=True)
register_widget("region_overview", BUREAU_AND_AUDIT, "core/widgets/region_overview.html", region_overview, 10,
                cached=True)
register_widget("my_hospital", HOSPITAL_ROLES, "core/widgets/my_hospital.html", my_hospital, 10, cached=True)
register_widget("expert_profile", {Role.EXPERT}, "core/widgets/expert_profile.html", expert_profile, 10, cached=True)
register_widget("recent_audit", REGION_AUDITORS, "core/widgets/recent_audit.html", recent_audit, 90, cached=True)
