"""Screening screens: the hospital's items with the answer form, the bureau's queue (filters, evidence,
confirm/clear, expert), the expert's opinions, statistics per rule with a chart and its table, XLSX export.
Thin: reads through selectors, writes through services."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.applications.models import ExpertProfile
from apps.applications.selectors import affiliated_hospitals
from apps.core.errors import DomainError, NotFound
from apps.core.models import AuditEvent
from apps.core.web import show_error as _fail
from apps.tenants.models import Region, User

from . import exports, rules, selectors, services
from .enums import Rule, Status
from .models import Attachment

PER_PAGE = 30
FILTERS = ("region", "period", "rule", "status", "hospital")


def _filtered(request):
    values = {k: request.GET.get(k, "").strip() for k in FILTERS}
    qs = selectors.visible_items(request.user).select_related("region", "hospital", "case", "related_case")
    return selectors.filter_items(qs, **values).order_by("-found_at", "-pk"), values


@login_required
def item_list(request):
    if not rules.reads_items(request.access):
        raise PermissionDenied
    qs, values = _filtered(request)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    bureau_regions = request.access.bureau_region_ids()
    return render(request, "screening/list.html", {
        "page_obj": page, "filters": values, "rules": Rule.choices, "statuses": Status.choices,
        "is_hospital": request.access.is_hospital_user(), "is_bureau": bool(bureau_regions),
        "run_regions": Region.objects.filter(pk__in=bureau_regions).order_by("code"),
        "query": request.GET.urlencode(), "today": timezone.localdate(),
    })


@login_required
def my_opinions(request):
    if not request.access.is_expert():
        raise PermissionDenied
    items = (selectors.visible_items(request.user).filter(expert=request.user)
             .select_related("hospital", "case").order_by("status", "-found_at"))
    return render(request, "screening/opinions.html", {"items": items})


@login_required
def item_detail(request, pk: int):
    try:
        item = services.get_item(request.user, pk)
    except NotFound:
        raise Http404 from None
    access = request.access
    can = {a: True for a in services.allowed_actions(request.user, item)}
    experts = []
    if can.get("assign"):
        pool = (ExpertProfile.objects.with_scope(region=[item.region_id])
                .filter(region_id=item.region_id, active=True, user__is_active=True).select_related("user"))
        experts = [p.user for p in pool if item.hospital_id not in affiliated_hospitals(p.user, item.region_id)]
    history = _history(item)
    return render(request, "screening/detail.html", {
        "item": item, "can": can, "experts": experts, "history": history,
        "attachments": list(item.attachments.all()),
        "is_bureau": access.is_bureau(item.region_id),
        "evidence": sorted(item.evidence.items()),
    })


def _history(item) -> list:
    return list(AuditEvent.objects.with_scope(region=[item.region_id])
                .filter(object_type=item._meta.label, object_id=str(item.pk)).order_by("at", "id"))


@login_required
def item_action(request, pk: int, action: str):
    """One POST endpoint per action of the transition table; the services check scope, role and state."""
    if request.method != "POST":
        return redirect("screening:detail", pk)
    try:
        item = services.get_item(request.user, pk)
    except NotFound:
        raise Http404 from None
    done = {"answer": _("Answer sent to the bureau."), "confirm": _("Item confirmed: the case's points are 0 in later settlement runs."), "clear": _("Item cleared as a false positive."),
            "assign": _("Expert asked for an opinion."), "opinion": _("Opinion saved.")}
    post = request.POST
    try:
        if action == "answer":
            services.item_answer(actor=request.user, item=item, text=post.get("text", ""),
                                 files=request.FILES.getlist("files"))
        elif action in ("confirm", "clear"):
            services.ACTIONS[action](actor=request.user, item=item, reason=post.get("reason", ""))
        elif action == "assign":
            expert = User.objects.filter(pk=post.get("expert") or 0).first() if str(post.get("expert", "")).isdigit() else None
            if expert is None:
                messages.error(request, _("Choose an expert."))
                return redirect("screening:detail", pk)
            services.item_assign(actor=request.user, item=item, expert=expert)
        elif action == "opinion":
            services.item_opinion(actor=request.user, item=item, suggestion=post.get("suggestion", ""),
                                  comment=post.get("comment", ""))
        else:
            raise Http404
    except DomainError as err:
        _fail(request, err)
    else:
        messages.success(request, done[action])
    return redirect("screening:detail", pk)


@login_required
def run(request):
    """On-demand screening of a region's period (the same service as `screen_cases`)."""
    if request.method != "POST":
        return redirect("screening:list")
    if not rules.can_run(request.access):
        raise PermissionDenied
    region = Region.objects.filter(code=request.POST.get("region", "")).first()
    if region is None or region.pk not in request.access.region_ids:
        messages.error(request, _("Choose a region."))
        return redirect("screening:list")
    try:
        result = services.screen_cases(actor=request.user, region=region, period=request.POST.get("period", ""))
    except DomainError as err:
        _fail(request, err)
        return redirect("screening:list")
    counts = "，".join(f"{Rule(r).label} {n}" for r, n in result.counts.items())
    messages.success(request, _("Screening of %(period)s done: %(counts)s.") % {"period": result.period,
                                                                                  "counts": counts})
    return redirect(f"{request.build_absolute_uri('/screening/').split('?')[0]}?region={region.code}&period={result.period}")


@login_required
def statistics(request):
    if not rules.reads_statistics(request.access):
        raise PermissionDenied
    qs, values = _filtered(request)
    by_rule = selectors.counts_by_rule(qs)
    chart = {"labels": [str(r["label"]) for r in by_rule],
             "series": [{"name": str(Status(s).label), "key": s, "values": [r[s] for r in by_rule]}
                        for s in Status.values]}
    return render(request, "screening/stats.html", {"by_rule": by_rule, "chart": chart, "filters": values,
                                                    "rules": Rule.choices, "statuses": Status.choices})


@login_required
def export(request):
    if not rules.reads_items(request.access):
        raise PermissionDenied
    qs, _values = _filtered(request)
    return exports.xlsx_response(qs)


@login_required
def attachment_download(request, pk: int):
    """Files only through this view, only for users who may see the item (never a static URL)."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None or not selectors.visible_items(request.user).filter(pk=attachment.item_id).exists():
        raise Http404
    path = settings.PRIVATE_MEDIA_ROOT / "screening" / attachment.stored_name
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)
