"""State changes of case applications (workflows §2): one function per transition.

Each runs in `transaction.atomic` with the application row locked (`select_for_update`), checks the
actor's scope (out of scope → NotFound, 404) and role (→ Forbidden, 403), refuses an illegal transition
(InvalidTransition), writes the audit trail (old → new status, reason) and notifies whoever must act next.
`actor=None` is the system (periodic tasks, the demo) and skips the role checks.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.cases.models import Case
from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES, Role
from apps.tenants.models import Membership, User

from . import rules, selectors
from .enums import (
    ACTIVE_ASSIGNMENT,
    ALLOWED_CONTENT,
    CLOSED,
    COUNTING,
    REVIEW_TYPES,
    ApplicationType,
    AssignmentStatus,
    AttachmentKind,
    Outcome,
    Status,
    Verdict,
)
from .models import Application, Assignment, Attachment, CapLock, ExpertProfile, Opinion

REVIEW_WORKING_DAYS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
              (b"\x89PNG", "image/png", ".png"))


def _scoped(model, region_id: int):
    return model.objects.with_scope(region=[region_id])


def _lock(application: Application) -> Application:
    """Re-read the application under a row lock; two reviewers acting at once get one outcome."""
    return _scoped(Application, application.region_id).select_for_update(of=("self",)).select_related(
        "case", "hospital", "region").get(pk=application.pk)


def _check_scope(actor: User | None, application: Application) -> None:
    if actor is not None and not rules.can_see(actor, application):
        raise NotFound()


def _require_hospital(actor: User | None, application: Application) -> None:
    _check_scope(actor, application)
    if actor is not None and not rules.is_hospital_of(get_access(actor), application.region_id,
                                                      application.hospital_id):
        raise Forbidden(_("Only the hospital of the case can do this."))


def _require_bureau(actor: User | None, application: Application) -> None:
    _check_scope(actor, application)
    if actor is not None and not rules.is_bureau(actor, application.region_id):
        raise Forbidden(_("Only the medical insurance bureau can do this."))


def _require_state(application: Application, *allowed: str) -> None:
    if application.status not in allowed:
        raise InvalidTransition(_("Not possible while the application is %(status)s.")
                                % {"status": application.get_status_display()})


def _reason(text: str | None, what: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("%(field)s: a reason is required.") % {"field": what})
    return text


def _event(actor, application: Application, action: str, old: str, reason: str = "", **extra) -> None:
    record_event(actor=actor, action=f"application.{action}", obj=application,
                 old={"status": old}, new={"status": application.status, **extra}, reason=reason)


def _url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


def _users(region_id: int, roles, hospital_id: int | None = None) -> list[User]:
    qs = _scoped(Membership, region_id).filter(region_id=region_id, role__in=list(roles), user__is_active=True)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    ids = set(qs.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _tell_hospital(application: Application, title: str, body: str = "", kind: str = "") -> None:
    notify(users=_users(application.region_id, HOSPITAL_ROLES, application.hospital_id), region=application.region,
           title=title, body=body, url=_url(application), kind=kind)


def _tell_bureau(application: Application, title: str, body: str = "", kind: str = "", admins_only=False) -> None:
    roles = (Role.BUREAU_ADMIN,) if admins_only else BUREAU_ROLES
    notify(users=_users(application.region_id, roles), region=application.region, title=title, body=body,
           url=_url(application), kind=kind)


def _label(application: Application) -> str:
    return f"#{application.pk} {application.get_type_display()}"


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("%(field)s: not an amount.") % {"field": field})
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(_("%(field)s: must be 0 or more.") % {"field": field})
    return amount


# --- content rules (shared by create_draft, update_draft and submit) -----------------------------


def _check_content(case: Case, app_type: str, secondary_drg_code: str) -> str:
    """Type-specific rules; returns the resolved multi-site secondary group ('' for other types)."""
    if app_type not in ApplicationType.values:
        raise ValidationFailed(_("type: unknown application type."))
    hospital = case.hospital
    if not hospital.is_drg_paid_on(case.discharge_date):
        raise ValidationFailed(_("case: the hospital was not paid by DRG/DIP at discharge."))
    if app_type == ApplicationType.INCENTIVE_RARE and selectors.rare_disease_of(case) is None:
        raise ValidationFailed(_("type: none of the case's diagnoses is on the national rare-disease list."))
    if app_type == ApplicationType.MULTI_SITE:
        if not (secondary_drg_code or "").strip():
            raise ValidationFailed(_("secondary_drg_code: required for a multi-site surgery."))
        group = selectors.secondary_group_for(case.region, case.discharge_date.year, secondary_drg_code)
        if group is None:
            raise ValidationFailed(_("secondary_drg_code: the secondary group without CC/MCC has no published "
                                     "statistics for the year."))
        return group
    if (secondary_drg_code or "").strip():
        raise ValidationFailed(_("secondary_drg_code: only for a multi-site surgery."))
    return ""


def _lock_cap(application: Application, kind: str) -> None:
    """Serialise every cap decision of one (hospital, year, cap kind) on one row."""
    rows = _scoped(CapLock, application.region_id)
    rows.bulk_create([CapLock(region_id=application.region_id, hospital_id=application.hospital_id,
                              year=application.year, kind=kind)], ignore_conflicts=True)
    rows.select_for_update().get(hospital_id=application.hospital_id, year=application.year, kind=kind)


def _check_cap(application: Application, statuses=COUNTING) -> None:
    kind = selectors.cap_kind(application.type)
    if kind is None:
        return
    _lock_cap(application, kind)
    limit = selectors.cap_limit(application.hospital, application.year, kind)
    used = selectors.cap_used(application.hospital, application.year, kind, statuses=statuses, exclude=application.pk)
    if used + 1 > limit:
        raise ValidationFailed(
            _("The hospital's cap of %(limit)s %(kind)s for %(year)s is reached (%(used)s already counted).")
            % {"limit": limit, "kind": kind, "year": application.year, "used": used}, code="cap_exceeded")


# --- hospital: draft, attachments, submit, withdraw ----------------------------------------------


@transaction.atomic
def create_draft(*, actor: User | None, case: Case, type: str, reason: str,  # noqa: A002 - the API's name
                 secondary_drg_code: str = "") -> Application:
    """A hospital drafts an application for one of its cases (one active application per case)."""
    access = get_access(actor) if actor is not None else None
    if access is not None:
        if case.region_id not in access.region_ids or not (
                access.reads_whole_region(case.region_id) or case.hospital_id in access.hospital_ids(case.region_id)):
            raise NotFound()
        if not rules.is_hospital_of(access, case.region_id, case.hospital_id):
            raise Forbidden(_("Only the hospital of the case can apply."))
    reason = _reason(reason)
    case = _scoped(Case, case.region_id).select_for_update().select_related("hospital", "region").get(pk=case.pk)
    group = _check_content(case, type, secondary_drg_code)
    if _scoped(Application, case.region_id).filter(case=case).exclude(status__in=CLOSED).exists():
        raise ValidationFailed(_("case: it already has an active application."))
    application = Application(region_id=case.region_id, case=case, hospital_id=case.hospital_id, type=type,
                              reason=reason, secondary_drg_code=(secondary_drg_code or "").strip().upper(),
                              secondary_group=group, year=case.discharge_date.year, created_by=actor)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationFailed(_("case: it already has an active application."))
    _event(actor, application, "created", "", type=type, case=case.settlement_id)
    return application


@transaction.atomic
def update_draft(*, actor: User | None, application: Application, reason: str,
                 secondary_drg_code: str = "") -> Application:
    """Edit a draft or a returned application before (re)submitting it."""
    _require_hospital(actor, application)
    application = _lock(application)
    _require_state(application, Status.DRAFT, Status.RETURNED)
    application.reason = _reason(reason)
    application.secondary_group = _check_content(application.case, application.type, secondary_drg_code)
    application.secondary_drg_code = (secondary_drg_code or "").strip().upper()
    application.save()
    _event(actor, application, "edited", application.status)
    return application


def detect_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes: PDF, JPEG or PNG; None for anything else."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


@transaction.atomic
def add_attachment(*, actor: User | None, application: Application, kind: str, upload) -> Attachment:
    """Store an uploaded file (checked by its bytes, ≤ 10 MB) under PRIVATE_MEDIA_ROOT/applications."""
    _require_hospital(actor, application)
    application = _lock(application)
    _require_state(application, Status.DRAFT, Status.RETURNED)
    if kind not in AttachmentKind.values:
        raise ValidationFailed(_("kind: unknown attachment kind."))
    size = getattr(upload, "size", None)
    if size is None or size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(_("file: larger than 10 MB."))
    if size == 0:
        raise ValidationFailed(_("file: empty."))
    upload.seek(0)
    detected = detect_content_type(upload.read(8))
    allowed = ALLOWED_CONTENT[kind]
    if detected is None or detected[0] not in allowed:
        raise ValidationFailed(_("file: its content is not an accepted type (%(types)s).")
                               % {"types": ", ".join(t.split("/")[1].upper() for t in allowed)})
    content_type, ext = detected
    folder = settings.PRIVATE_MEDIA_ROOT / "applications"
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + ext
    digest = hashlib.sha256()
    upload.seek(0)
    with open(folder / stored, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    name = (getattr(upload, "name", "") or "file").replace("/", "_").replace("\\", "_")[-255:]
    attachment = Attachment.objects.with_scope(region=[application.region_id]).create(
        region_id=application.region_id, application=application, kind=kind, stored_name=stored,
        original_name=name, content_type=content_type, size=size, sha256=digest.hexdigest(), uploaded_by=actor)
    record_event(actor=actor, action="application.attachment_added", obj=application,
                 new={"attachment": attachment.pk, "kind": kind, "name": name, "sha256": attachment.sha256})
    return attachment


@transaction.atomic
def remove_attachment(*, actor: User | None, attachment: Attachment) -> None:
    application = attachment.application
    _require_hospital(actor, application)
    application = _lock(application)
    _require_state(application, Status.DRAFT, Status.RETURNED)
    path = settings.PRIVATE_MEDIA_ROOT / "applications" / attachment.stored_name
    record_event(actor=actor, action="application.attachment_removed", obj=application,
                 old={"attachment": attachment.pk, "name": attachment.original_name})
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


@transaction.atomic
def submit(*, actor: User | None, application: Application) -> Application:
    """draft | returned → submitted, if every rule of workflows §2 holds (cap checked under a lock).

    The deadline (`application_deadline_days` after the end of the discharge month) applies to the first
    submission; resubmitting a returned application is answering the bureau, not a late application.
    """
    _require_hospital(actor, application)
    application = _lock(application)
    _require_state(application, Status.DRAFT, Status.RETURNED)
    case = application.case
    if case.hospital_id != application.hospital_id:
        raise ValidationFailed(_("case: it does not belong to the hospital."))
    from apps.settlement.selectors import cleared_years

    if application.year in cleared_years(application.region):
        raise ValidationFailed(_("The year %(year)s is already cleared.") % {"year": application.year},
                               code="year_cleared")
    policy = selectors.policy_for(application.region, application.year)
    deadline = selectors.application_deadline(case.discharge_date, policy.application_deadline_days)
    if application.submitted_at is None and timezone.localdate() > deadline:
        raise ValidationFailed(_("The deadline for this case was %(date)s.") % {"date": deadline.isoformat()},
                               code="deadline_passed")
    application.secondary_group = _check_content(case, application.type, application.secondary_drg_code)
    has_summary = _scoped(Attachment, application.region_id).filter(
        application=application, kind=AttachmentKind.MEDICAL_RECORD_SUMMARY, content_type="application/pdf").exists()
    if not has_summary:
        raise ValidationFailed(_("attachments: the medical record summary (PDF) is required."))
    _check_cap(application)
    old = application.status
    application.status = Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.save()
    _event(actor, application, "submitted", old)
    _tell_bureau(application, _("Application %(label)s submitted") % {"label": _label(application)},
                 _("%(hospital)s submitted an application; it waits for intake.")
                 % {"hospital": application.hospital.name}, kind="application.submitted")
    return application


@transaction.atomic
def withdraw(*, actor: User | None, application: Application, reason: str = "") -> Application:
    _require_hospital(actor, application)
    application = _lock(application)
    _require_state(application, Status.DRAFT, Status.SUBMITTED, Status.RETURNED)
    old = application.status
    application.status = Status.WITHDRAWN
    application.save()
    _event(actor, application, "withdrawn", old, reason=(reason or "").strip())
    if old != Status.DRAFT:
        _tell_bureau(application, _("Application %(label)s withdrawn") % {"label": _label(application)},
                     (reason or "").strip(), kind="application.withdrawn")
    return application


# --- bureau: intake -------------------------------------------------------------------------------


@transaction.atomic
def accept(*, actor: User | None, application: Application) -> Application:
    _require_bureau(actor, application)
    application = _lock(application)
    _require_state(application, Status.SUBMITTED)
    application.status = Status.UNDER_REVIEW
    application.accepted_at = timezone.now()
    application.save()
    _event(actor, application, "accepted", Status.SUBMITTED)
    _tell_hospital(application, _("Application %(label)s accepted for expert review") % {"label": _label(application)},
                   kind="application.accepted")
    return application


@transaction.atomic
def return_(*, actor: User | None, application: Application, reason: str) -> Application:
    """submitted → returned with a reason; the hospital completes it and submits again."""
    _require_bureau(actor, application)
    reason = _reason(reason)
    application = _lock(application)
    _require_state(application, Status.SUBMITTED)
    application.status = Status.RETURNED
    application.return_reason = reason
    application.save()
    _event(actor, application, "returned", Status.SUBMITTED, reason=reason)
    _tell_hospital(application, _("Application %(label)s returned") % {"label": _label(application)}, reason,
                   kind="application.returned")
    return application


@transaction.atomic
def reject_at_intake(*, actor: User | None, application: Application, reason: str) -> Application:
    _require_bureau(actor, application)
    reason = _reason(reason)
    application = _lock(application)
    _require_state(application, Status.SUBMITTED)
    application.status = Status.REJECTED
    application.outcome = Outcome.REJECT
    application.decision_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save()
    _event(actor, application, "rejected_at_intake", Status.SUBMITTED, reason=reason)
    _tell_hospital(application, _("Application %(label)s rejected at intake") % {"label": _label(application)},
                   reason, kind="application.rejected")
    return application


# --- bureau: experts ------------------------------------------------------------------------------


@transaction.atomic
def assign_experts(*, actor: User | None, application: Application, experts: list[User]) -> list[Assignment]:
    """Assign the experts still missing: `experts_per_review` at first, one per declined expert later.

    Due date: `add_working_days(region, today, 10)` — ten working days (the region's calendar, so a
    holiday week does not eat the review time) is the usual expert-review period of the seed policies
    for a single case file. A replacement gets its own ten working days, and the application's
    review_due moves to the latest due date so the replaced expert's colleague is not cut short.
    """
    _require_bureau(actor, application)
    application = _lock(application)
    _require_state(application, Status.UNDER_REVIEW)
    policy = selectors.policy_for(application.region, application.year)
    active = selectors.active_assignments(application).count()
    needed = policy.experts_per_review - active
    if needed <= 0:
        raise InvalidTransition(_("All %(n)s experts are assigned.") % {"n": policy.experts_per_review})
    experts = list(experts)
    if len({e.pk for e in experts}) != len(experts):
        raise ValidationFailed(_("experts: each expert only once."))
    if len(experts) != needed:
        raise ValidationFailed(_("experts: exactly %(n)s expert(s) needed.") % {"n": needed})
    previous = set(_scoped(Assignment, application.region_id).filter(application=application)
                   .values_list("expert_id", flat=True))
    for expert in experts:
        profile = _scoped(ExpertProfile, application.region_id).filter(
            region_id=application.region_id, user=expert, active=True, user__is_active=True).first()
        if profile is None:
            raise ValidationFailed(_("experts: %(name)s is not an active expert of the region.") % {"name": expert})
        if application.hospital_id in selectors.affiliated_hospitals(expert, application.region_id):
            raise ValidationFailed(_("experts: %(name)s is affiliated with the applying hospital.") % {"name": expert},
                                   code="conflict_of_interest")
        if expert.pk in previous:
            raise ValidationFailed(_("experts: %(name)s was already assigned to this application.")
                                   % {"name": expert}, code="conflict_of_interest")
    due = add_working_days(application.region, timezone.localdate(), REVIEW_WORKING_DAYS)
    created = [Assignment.objects.with_scope(region=[application.region_id]).create(
        region_id=application.region_id, application=application, expert=e, due=due, assigned_by=actor)
        for e in experts]
    _scoped(Assignment, application.region_id).filter(application=application, status=AssignmentStatus.DECLINED) \
        .update(status=AssignmentStatus.REPLACED)
    if application.review_due is None or application.review_due < due:
        application.review_due = due
    application.save()
    record_event(actor=actor, action="application.experts_assigned", obj=application,
                 old={"status": application.status},
                 new={"status": application.status, "experts": [e.username for e in experts], "due": due})
    notify(users=experts, region=application.region, kind="application.assigned",
           title=_("Expert review assigned: %(label)s") % {"label": _label(application)},
           body=_("Please give your opinion by %(date)s.") % {"date": due.isoformat()},
           url=reverse("applications:review", args=[application.pk]))
    return created


@transaction.atomic
def decline_assignment(*, actor: User | None, application: Application, reason: str) -> Assignment:
    """The assigned expert declares a conflict of interest; the bureau assigns a replacement."""
    _check_scope(actor, application)
    reason = _reason(reason)
    application = _lock(application)
    assignment = _scoped(Assignment, application.region_id).select_for_update().filter(
        application=application, expert=actor, status__in=ACTIVE_ASSIGNMENT).first()
    if assignment is None:
        raise Forbidden(_("Only an assigned expert can decline."))
    _require_state(application, Status.UNDER_REVIEW)
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise InvalidTransition(_("You already gave your opinion."))
    assignment.status = AssignmentStatus.DECLINED
    assignment.decline_reason = reason
    assignment.declined_at = timezone.now()
    assignment.save()
    record_event(actor=actor, action="application.assignment_declined", obj=application,
                 old={"status": application.status, "assignment": AssignmentStatus.ASSIGNED},
                 new={"status": application.status, "assignment": AssignmentStatus.DECLINED}, reason=reason)
    _tell_bureau(application, _("Expert declined %(label)s: assign a replacement") % {"label": _label(application)},
                 reason, kind="application.declined")
    return assignment


# --- expert: opinion; review complete -------------------------------------------------------------


@transaction.atomic
def submit_opinion(*, actor: User | None, application: Application, verdict: str, unreasonable_cost,
                   comment: str = "") -> Opinion:
    """The assigned expert's opinion (one per assignment, editable until the application is decided)."""
    _check_scope(actor, application)
    application = _lock(application)
    assignment = _scoped(Assignment, application.region_id).select_for_update().filter(
        application=application, expert=actor, status__in=ACTIVE_ASSIGNMENT).first()
    if assignment is None:
        raise Forbidden(_("Only an assigned expert can give an opinion."))
    _require_state(application, Status.UNDER_REVIEW, Status.REVIEWED)
    if verdict not in Verdict.values:
        raise ValidationFailed(_("verdict: approve or reject."))
    cost = _money(unreasonable_cost if unreasonable_cost not in (None, "") else 0, "unreasonable_cost")
    if cost > application.case.total_cost:
        raise ValidationFailed(_("unreasonable_cost: more than the case's total cost."))
    opinion = _scoped(Opinion, application.region_id).filter(assignment=assignment).first()
    old = {"verdict": opinion.verdict, "unreasonable_cost": opinion.unreasonable_cost} if opinion else None
    if opinion is None:
        opinion = Opinion(region_id=application.region_id, assignment=assignment)
    opinion.verdict, opinion.unreasonable_cost, opinion.comment = verdict, cost, (comment or "").strip()
    opinion.save()
    assignment.status = AssignmentStatus.DONE
    assignment.save(update_fields=["status"])
    record_event(actor=actor, action="application.opinion", obj=application, old=old,
                 new={"status": application.status, "verdict": verdict, "unreasonable_cost": cost})
    policy = selectors.policy_for(application.region, application.year)
    done = selectors.active_assignments(application).filter(status=AssignmentStatus.DONE).count()
    if application.status == Status.UNDER_REVIEW and done >= policy.experts_per_review:
        _to_reviewed(None, application, _("all opinions are in"))
    return opinion


def _to_reviewed(actor, application: Application, why: str) -> None:
    application.status = Status.REVIEWED
    application.reviewed_at = timezone.now()
    application.save()
    _event(actor, application, "reviewed", Status.UNDER_REVIEW, reason=why)
    _tell_bureau(application, _("Application %(label)s is ready for decision") % {"label": _label(application)},
                 why, kind="application.reviewed", admins_only=True)


@transaction.atomic
def mark_reviewed(*, actor: User | None, application: Application) -> Application:
    """under_review → reviewed once all opinions are in or the review deadline has passed."""
    _require_bureau(actor, application)
    application = _lock(application)
    _require_state(application, Status.UNDER_REVIEW)
    policy = selectors.policy_for(application.region, application.year)
    done = selectors.active_assignments(application).filter(status=AssignmentStatus.DONE).count()
    if done >= policy.experts_per_review:
        why = _("all opinions are in")
    elif application.review_due is not None and application.review_due < timezone.localdate():
        why = _("the review deadline %(date)s has passed") % {"date": application.review_due.isoformat()}
    else:
        raise InvalidTransition(_("Opinions are missing and the review deadline has not passed."))
    _to_reviewed(actor, application, why)
    return application


def mark_overdue_reviews(region) -> int:
    """The periodic sweep: every review of the region past its deadline becomes `reviewed`."""
    today = timezone.localdate()
    due = _scoped(Application, region.pk).filter(region=region, status=Status.UNDER_REVIEW, review_due__lt=today)
    count = 0
    for application in due:
        try:
            mark_reviewed(actor=None, application=application)
            count += 1
        except InvalidTransition:
            continue
    return count


# --- bureau administrator: decision ---------------------------------------------------------------


@transaction.atomic
def decide(*, actor: User | None, application: Application, outcome: str, reason: str,
           unreasonable_cost=None) -> Application:
    """reviewed → approved (approve | partial with an unreasonable cost) or rejected; the cap is re-checked
    on approval. Partial approval applies to reviewed-cost types (incentive, special), where the
    unreasonable cost lowers the paid points."""
    _check_scope(actor, application)
    if actor is not None and not rules.is_bureau_admin(actor, application.region_id):
        raise Forbidden(_("Only the bureau administrator decides."))
    reason = _reason(reason)
    if outcome not in Outcome.values:
        raise ValidationFailed(_("outcome: approve, partial or reject."))
    application = _lock(application)
    _require_state(application, Status.REVIEWED)
    cost = None
    if outcome == Outcome.PARTIAL:
        if application.type not in REVIEW_TYPES:
            raise ValidationFailed(_("outcome: partial approval only for incentive and special cases."))
        cost = _money(unreasonable_cost, "unreasonable_cost")
        if cost <= 0 or cost > application.case.total_cost:
            raise ValidationFailed(_("unreasonable_cost: more than 0 and at most the case's total cost."))
    elif outcome == Outcome.APPROVE and application.type in REVIEW_TYPES:
        cost = Decimal("0.00")
    if outcome != Outcome.REJECT:
        _check_cap(application, statuses=(Status.APPROVED,))
    application.status = Status.REJECTED if outcome == Outcome.REJECT else Status.APPROVED
    application.outcome = outcome
    application.unreasonable_cost = cost
    application.decision_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save()
    _event(actor, application, "decided", Status.REVIEWED, reason=reason, outcome=outcome, unreasonable_cost=cost)
    _tell_hospital(application, _("Decision on application %(label)s: %(outcome)s")
                   % {"label": _label(application), "outcome": application.get_outcome_display()}, reason,
                   kind="application.decided")
    return application


# --- bureau administrator: expert pool ------------------------------------------------------------


def _require_pool_admin(actor: User | None, region) -> None:
    if actor is not None and not get_access(actor).has_role(region.pk, Role.BUREAU_ADMIN):
        if region.pk not in get_access(actor).region_ids:
            raise NotFound()
        raise Forbidden(_("Only the bureau administrator manages the expert pool."))


@transaction.atomic
def expert_profile_save(*, actor: User | None, region, user: User, specialty: str = "", hospital=None,
                        active: bool = True) -> ExpertProfile:
    """Add a user to the region's expert pool or change their profile (needs an expert membership)."""
    _require_pool_admin(actor, region)
    if not _scoped(Membership, region.pk).filter(user=user, region=region, role=Role.EXPERT).exists():
        raise ValidationFailed(_("user: has no expert role in the region."))
    if hospital is not None and hospital.region_id != region.pk:
        raise ValidationFailed(_("hospital: not a hospital of the region."))
    rows = _scoped(ExpertProfile, region.pk)
    profile = rows.select_for_update().filter(region=region, user=user).first()
    old = None
    if profile is None:
        profile = ExpertProfile(region=region, user=user)
    else:
        old = {"specialty": profile.specialty, "hospital": profile.hospital_id, "active": profile.active}
    profile.specialty, profile.hospital, profile.active = (specialty or "").strip(), hospital, bool(active)
    profile.save()
    record_event(actor=actor, action="expert_profile.saved", obj=profile, region=region, old=old,
                 new={"specialty": profile.specialty, "hospital": profile.hospital_id, "active": profile.active})
    return profile


def enlist_expert(actor: User | None, membership) -> ExpertProfile | None:
    """Membership hook: a new expert membership makes the user an active member of the region's pool with the
    membership's hospital as affiliation (conflict of interest), so no second call is needed; an existing
    profile (specialty, activity set on the pool screen) is left as the bureau administrator set it."""
    if membership.role != Role.EXPERT or membership.region_id is None:
        return None
    rows = _scoped(ExpertProfile, membership.region_id)
    profile = rows.filter(user_id=membership.user_id).first()
    if profile is not None:
        return profile
    profile = rows.create(region_id=membership.region_id, user_id=membership.user_id,
                          hospital_id=membership.hospital_id, active=True)
    record_event(actor=actor, action="expert_profile.saved", obj=profile, region=membership.region,
                 new={"specialty": "", "hospital": profile.hospital_id, "active": True, "source": "membership"})
    return profile


def review_deadline(region, start: dt.date | None = None) -> dt.date:
    return add_working_days(region, start or timezone.localdate(), REVIEW_WORKING_DAYS)


# --- a decision changed after a dispute (workflows §2: "final … except through a dispute") -------


@transaction.atomic
def decision_revise(*, actor: User | None, application: Application, outcome: str, reason: str,
                    unreasonable_cost=None, source: str = "dispute", source_id: int | None = None) -> Application:
    """Change the outcome of a decided application (approved or rejected) on a dispute decision.

    Bureau administrator only (actor None = system). `decided_at` becomes now, so every settlement run
    computed afterwards applies the new outcome and earlier runs keep theirs; the cap is re-checked when the
    new outcome approves.
    """
    _check_scope(actor, application)
    if actor is not None and not rules.is_bureau_admin(actor, application.region_id):
        raise Forbidden(_("Only the bureau administrator decides."))
    reason = _reason(reason)
    if outcome not in Outcome.values:
        raise ValidationFailed(_("outcome: approve, partial or reject."))
    application = _lock(application)
    if application.status not in (Status.APPROVED, Status.REJECTED) or application.decided_at is None:
        raise InvalidTransition(_("Only a decided application can be revised."))
    cost = None
    if outcome == Outcome.PARTIAL:
        if application.type not in REVIEW_TYPES:
            raise ValidationFailed(_("outcome: partial approval only for incentive and special cases."))
        cost = _money(unreasonable_cost, "unreasonable_cost")
        if cost <= 0 or cost > application.case.total_cost:
            raise ValidationFailed(_("unreasonable_cost: more than 0 and at most the case's total cost."))
    elif outcome == Outcome.APPROVE and application.type in REVIEW_TYPES:
        cost = _money(unreasonable_cost or 0, "unreasonable_cost")
    if outcome != Outcome.REJECT:
        _check_cap(application, statuses=(Status.APPROVED,))
    old = {"status": application.status, "outcome": application.outcome,
           "unreasonable_cost": application.unreasonable_cost}
    application.status = Status.REJECTED if outcome == Outcome.REJECT else Status.APPROVED
    application.outcome = outcome
    application.unreasonable_cost = cost
    application.decision_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationFailed(_("case: it already has another active application."))
    record_event(actor=actor, action="application.decision_revised", obj=application, old=old,
                 new={"status": application.status, "outcome": outcome, "unreasonable_cost": cost,
                      "source": source, "source_id": source_id}, reason=reason)
    _tell_hospital(application, _("Decision on application %(label)s revised: %(outcome)s")
                   % {"label": _label(application), "outcome": application.get_outcome_display()}, reason,
                   kind="application.decided")
    return application
