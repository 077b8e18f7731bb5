"""Application screens for hospitals (apply, attach, submit, withdraw, resubmit), the bureau (intake
queue, accept/return/reject, assign experts, decide), experts (de-identified review, opinion, decline)
and the bureau administrator's expert pool. Thin: reads through selectors, writes through services.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.cases.models import Case
from apps.core.errors import DomainError, NotFound
from apps.core.pagination import DeferredJoinPaginator
from apps.core.web import show_error as _fail
from apps.core.workflow import mask_expert_actors, shows_expert_names
from apps.hospitals.models import Hospital
from apps.tenants.enums import Role
from apps.tenants.models import Membership, Region, User

from . import rules, selectors, services
from .enums import ApplicationType, AssignmentStatus, Outcome, Status
from .forms import ApplicationForm, AttachmentForm, DecideForm, EditForm, ExpertProfileForm, OpinionForm, ReasonForm
from .models import Application, Assignment, Attachment, ExpertProfile

PER_PAGE = 30


def _get(request, pk: int) -> Application:
    try:
        return selectors.application_get(request.user, pk)
    except NotFound:
        raise Http404


ACTIONS = {
    "application.created": gettext_lazy("Draft created"), "application.edited": gettext_lazy("Draft edited"),
    "application.attachment_added": gettext_lazy("File attached"), "application.attachment_removed": gettext_lazy("File removed"),
    "application.submitted": gettext_lazy("Submitted"), "application.withdrawn": gettext_lazy("Withdrawn"),
    "application.accepted": gettext_lazy("Accepted for expert review"), "application.returned": gettext_lazy("Returned"),
    "application.rejected_at_intake": gettext_lazy("Rejected at intake"), "application.experts_assigned": gettext_lazy("Experts assigned"),
    "application.assignment_declined": gettext_lazy("Expert declined (conflict)"), "application.opinion": gettext_lazy("Opinion given"),
    "application.reviewed": gettext_lazy("Review complete"), "application.decided": gettext_lazy("Decided"),
}


def timeline_rows(application: Application, viewer=None) -> list[dict]:
    """The audit trail of the application in words: who, when, what, old → new status, why (experts stay
    anonymous to anyone but the bureau: apps/core/workflow.py)."""
    labels = dict(Status.choices)
    rows = []
    events = list(selectors.timeline(application))
    for e in events:
        old, new = (e.old or {}).get("status"), (e.new or {}).get("status")
        rows.append({"at": e.at, "actor": e.actor_name, "action": e.action, "label": ACTIONS.get(e.action, e.action),
                     "old": labels.get(old, old or ""), "new": labels.get(new, new or "") if new != old else "",
                     "reason": e.reason})
    experts = set(application.assignments.values_list("expert_id", flat=True))
    return mask_expert_actors(rows, events, viewer=viewer, region_id=application.region_id, expert_ids=experts)


# --- lists ---------------------------------------------------------------------------------------


@login_required
def application_list(request):
    """Hospital: my applications; bureau and readers: the intake queue with filters. Experts → assignments."""
    access = request.access
    if not request.access.readable_region_ids():
        if request.access.expert_region_ids():
            return redirect("applications:assignments")
        raise PermissionDenied
    qs = selectors.application_queue(request.user)  # the bureau never sees a hospital's draft listed
    status, app_type, hospital = (request.GET.get(k, "") for k in ("status", "type", "hospital"))
    if status == "open":
        qs = qs.exclude(status__in=(Status.APPROVED, Status.REJECTED, Status.WITHDRAWN))
    elif status == "overdue":
        qs = qs.filter(status=Status.UNDER_REVIEW, review_due__lt=timezone.localdate())
    elif status:
        qs = qs.filter(status=status)
    if app_type:
        qs = qs.filter(type=app_type)
    if hospital:
        qs = qs.filter(Q(hospital__code=hospital) | Q(hospital__name__icontains=hospital))
    # sort and slice the bare applications, then join the page's 30 (decision 0048)
    page_obj = DeferredJoinPaginator(qs.order_by("-created_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    is_bureau = bool(request.access.bureau_region_ids())
    return render(request, "applications/list.html", {
        "page_obj": page_obj, "statuses": Status.choices, "types": ApplicationType.choices,
        "filters": {"status": status, "type": app_type, "hospital": hospital}, "is_bureau": is_bureau,
        "is_hospital": bool(access.hospital_ids()), "today": timezone.localdate()})


@login_required
def case_pick(request):
    """Hospital users pick one of their cases (search by settlement id, recent cases first)."""
    access = request.access
    regions = request.access.hospital_region_ids()
    if not regions:
        raise PermissionDenied
    own = access.hospital_ids()
    cases = Case.objects.filter(hospital_id__in=own, region_id__in=regions).select_related("hospital")
    q = request.GET.get("q", "").strip()
    if q:
        cases = cases.filter(Q(settlement_id__icontains=q) | Q(principal_dx__istartswith=q) | Q(drg_code__iexact=q))
    active = set(Application.objects.filter(hospital_id__in=own).exclude(status__in=(Status.REJECTED, Status.WITHDRAWN))
                 .values_list("case_id", flat=True))
    page_obj = Paginator(cases.order_by("-discharge_date", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "applications/case_pick.html", {"page_obj": page_obj, "q": q, "active": active})


@login_required
def application_new(request, case_id: int):
    access = request.access
    case = Case.objects.filter(pk=case_id, hospital_id__in=access.hospital_ids()).select_related("hospital").first()
    if case is None:
        raise Http404
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.create_draft(actor=request.user, case=case, **form.cleaned_data)
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Draft saved. Attach the medical record summary (PDF), then submit."))
            return redirect("applications:detail", application.pk)
    return render(request, "applications/new.html", {"form": form, "case": case,
                                                     "rare": selectors.rare_disease_of(case)})


# --- detail and actions --------------------------------------------------------------------------


def _case_figures(application: Application):
    return selectors.latest_case_result(application.case)


@login_required
def application_detail(request, pk: int):
    application = _get(request, pk)
    user = request.user
    if not rules.sees_identity(user, application):
        return redirect("applications:review", pk)
    access = request.access
    region_id = application.region_id
    is_hospital = rules.is_hospital_of(access, region_id, application.hospital_id)
    is_bureau = rules.is_bureau(user, region_id)
    is_admin = rules.is_bureau_admin(user, region_id)
    editable = is_hospital and application.status in (Status.DRAFT, Status.RETURNED)
    context = {
        "app": application, "case": application.case, "is_hospital": is_hospital, "is_bureau": is_bureau,
        "is_admin": is_admin, "editable": editable,
        "attachments": application.attachments.select_related("uploaded_by"),
        "timeline": timeline_rows(application, request.user),
        "attachment_form": AttachmentForm() if editable else None,
        "edit_form": EditForm(initial={"reason": application.reason,
                                       "secondary_drg_code": application.secondary_drg_code}) if editable else None,
        "caps": selectors.cap_overview(application.hospital, application.year)
        if (is_bureau or is_hospital) and selectors.cap_kind(application.type) else [],
        "reason_form": ReasonForm(),
    }
    if access.reads_whole_region(region_id) and shows_expert_names(access, region_id):
        context["assignments"] = application.assignments.select_related("expert").order_by("assigned_at", "id")
        context["opinions"] = selectors.opinions(application)
        context["suggestion"] = selectors.suggestion(application)
    if is_hospital or access.reads_whole_region(region_id):
        context["figures"] = _case_figures(application)
    if is_bureau and application.status == Status.UNDER_REVIEW:
        policy = selectors.policy_for(application.region, application.year)
        context["needed"] = policy.experts_per_review - selectors.active_assignments(application).count()
        context["eligible"] = selectors.eligible_experts(application) if context["needed"] > 0 else []
        context["can_close"] = application.is_overdue
    if is_admin and application.status == Status.REVIEWED:
        suggestion = context["suggestion"]
        initial = {"outcome": Outcome.APPROVE if suggestion["verdict"] != "reject" else Outcome.REJECT}
        if suggestion["unreasonable_cost"]:
            initial = {"outcome": Outcome.PARTIAL, "unreasonable_cost": suggestion["unreasonable_cost"]}
        context["decide_form"] = DecideForm(initial=initial)
    return render(request, "applications/detail.html", context)


@login_required
@require_POST
def application_action(request, pk: int, name: str):
    """One POST endpoint per transition; the services check role and scope."""
    application = _get(request, pk)
    user = request.user
    post = request.POST
    target = reverse("applications:detail", args=[pk])
    try:
        if name == "submit":
            services.submit(actor=user, application=application)
            messages.success(request, _("Application submitted."))
        elif name == "withdraw":
            services.withdraw(actor=user, application=application, reason=post.get("reason", ""))
            messages.success(request, _("Application withdrawn."))
        elif name == "edit":
            form = EditForm(post)
            if form.is_valid():
                services.update_draft(actor=user, application=application, **form.cleaned_data)
                messages.success(request, _("Changes saved."))
        elif name == "attach":
            form = AttachmentForm(post, request.FILES)
            if not form.is_valid():
                messages.error(request, _("Choose a file and its kind."))
            else:
                services.add_attachment(actor=user, application=application, kind=form.cleaned_data["kind"],
                                        upload=form.cleaned_data["file"])
                messages.success(request, _("File attached."))
        elif name == "detach":
            attachment = application.attachments.filter(pk=post.get("attachment")).first()
            if attachment is None:
                raise Http404
            services.remove_attachment(actor=user, attachment=attachment)
        elif name == "accept":
            services.accept(actor=user, application=application)
            messages.success(request, _("Accepted for expert review."))
        elif name == "return":
            services.return_(actor=user, application=application, reason=post.get("reason", ""))
            messages.success(request, _("Returned to the hospital."))
        elif name == "reject":
            services.reject_at_intake(actor=user, application=application, reason=post.get("reason", ""))
            messages.success(request, _("Rejected."))
        elif name == "assign":
            ids = [int(x) for x in post.getlist("experts") if x.isdigit()]
            experts = list(User.objects.filter(pk__in=ids))
            services.assign_experts(actor=user, application=application, experts=experts)
            messages.success(request, _("Experts assigned."))
        elif name == "close":
            services.mark_reviewed(actor=user, application=application)
            messages.success(request, _("Review closed."))
        elif name == "decide":
            form = DecideForm(post)
            if not form.is_valid():
                messages.error(request, _("Choose an outcome and write the reason."))
            else:
                services.decide(actor=user, application=application, **form.cleaned_data)
                messages.success(request, _("Decision recorded."))
        elif name == "opinion":
            target = reverse("applications:review", args=[pk])
            form = OpinionForm(post)
            if not form.is_valid():
                messages.error(request, _("Choose a verdict and a cost of 0 or more."))
            else:
                services.submit_opinion(actor=user, application=application, **form.cleaned_data)
                messages.success(request, _("Opinion saved."))
        elif name == "decline":
            target = reverse("applications:assignments")
            services.decline_assignment(actor=user, application=application, reason=post.get("reason", ""))
            messages.success(request, _("You declined this review; the bureau will assign another expert."))
        else:
            raise Http404
    except DomainError as err:
        _fail(request, err)
        if name in ("decline",):
            target = reverse("applications:review", args=[pk])
    return redirect(target)


@login_required
def attachment_download(request, pk: int):
    """Files only through this view, only for users in scope of the application (never a static URL)."""
    attachment = Attachment.objects.filter(pk=pk).select_related("application").first()
    if attachment is None or not rules.can_see(request.user, attachment.application):
        raise Http404
    from django.conf import settings

    path = settings.PRIVATE_MEDIA_ROOT / "applications" / attachment.stored_name
    if not path.exists():
        raise Http404
    name = attachment.original_name if rules.sees_identity(request.user, attachment.application) \
        else attachment.neutral_name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name,
                        content_type=attachment.content_type)


# --- experts -------------------------------------------------------------------------------------


@login_required
def my_assignments(request):
    if not request.access.expert_region_ids():
        raise PermissionDenied
    rows = selectors.my_assignments(request.user)
    return render(request, "applications/assignments.html", {"rows": rows, "today": timezone.localdate()})


@login_required
def review(request, pk: int):
    """The expert's de-identified view: no patient hash, no settlement id, hospital as level and type."""
    application = _get(request, pk)
    assignment = Assignment.objects.filter(application=application, expert=request.user).first()
    if assignment is None:
        if rules.sees_identity(request.user, application):
            return redirect("applications:detail", pk)
        raise Http404
    opinion = getattr(assignment, "opinion", None) if assignment.status == AssignmentStatus.DONE else None
    can_give = (assignment.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.DONE)
                and application.status in (Status.UNDER_REVIEW, Status.REVIEWED))
    initial = {"verdict": opinion.verdict, "unreasonable_cost": opinion.unreasonable_cost,
               "comment": opinion.comment} if opinion else None
    return render(request, "applications/review.html", {
        "app": application, "case": application.case, "assignment": assignment, "opinion": opinion,
        "form": OpinionForm(initial=initial) if can_give else None, "figures": _case_figures(application),
        "attachments": application.attachments.all(), "can_decline": assignment.status == AssignmentStatus.ASSIGNED
        and application.status == Status.UNDER_REVIEW, "reason_form": ReasonForm()})


# --- expert pool ---------------------------------------------------------------------------------


@login_required
def expert_pool(request):
    """Region readers see the pool; the bureau administrator adds, edits and deactivates experts."""
    readable = request.access.reader_region_ids()
    if not readable:
        raise PermissionDenied
    admin_regions = request.access.bureau_admin_region_ids()
    region = None
    if admin_regions:
        wanted = request.POST.get("region") or request.GET.get("region")
        region = Region.objects.filter(pk__in=admin_regions, pk=wanted).first() if wanted and wanted.isdigit() \
            else Region.objects.filter(pk=admin_regions[0]).first()
    form = None
    if region is not None:
        expert_ids = Membership.objects.filter(region=region, role=Role.EXPERT).values_list("user_id", flat=True)
        users = User.objects.filter(pk__in=expert_ids, is_active=True).order_by("username")
        hospitals = Hospital.objects.filter(region=region).order_by("code")
        form = ExpertProfileForm(request.POST or None, users=users, hospitals=hospitals)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.expert_profile_save(
                    actor=request.user, region=region, user=users.get(pk=data["user"]),
                    specialty=data["specialty"], hospital=hospitals.filter(pk=data["hospital"]).first()
                    if data["hospital"] else None, active=data["active"])
            except DomainError as err:
                _fail(request, err)
            else:
                messages.success(request, _("Expert pool updated."))
                return redirect(f"{reverse('applications:experts')}?region={region.pk}")
    profiles = ExpertProfile.objects.filter(region_id__in=readable).select_related("region", "user", "hospital")
    return render(request, "applications/experts.html", {
        "profiles": profiles.order_by("region__code", "user__username"), "form": form, "region": region,
        "admin_regions": Region.objects.filter(pk__in=admin_regions)})


# --- dashboard widgets ---------------------------------------------------------------------------


def bureau_widget(request) -> dict | None:
    """Bureau: items waiting for intake, for experts, for a decision, and overdue reviews."""
    regions = request.access.bureau_region_ids()
    if not regions:
        return None
    qs = Application.objects.filter(region_id__in=regions)
    today = timezone.localdate()
    overdue = qs.filter(status=Status.UNDER_REVIEW, review_due__lt=today)
    return {"submitted": qs.filter(status=Status.SUBMITTED).count(),
            "under_review": qs.filter(status=Status.UNDER_REVIEW).count(),
            "reviewed": qs.filter(status=Status.REVIEWED).count(),
            "overdue": overdue.count(), "overdue_items": list(overdue.select_related("hospital")[:5])}


def expert_widget(request) -> dict | None:
    if not request.access.expert_region_ids():
        return None
    rows = selectors.my_assignments(request.user).filter(
        status=AssignmentStatus.ASSIGNED, application__status=Status.UNDER_REVIEW)
    return {"pending": rows.count(), "items": list(rows[:5]), "today": timezone.localdate()}


def hospital_widget(request) -> dict | None:
    own = request.access.hospital_ids()
    if not own:
        return None
    qs = Application.objects.filter(hospital_id__in=own)
    returned = qs.filter(status=Status.RETURNED)
    return {"returned": returned.count(), "items": list(returned.select_related("case")[:5]),
            "drafts": qs.filter(status=Status.DRAFT).count(),
            "open": qs.filter(status__in=(Status.SUBMITTED, Status.UNDER_REVIEW, Status.REVIEWED)).count()}
