"""Dispute screens: hospitals (raise from the disputed object's page, track, accept the decision or appeal), the
bureau (queue with deadlines and overdue highlighting, accept / not accept, assign experts, decide with the
adjustment), experts (assigned reviews) and statistics. Thin: reads through selectors, writes through services.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import DomainError, NotFound
from apps.core.pagination import DeferredJoinPaginator
from apps.core.pdf import pdf_response, read_stored_pdf
from apps.core.web import show_error as _fail
from apps.core.workflow import mask_expert_actors, shows_expert_names
from apps.hospitals.models import Hospital
from apps.tenants.models import User

from . import rules, selectors, services
from .enums import DECIDING, AssignmentStatus, Outcome, Status, SubjectType
from .forms import AttachmentForm, CommentForm, DecideForm, DisputeForm, EditForm, OpinionForm, ReasonForm
from .models import Assignment, Attachment, Dispute

PER_PAGE = 30

ACTIONS = {
    "dispute.created": gettext_lazy("Draft created"), "dispute.edited": gettext_lazy("Draft edited"),
    "dispute.withdrawn": gettext_lazy("Withdrawn"), "dispute.submitted": gettext_lazy("Submitted"),
    "dispute.accepted": gettext_lazy("Accepted"), "dispute.not_accepted": gettext_lazy("Not accepted"),
    "dispute.experts_assigned": gettext_lazy("Experts assigned"),
    "dispute.assignment_declined": gettext_lazy("Expert declined (conflict)"),
    "dispute.opinion": gettext_lazy("Opinion given"), "dispute.decided": gettext_lazy("Decided"),
    "dispute.redecided": gettext_lazy("Re-decided after appeal"), "dispute.appealed": gettext_lazy("Appealed"),
    "dispute.acknowledged": gettext_lazy("Decision accepted"), "dispute.closed": gettext_lazy("Closed"),
    "dispute.comment": gettext_lazy("Comment"), "dispute.attachment_added": gettext_lazy("File attached"),
}


def _get(request, pk: int) -> Dispute:
    try:
        return selectors.dispute_get(request.user, pk)
    except NotFound:
        raise Http404


def timeline_rows(dispute: Dispute, viewer=None) -> list[dict]:
    """The history in words; experts stay anonymous to anyone but the bureau (apps/core/workflow.py)."""
    labels = dict(Status.choices)
    rows = []
    events = list(selectors.timeline(dispute))
    for e in events:
        old, new = (e.old or {}).get("status"), (e.new or {}).get("status")
        rows.append({"at": e.at, "actor": e.actor_name, "action": e.action, "label": ACTIONS.get(e.action, e.action),
                     "old": labels.get(old, old or ""), "new": labels.get(new, new or "") if new != old else "",
                     "reason": e.reason})
    experts = set(dispute.assignments.values_list("expert_id", flat=True))
    return mask_expert_actors(rows, events, viewer=viewer, region_id=dispute.region_id, expert_ids=experts)


def subject_url(dispute: Dispute) -> str | None:
    if dispute.subject_type == SubjectType.CASE and dispute.case_id:
        return reverse("cases:detail", args=[dispute.case_id])
    if dispute.subject_type == SubjectType.SETTLEMENT and dispute.run_id:
        return reverse("settlement:statement", args=[dispute.run_id]) + f"?hospital={dispute.hospital_id}"
    if dispute.subject_type == SubjectType.COEFFICIENT and dispute.coefficient_version_id:
        return reverse("settlement:coefficient_version", args=[dispute.coefficient_version_id])
    if dispute.subject_type == SubjectType.APPLICATION and dispute.application_id:
        return reverse("applications:detail", args=[dispute.application_id])
    return None


# --- lists ---------------------------------------------------------------------------------------


@login_required
def dispute_list(request):
    """Hospital: our disputes; bureau and readers: the queue with deadlines. Experts → their reviews."""
    if not request.access.readable_region_ids():
        if request.access.expert_region_ids():
            return redirect("disputes:assignments")
        raise PermissionDenied
    qs = selectors.dispute_queue(request.user)  # the bureau never sees a hospital's draft listed
    today = timezone.localdate()
    f = {k: request.GET.get(k, "") for k in ("status", "subject_type", "hospital", "due")}
    if f["status"] == "open":
        qs = qs.filter(status__in=(Status.SUBMITTED, *DECIDING))
    elif f["status"]:
        qs = qs.filter(status=f["status"])
    if f["subject_type"]:
        qs = qs.filter(subject_type=f["subject_type"])
    if f["hospital"]:
        qs = qs.filter(Q(hospital__code=f["hospital"]) | Q(hospital__name__icontains=f["hospital"]))
    if f["due"] == "overdue":
        qs = qs.filter(selectors.overdue_q(today))
    elif f["due"] == "soon":
        qs = qs.filter(selectors.due_soon_q(today, today + dt.timedelta(days=7)))
    is_bureau = bool(request.access.bureau_region_ids())
    order = ("accept_due", "decision_due", "-pk") if is_bureau and f["status"] in ("open", "submitted") \
        else ("-created_at", "-pk")
    # sort and slice the bare disputes, then join the page's 30 (decision 0048: 115 → 5 ms with 20,000 disputes)
    page_obj = DeferredJoinPaginator(qs.order_by(*order), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "disputes/list.html", {
        "page_obj": page_obj, "statuses": Status.choices, "subjects": SubjectType.choices, "filters": f,
        "is_bureau": is_bureau, "is_hospital": bool(request.access.hospital_region_ids()), "today": today})


@login_required
def dispute_new(request):
    """Raise a dispute about an item of the user's hospital (the object pages link here with the subject)."""
    if not request.access.hospital_region_ids():
        raise PermissionDenied
    own = list(Hospital.objects.filter(pk__in=request.access.hospital_ids()).order_by("code"))
    initial = {k: request.GET.get(k, "") for k in ("subject_type", "subject_ref", "year")}
    form = DisputeForm(request.POST or None, request.FILES or None, initial=initial)
    hospital = own[0] if own else None
    wanted = request.POST.get("hospital") or request.GET.get("hospital")
    if wanted and wanted.isdigit():
        hospital = next((h for h in own if h.pk == int(wanted)), hospital)
    if request.method == "POST" and form.is_valid() and hospital is not None:
        data = form.cleaned_data
        try:
            dispute = services.dispute_create(actor=request.user, hospital=hospital, subject_type=data["subject_type"],
                                              subject_ref=data["subject_ref"], claim=data["claim"],
                                              requested_outcome=data["requested_outcome"], year=data["year"],
                                              evidence=[data["evidence"]] if data.get("evidence") else [])
        except DomainError as err:
            if getattr(err, "field", "") in form.fields:  # shown at its input, e.g. the evidence rule
                form.add_error(err.field, err.message)
            else:
                _fail(request, err)
        else:
            messages.success(request, _("Draft saved. Add evidence, then submit it."))
            return redirect("disputes:detail", dispute.pk)
    return render(request, "disputes/new.html", {"form": form, "hospitals": own, "hospital": hospital})


# --- detail and actions --------------------------------------------------------------------------


@login_required
def dispute_detail(request, pk: int):
    dispute = _get(request, pk)
    user, access = request.user, request.access
    region_id = dispute.region_id
    is_hospital = rules.is_hospital_of(access, region_id, dispute.hospital_id)
    is_head = rules.is_hospital_admin_of(access, region_id, dispute.hospital_id)
    is_bureau = rules.is_bureau(user, region_id)
    is_admin = rules.is_bureau_admin(user, region_id)
    assignment = Assignment.objects.filter(dispute=dispute, expert=user).first()
    opinion = getattr(assignment, "opinion", None) if assignment and assignment.status == AssignmentStatus.DONE \
        else None
    reviewing = dispute.status in (Status.UNDER_REVIEW, Status.APPEALED)
    context = {
        "d": dispute, "is_hospital": is_hospital, "is_head": is_head, "is_bureau": is_bureau, "is_admin": is_admin,
        "subject_url": subject_url(dispute), "timeline": timeline_rows(dispute, request.user),
        "comments": dispute.comments.select_related("author"), "attachments": dispute.attachments.all(),
        "can_write": rules.can_write(user, dispute) and dispute.status != Status.WITHDRAWN,
        "comment_form": CommentForm(), "attachment_form": AttachmentForm(), "reason_form": ReasonForm(),
        "edit_form": EditForm(initial={"claim": dispute.claim, "requested_outcome": dispute.requested_outcome})
        if is_hospital and dispute.status == Status.DRAFT else None,
        "assignment": assignment,
        "opinion_form": OpinionForm(initial={"suggestion": opinion.suggestion, "comment": opinion.comment}
                                    if opinion else None)
        if assignment and assignment.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.DONE) and reviewing
        else None,
        "today": timezone.localdate(),
        # a draft the evidence rule will refuse at submission says so where files are attached
        "needs_evidence": dispute.status == Status.DRAFT and is_hospital
        and services.evidence_required(dispute.subject_type, dispute.subject_published_at)
        and not dispute.attachments.exists(),
    }
    if access.reads_whole_region(region_id) and shows_expert_names(access, region_id):
        context["assignments"] = dispute.assignments.select_related("expert").order_by("assigned_at", "id")
        context["opinions"] = selectors.opinions(dispute)
    if is_bureau and dispute.status in DECIDING:
        context["eligible"] = selectors.eligible_experts(dispute)
    if is_admin and dispute.status in DECIDING:
        initial = {}
        if dispute.subject_type == SubjectType.CASE and dispute.case_id:
            initial["drg_code"] = dispute.case.drg_code
        context["decide_form"] = DecideForm(subject_type=dispute.subject_type, initial=initial)
    return render(request, "disputes/detail.html", context)


@login_required
def dispute_action(request, pk: int, action: str):
    name = action
    """One POST endpoint per transition; the services check role and scope."""
    if request.method != "POST":
        return redirect("disputes:detail", pk)
    dispute = _get(request, pk)
    user, post = request.user, request.POST
    done = {
        "submit": _("Dispute submitted."), "withdraw": _("Draft withdrawn."), "accept": _("Dispute accepted."),
        "not_accept": _("Dispute not accepted."), "assign": _("Experts assigned."), "decline": _("Review declined."),
        "opinion": _("Opinion saved."), "decide": _("Decision recorded; the decision letter is ready."),
        "acknowledge": _("Decision accepted; the dispute is closed."), "appeal": _("Appeal submitted."),
        "comment": _("Comment added."), "attach": _("File attached."), "edit": _("Changes saved."),
    }
    try:
        if name == "submit":
            services.dispute_submit(actor=user, dispute=dispute)
        elif name == "withdraw":
            services.dispute_withdraw(actor=user, dispute=dispute, reason=post.get("reason", ""))
        elif name == "edit":
            form = EditForm(post)
            if not form.is_valid():
                raise Http404
            services.dispute_update(actor=user, dispute=dispute, **form.cleaned_data)
        elif name == "accept":
            services.dispute_accept(actor=user, dispute=dispute)
        elif name == "not_accept":
            services.dispute_not_accept(actor=user, dispute=dispute, reason=post.get("reason", ""))
        elif name == "assign":
            ids = [int(x) for x in post.getlist("experts") if x.isdigit()]
            services.dispute_assign(actor=user, dispute=dispute, experts=list(User.objects.filter(pk__in=ids)))
        elif name == "decline":
            services.dispute_decline(actor=user, dispute=dispute, reason=post.get("reason", ""))
        elif name == "opinion":
            form = OpinionForm(post)
            if not form.is_valid():
                messages.error(request, _("Choose a suggested outcome and write your opinion."))
                return redirect("disputes:detail", pk)
            services.dispute_opinion(actor=user, dispute=dispute, **form.cleaned_data)
        elif name == "decide":
            form = DecideForm(post, subject_type=dispute.subject_type)
            if not form.is_valid():
                messages.error(request, _("Choose an outcome and write the reason."))
                return redirect("disputes:detail", pk)
            services.dispute_decide(actor=user, dispute=dispute, outcome=form.cleaned_data["outcome"],
                                    reason=form.cleaned_data["reason"], adjustment=form.adjustment())
        elif name == "acknowledge":
            services.dispute_acknowledge(actor=user, dispute=dispute)
        elif name == "appeal":
            services.dispute_appeal(actor=user, dispute=dispute, reason=post.get("reason", ""))
        elif name == "comment":
            services.comment_add(actor=user, dispute=dispute, text=post.get("text", ""))
        elif name == "attach":
            form = AttachmentForm(post, request.FILES)
            if not form.is_valid():
                messages.error(request, _("Choose a file."))
                return redirect("disputes:detail", pk)
            services.attachment_add(actor=user, dispute=dispute, upload=form.cleaned_data["file"])
        else:
            raise Http404
    except DomainError as err:
        _fail(request, err)
    else:
        messages.success(request, done[name])
    return redirect("disputes:detail", pk)


@login_required
def attachment_download(request, pk: int):
    """Files only through this view, only for users in scope of the dispute (never a static URL)."""
    attachment = Attachment.objects.filter(pk=pk).select_related("dispute").first()
    if attachment is None or not rules.can_see(request.user, attachment.dispute):
        raise Http404
    path = settings.PRIVATE_MEDIA_ROOT / "disputes" / attachment.stored_name
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


@login_required
def letter(request, pk: int):
    dispute = _get(request, pk)
    if not dispute.letter_path:
        raise Http404
    try:
        content = read_stored_pdf(dispute.letter_path, dispute.letter_sha256)
    except NotFound:
        raise Http404
    return pdf_response(content, f"争议处理决定书-{dispute.letter_number or dispute.pk}.pdf")


# --- experts and statistics ----------------------------------------------------------------------


@login_required
def my_assignments(request):
    if not request.access.expert_region_ids():
        raise PermissionDenied
    return render(request, "disputes/assignments.html", {"rows": selectors.my_assignments(request.user),
                                                         "today": timezone.localdate()})


@login_required
def statistics_view(request):
    """Counts by subject, status and outcome, working days to decision, per hospital (readers and hospitals)."""
    if not request.access.readable_region_ids():
        raise PermissionDenied
    qs = selectors.visible_disputes(request.user).exclude(status__in=(Status.DRAFT, Status.WITHDRAWN))
    year = request.GET.get("year", "")
    if year.isdigit() and len(year) == 4:  # a longer number overflows the date lookup
        qs = qs.filter(created_at__year=int(year))
    stats = selectors.statistics(qs)
    subjects, statuses, outcomes = dict(SubjectType.choices), dict(Status.choices), dict(Outcome.choices)
    return render(request, "disputes/stats.html", {
        "stats": stats, "year": year,
        "by_subject": [(subjects.get(k, k), v) for k, v in sorted(stats["by_subject"].items())],
        "by_status": [(statuses.get(k, k), v) for k, v in sorted(stats["by_status"].items())],
        "by_outcome": [(outcomes.get(k, k), v) for k, v in sorted(stats["by_outcome"].items())]})


# --- dashboard widgets ---------------------------------------------------------------------------


def bureau_widget(request) -> dict | None:
    regions = request.access.bureau_region_ids()
    if not regions:
        return None
    qs = Dispute.objects.filter(region_id__in=regions)
    today = timezone.localdate()
    overdue = qs.filter(selectors.overdue_q(today))
    return {"submitted": qs.filter(status=Status.SUBMITTED).count(),
            "deciding": qs.filter(status__in=DECIDING).count(),
            "overdue": overdue.count(), "overdue_items": list(overdue.select_related("hospital").order_by("pk")[:5])}


def hospital_widget(request) -> dict | None:
    own = request.access.hospital_ids()
    if not own:
        return None
    qs = Dispute.objects.filter(hospital_id__in=own)
    decided = qs.filter(status=Status.DECIDED)
    return {"decided": decided.count(), "items": list(decided.order_by("pk")[:5]),
            "open": qs.filter(status__in=(Status.SUBMITTED, *DECIDING)).count(),
            "drafts": qs.filter(status=Status.DRAFT).count()}


def expert_widget(request) -> dict | None:
    if not request.access.expert_region_ids():
        return None
    rows = selectors.my_assignments(request.user).filter(
        status=AssignmentStatus.ASSIGNED, dispute__status__in=(Status.UNDER_REVIEW, Status.APPEALED))
    return {"pending": rows.count(), "items": list(rows[:5])}
