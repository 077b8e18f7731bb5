"""Notice screens. Bureau: list, create/edit drafts (addressee picker), preview PDF, publish, withdraw, revise,
acknowledgement status, "prepare notice" from published data. Hospital: inbox (unread / unacknowledged),
detail, acknowledge, download. Thin: reads through selectors, writes through services.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, NotFound
from apps.core.pdf import pdf_response, read_stored_pdf
from apps.core.web import show_error as _fail
from apps.hospitals.models import Hospital
from apps.tenants.models import Region

from . import generate, rules, selectors, services
from .documents import issuer_of, render_notice_pdf
from .enums import LIVE, TYPE_CN, NoticeStatus, NoticeType
from .forms import NoticeForm, ReasonForm

PER_PAGE = 30


def _get(request, pk: int):
    try:
        notice = selectors.get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None
    return selectors.annotate_for_hospital(selectors.visible_notices(request.user), request.user).get(pk=notice.pk)


def _draft_regions(request) -> list[Region]:
    ids = [r for r in request.access.region_ids if rules.can_draft(request.user, r)]
    return list(Region.objects.filter(pk__in=ids).order_by("code"))


def _reads_any(request) -> bool:
    return any(rules.reads_region(request.user, r) for r in request.access.region_ids)


# --- lists -------------------------------------------------------------------------------------------


@login_required
def notice_list(request):
    """Region-wide readers: every notice of their regions with filters. Hospital users: their inbox."""
    if not _reads_any(request):
        if selectors.hospital_ids_of(request.user):
            return redirect("notices:inbox")
        raise PermissionDenied
    qs = selectors.visible_notices(request.user)
    status, kind, q = (request.GET.get(k, "") for k in ("status", "type", "q"))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(type=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(title_i18n__icontains=q) | Q(doc_number__icontains=q))
    page_obj = Paginator(qs.order_by("-published_at", "-created_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {
        "page_obj": page_obj, "statuses": NoticeStatus.choices, "types": NoticeType.choices,
        "filters": {"status": status, "type": kind, "q": q}, "can_draft": bool(_draft_regions(request)),
        "this_year": timezone.localdate().year})


@login_required
def inbox(request):
    if not selectors.hospital_ids_of(request.user):
        return redirect("notices:list")
    qs = selectors.inbox(request.user)
    show = request.GET.get("show", "")
    if show == "unread":
        qs = qs.filter(is_read=False)
    elif show == "unacknowledged":
        qs = qs.filter(acknowledged=False, status__in=LIVE)
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page_obj": page_obj, "counts": selectors.inbox_counts(request.user),
                                                  "show": show})


# --- drafts ------------------------------------------------------------------------------------------


def _hospitals(region_id: int):
    return Hospital.objects.filter(region_id=region_id).order_by("code")


@login_required
def notice_new(request):
    regions = _draft_regions(request)
    if not regions:
        raise PermissionDenied
    code = request.POST.get("region") or request.GET.get("region")
    region = next((r for r in regions if r.code == code), regions[0])
    form = NoticeForm(request.POST or None, hospitals=_hospitals(region.pk))
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(actor=request.user, region=region, **form.notice_fields())
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Draft saved. Preview the PDF, then publish."))
            return redirect("notices:detail", notice.pk)
    return render(request, "notices/form.html", {"form": form, "regions": regions, "region": region, "notice": None})


@login_required
def notice_edit(request, pk: int):
    notice = _get(request, pk)
    if not rules.can_draft(request.user, notice.region_id):
        raise PermissionDenied
    if notice.status != NoticeStatus.DRAFT:
        messages.error(request, _("A published notice never changes."))
        return redirect("notices:detail", notice.pk)
    form = NoticeForm(request.POST or None, initial=NoticeForm.initial_from(notice),
                      hospitals=_hospitals(notice.region_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(actor=request.user, notice=notice, **form.notice_fields())
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("notices:detail", notice.pk)
    return render(request, "notices/form.html", {"form": form, "region": notice.region, "notice": notice,
                                                 "regions": []})


@login_required
@require_POST
def prepare(request, kind: str, source_id: int):
    """"Prepare notice" buttons of the published coefficient, statistics and settlement-run pages."""
    user = request.user
    try:
        if kind == "coefficients":
            notice = generate.prepare_coefficient_notice(actor=user, version_id=source_id)
        elif kind == "stats":
            notice = generate.prepare_points_notice(actor=user, stats_id=source_id)
        elif kind == "run-points":
            notice = generate.prepare_point_value_notice(actor=user, run_id=source_id)
        elif kind == "run":
            notices = generate.prepare_settlement_notices(actor=user, run_id=source_id)
            messages.success(request, _("%(n)d settlement statements prepared as drafts, one per hospital.")
                             % {"n": len(notices)})
            return redirect(f"{reverse('notices:list')}?status=draft&type=settlement")
        elif kind == "run-publish":
            notices = generate.publish_settlement_notices(actor=user, run_id=source_id)
            messages.success(request, _("%(n)d settlement statements published, one per hospital.")
                             % {"n": len(notices)})
            return redirect(f"{reverse('notices:list')}?status=published&type=settlement")
        elif kind == "applications":
            regions = _draft_regions(request)
            region = next((r for r in regions if r.code == request.POST.get("region")), regions[0] if regions else None)
            if region is None:
                raise PermissionDenied
            notice = generate.prepare_review_result_notice(actor=user, region=region, year=source_id)
        else:
            raise Http404
    except DomainError as err:
        _fail(request, err)
        return redirect(request.META.get("HTTP_REFERER") or reverse("notices:list"))
    if not rules.can_draft(user, notice.region_id):
        raise PermissionDenied
    messages.success(request, _("Draft prepared with the published tables. Check it, then publish."))
    return redirect("notices:detail", notice.pk)


@login_required
@require_POST
def prepare_review_results(request):
    year = request.POST.get("year", "")
    if not year.isdigit():
        messages.error(request, _("Give the year of the results."))
        return redirect("notices:list")
    return prepare(request, "applications", int(year))


# --- detail, documents, actions ----------------------------------------------------------------------


@login_required
def notice_detail(request, pk: int):
    notice = _get(request, pk)
    user = request.user
    services.notice_mark_read(user=user, notice=notice)
    reads = rules.reads_region(user, notice.region_id)
    own = rules.own_hospitals(user, notice.region_id)
    context = {
        "notice": notice, "type_cn": TYPE_CN.get(notice.type, ""), "is_reader": reads,
        "can_edit": rules.can_draft(user, notice.region_id) and notice.status == NoticeStatus.DRAFT,
        "can_publish": rules.can_publish(user, notice.region_id),
        "can_acknowledge": bool(own) and notice.status in LIVE and not notice.acknowledged,
        "is_hospital": bool(own), "reason_form": ReasonForm(), "blocks": _blocks_for_screen(notice),
        "issuer": issuer_of(notice.region), "live": notice.status in LIVE,
    }
    if reads and notice.status != NoticeStatus.DRAFT:
        rows = selectors.acknowledgement_status(notice)
        context["ack_rows"] = rows
        context["ack_missing"] = [r for r in rows if not r["acknowledged"]]
    return render(request, "notices/detail.html", context)


def _blocks_for_screen(notice) -> list[dict]:
    """Tables of the notice for the HTML page (a long case statement shows its first rows only)."""
    out = []
    for block in notice.blocks or []:
        if block.get("kind") == "table":
            rows = block.get("rows") or []
            out.append({"kind": "table", "caption": block.get("caption", ""), "headers": block.get("headers", []),
                        "rows": rows[:200], "more": max(0, len(rows) - 200),
                        "numeric": set(block.get("numeric_columns") or [])})
        elif block.get("kind") == "settlement_cases":
            out.append({"kind": "note", "text": _("Case statement of the hospital (in the PDF).")})
        else:
            out.append({"kind": block.get("kind"), "text": block.get("text", "")})
    return out


@login_required
def notice_preview(request, pk: int):
    """A draft rendered on the fly (not stored); a published notice redirects to its stored PDF."""
    notice = _get(request, pk)
    if notice.status != NoticeStatus.DRAFT:
        return redirect("notices:pdf", notice.pk)
    if not rules.can_draft(request.user, notice.region_id):
        raise Http404
    return pdf_response(render_notice_pdf(notice), f"preview-{notice.pk}.pdf")


@login_required
def notice_pdf(request, pk: int):
    notice = _get(request, pk)
    if not notice.pdf_ready:
        raise Http404
    try:
        content = read_stored_pdf(notice.pdf_path, notice.sha256)
    except NotFound:
        raise Http404 from None
    services.notice_mark_read(user=request.user, notice=notice)
    inline = request.GET.get("download") != "1"
    response = pdf_response(content, f"{notice.doc_number or notice.title}.pdf", inline=inline)
    response["X-Content-SHA256"] = notice.sha256
    return response


@login_required
def acknowledgements(request, pk: int):
    notice = _get(request, pk)
    if not rules.reads_region(request.user, notice.region_id):
        raise Http404
    rows = selectors.acknowledgement_status(notice)
    only = request.GET.get("show") == "missing"
    return render(request, "notices/acknowledgements.html", {
        "notice": notice, "rows": [r for r in rows if not r["acknowledged"]] if only else rows, "only_missing": only,
        "total": len(rows), "done": sum(1 for r in rows if r["acknowledged"])})


@login_required
@require_POST
def notice_action(request, pk: int, action: str):
    name = action
    notice = _get(request, pk)
    user = request.user
    try:
        if name == "publish":
            services.notice_publish(actor=user, notice=notice)
            messages.success(request, _("Published. The addressed hospitals have been notified."))
        elif name == "withdraw":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("A reason is required."))
                return redirect("notices:detail", notice.pk)
            services.notice_withdraw(actor=user, notice=notice, reason=form.cleaned_data["reason"])
            messages.success(request, _("Withdrawn."))
        elif name == "acknowledge":
            services.notice_acknowledge(actor=user, notice=notice)
            messages.success(request, _("Receipt acknowledged."))
        elif name == "revise":
            draft = services.notice_revise(actor=user, notice=notice)
            messages.success(request, _("A new draft replaces this notice once published."))
            return redirect("notices:detail", draft.pk)
        elif name == "delete":
            services.notice_delete_draft(actor=user, notice=notice)
            messages.success(request, _("Draft deleted."))
            return redirect("notices:list")
        else:
            raise Http404
    except DomainError as err:
        _fail(request, err)
    return redirect("notices:detail", notice.pk)


# --- dashboard widgets -------------------------------------------------------------------------------


def hospital_widget(request):
    counts = selectors.inbox_counts(request.user)
    if not counts["total"]:
        return None
    counts["latest"] = list(selectors.inbox(request.user)[:3])
    return counts


def bureau_widget(request):
    regions = [r for r in request.access.region_ids if rules.can_draft(request.user, r)]
    if not regions:
        return None
    qs = selectors.visible_notices(request.user).filter(region_id__in=regions)
    live = list(qs.filter(status__in=LIVE).order_by("-published_at")[:50])
    missing = sum(max(0, n.recipient_count - n.acknowledged_count) for n in live)
    return {"drafts": qs.filter(status=NoticeStatus.DRAFT).count(),
            "open_objection": qs.filter(status=NoticeStatus.PUBLISHED, objection_ends__isnull=False).count(),
            "missing": missing, "latest": live[:3]}
