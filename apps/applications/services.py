"""State changes of case applications (workflows §2): one function per action of `transitions.WORKFLOW`.

Each goes through `apps.core.workflow.transition`: the row locked, scope (out of scope → NotFound, 404)
and role (→ Forbidden, 403) checked by the policy predicates of `rules`, an illegal move refused
(InvalidTransition), one audit event written and whoever must act next notified. What stays here is what
differs per action: the input rules, the guards under the lock and the messages.
`actor=None` is the system (periodic tasks, the demo) and skips the role checks.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.cases.models import Case
from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.reviews import assign_from_pool
from apps.core.scoping import scoped
from apps.core.uploads import delete_on_commit, store_upload
from apps.core.uploads import detect_content_type as detect_content_type
from apps.core.workflow import tell, transition
from apps.notifications.services import notify
from apps.settlement.selectors import cleared_years
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
from .transitions import WORKFLOW  # noqa: F401 - registers the table with the kernel

REVIEW_WORKING_DAYS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def _reason(text: str | None, what: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("%(field)s: a reason is required.") % {"field": what})
    return text


def _url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


def _tell_hospital(application: Application, title: str, body: str = "", kind: str = "") -> None:
    tell(application, HOSPITAL_ROLES, title, body, kind=kind, url=_url(application),
         hospital_id=application.hospital_id)


def _tell_bureau(application: Application, title: str, body: str = "", kind: str = "", admins_only=False) -> None:
    tell(application, (Role.BUREAU_ADMIN,) if admins_only else BUREAU_ROLES, title, body, kind=kind,
         url=_url(application))


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
    record_event(actor=actor, action="application.created", obj=application, old={"status": ""},
                 new={"status": application.status, "type": type, "case": case.settlement_id})
    return application


@transaction.atomic
def update_draft(*, actor: User | None, application: Application, reason: str,
                 secondary_drg_code: str = "") -> Application:
    """Edit a draft or a returned application before (re)submitting it."""
    code = (secondary_drg_code or "").strip()

    def check(locked: Application) -> None:
        locked.reason = _reason(reason)
        locked.secondary_group = _check_content(locked.case, locked.type, code)
        locked.secondary_drg_code = code.upper()

    return transition(application, "edit", actor=actor, check=check)


@transaction.atomic
def add_attachment(*, actor: User | None, application: Application, kind: str, upload) -> Attachment:
    """Store an uploaded file (checked by its bytes, ≤ 10 MB) under PRIVATE_MEDIA_ROOT/applications."""
    def check(locked: Application) -> dict:
        if kind not in AttachmentKind.values:
            raise ValidationFailed(_("kind: unknown attachment kind."))
        stored = store_upload(upload, "applications", allowed=ALLOWED_CONTENT[kind], max_bytes=MAX_ATTACHMENT_BYTES)
        created.append(_scoped(Attachment, locked.region_id).create(
            region_id=locked.region_id, application=locked, kind=kind, uploaded_by=actor, **stored))
        return {"attachment": created[0].pk, "kind": kind, "name": stored["original_name"],
                "sha256": stored["sha256"]}

    created: list[Attachment] = []
    transition(application, "attach", actor=actor, check=check)
    return created[0]


@transaction.atomic
def remove_attachment(*, actor: User | None, attachment: Attachment) -> None:
    def check(locked: Application) -> dict:
        delete_on_commit("applications", attachment.stored_name)
        return {"attachment": attachment.pk, "name": attachment.original_name}

    transition(attachment.application, "detach", actor=actor, check=check)
    attachment.delete()


@transaction.atomic
def submit(*, actor: User | None, application: Application) -> Application:
    """draft | returned → submitted, if every rule of workflows §2 holds (cap checked under a lock).

    The deadline (`application_deadline_days` after the end of the discharge month) applies to the first
    submission; resubmitting a returned application is answering the bureau, not a late application.
    """
    def check(locked: Application) -> None:
        case = locked.case
        if case.hospital_id != locked.hospital_id:
            raise ValidationFailed(_("case: it does not belong to the hospital."))
        if locked.year in cleared_years(locked.region):
            raise ValidationFailed(_("The year %(year)s is already cleared.") % {"year": locked.year},
                                   code="year_cleared")
        policy = selectors.policy_for(locked.region, locked.year)
        deadline = selectors.application_deadline(case.discharge_date, policy.application_deadline_days)
        if locked.submitted_at is None and timezone.localdate() > deadline:
            raise ValidationFailed(_("The deadline for this case was %(date)s.") % {"date": deadline.isoformat()},
                                   code="deadline_passed")
        locked.secondary_group = _check_content(case, locked.type, locked.secondary_drg_code)
        has_summary = _scoped(Attachment, locked.region_id).filter(
            application=locked, kind=AttachmentKind.MEDICAL_RECORD_SUMMARY, content_type="application/pdf").exists()
        if not has_summary:
            raise ValidationFailed(_("attachments: the medical record summary (PDF) is required."))
        _check_cap(locked)

    return transition(application, "submit", actor=actor, check=check, submitted_at=lambda a: timezone.now(),
                      after=lambda a, old: _tell_bureau(
                          a, _("Application %(label)s submitted") % {"label": _label(a)},
                          _("%(hospital)s submitted an application; it waits for intake.")
                          % {"hospital": a.hospital.name}, kind="application.submitted"))


@transaction.atomic
def withdraw(*, actor: User | None, application: Application, reason: str = "") -> Application:
    reason = (reason or "").strip()

    def after(locked: Application, old: str) -> None:
        if old != Status.DRAFT:
            _tell_bureau(locked, _("Application %(label)s withdrawn") % {"label": _label(locked)}, reason,
                         kind="application.withdrawn")

    return transition(application, "withdraw", actor=actor, reason=reason, after=after)


# --- bureau: intake -------------------------------------------------------------------------------


@transaction.atomic
def accept(*, actor: User | None, application: Application) -> Application:
    return transition(application, "accept", actor=actor, accepted_at=lambda a: timezone.now(),
                      after=lambda a, old: _tell_hospital(
                          a, _("Application %(label)s accepted for expert review") % {"label": _label(a)},
                          kind="application.accepted"))


@transaction.atomic
def return_(*, actor: User | None, application: Application, reason: str) -> Application:
    """submitted → returned with a reason; the hospital completes it and submits again."""
    reason = (reason or "").strip()
    return transition(application, "return", actor=actor, reason=reason, clean=lambda: _reason(reason),
                      return_reason=reason,
                      after=lambda a, old: _tell_hospital(a, _("Application %(label)s returned") % {"label": _label(a)},
                                                          reason, kind="application.returned"))


@transaction.atomic
def reject_at_intake(*, actor: User | None, application: Application, reason: str) -> Application:
    reason = (reason or "").strip()
    return transition(application, "reject_at_intake", actor=actor, reason=reason, clean=lambda: _reason(reason),
                      outcome=Outcome.REJECT, decision_reason=reason, decided_by=actor,
                      decided_at=lambda a: timezone.now(),
                      after=lambda a, old: _tell_hospital(
                          a, _("Application %(label)s rejected at intake") % {"label": _label(a)}, reason,
                          kind="application.rejected"))


# --- bureau: experts ------------------------------------------------------------------------------


@transaction.atomic
def assign_experts(*, actor: User | None, application: Application, experts: list[User]) -> list[Assignment]:
    """Assign the experts still missing: `experts_per_review` at first, one per declined expert later.

    Due date: `add_working_days(region, today, 10)` — ten working days (the region's calendar, so a
    holiday week does not eat the review time) is the usual expert-review period of the seed policies
    for a single case file. A replacement gets its own ten working days, and the application's
    review_due moves to the latest due date so the replaced expert's colleague is not cut short.
    """
    experts = list(experts)
    created: list[Assignment] = []

    def check(locked: Application) -> dict:
        policy = selectors.policy_for(locked.region, locked.year)
        needed = policy.experts_per_review - selectors.active_assignments(locked).count()
        if needed <= 0:
            raise InvalidTransition(_("All %(n)s experts are assigned.") % {"n": policy.experts_per_review})
        if len({e.pk for e in experts}) != len(experts):
            raise ValidationFailed(_("experts: each expert only once."))
        if len(experts) != needed:
            raise ValidationFailed(_("experts: exactly %(n)s expert(s) needed.") % {"n": needed})
        due = add_working_days(locked.region, timezone.localdate(), REVIEW_WORKING_DAYS)
        created.extend(assign_from_pool(
            locked, experts, due=due, actor=actor, link="application", assignments=_scoped(Assignment, locked.region_id),
            pool=_scoped(ExpertProfile, locked.region_id), affiliated_of=selectors.affiliated_hospitals,
            affiliated=_("experts: %(name)s is affiliated with the applying hospital."),
            repeated=_("experts: %(name)s was already assigned to this application.")))
        if locked.review_due is None or locked.review_due < due:
            locked.review_due = due
        return {"experts": [e.username for e in experts], "due": due}

    def after(locked: Application, old: str) -> None:
        notify(users=experts, region=locked.region, kind="application.assigned",
               title=_("Expert review assigned: %(label)s") % {"label": _label(locked)},
               body=_("Please give your opinion by %(date)s.") % {"date": created[0].due.isoformat()},
               url=reverse("applications:review", args=[locked.pk]))

    transition(application, "assign", actor=actor, check=check, after=after)
    return created


def _own_assignment(locked: Application, actor: User | None, statuses, refusal) -> Assignment:
    assignment = _scoped(Assignment, locked.region_id).select_for_update().filter(
        application=locked, expert=actor, status__in=statuses).first()
    if assignment is None:
        raise Forbidden(refusal)
    return assignment


@transaction.atomic
def decline_assignment(*, actor: User | None, application: Application, reason: str) -> Assignment:
    """The assigned expert declares a conflict of interest; the bureau assigns a replacement."""
    reason = (reason or "").strip()
    found: list[Assignment] = []

    def check(locked: Application) -> dict:
        assignment = _own_assignment(locked, actor, ACTIVE_ASSIGNMENT, _("Only an assigned expert can decline."))
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise InvalidTransition(_("You already gave your opinion."))
        assignment.status = AssignmentStatus.DECLINED
        assignment.decline_reason = reason
        assignment.declined_at = timezone.now()
        assignment.save()
        found.append(assignment)
        return {"assignment": AssignmentStatus.DECLINED}

    transition(application, "decline", actor=actor, reason=reason, clean=lambda: _reason(reason), check=check,
               after=lambda a, old: _tell_bureau(
                   a, _("Expert declined %(label)s: assign a replacement") % {"label": _label(a)}, reason,
                   kind="application.declined"))
    return found[0]


# --- expert: opinion; review complete -------------------------------------------------------------


@transaction.atomic
def submit_opinion(*, actor: User | None, application: Application, verdict: str, unreasonable_cost,
                   comment: str = "") -> Opinion:
    """The assigned expert's opinion (one per assignment, editable until the application is decided)."""
    found: list[Opinion] = []

    def check(locked: Application) -> dict:
        assignment = _own_assignment(locked, actor, ACTIVE_ASSIGNMENT,
                                     _("Only an assigned expert can give an opinion."))
        if verdict not in Verdict.values:
            raise ValidationFailed(_("verdict: approve or reject."))
        cost = _money(unreasonable_cost if unreasonable_cost not in (None, "") else 0, "unreasonable_cost")
        if cost > locked.case.total_cost:
            raise ValidationFailed(_("unreasonable_cost: more than the case's total cost."))
        opinion = _scoped(Opinion, locked.region_id).filter(assignment=assignment).first()
        if opinion is None:
            opinion = Opinion(region_id=locked.region_id, assignment=assignment)
        opinion.verdict, opinion.unreasonable_cost, opinion.comment = verdict, cost, (comment or "").strip()
        opinion.save()
        assignment.status = AssignmentStatus.DONE
        assignment.save(update_fields=["status"])
        found.append(opinion)
        return {"verdict": verdict, "unreasonable_cost": cost}

    def after(locked: Application, old: str) -> None:
        policy = selectors.policy_for(locked.region, locked.year)
        done = selectors.active_assignments(locked).filter(status=AssignmentStatus.DONE).count()
        if locked.status == Status.UNDER_REVIEW and done >= policy.experts_per_review:
            _to_reviewed(None, locked, _("all opinions are in"))

    transition(application, "opinion", actor=actor, check=check, after=after)
    return found[0]


def _to_reviewed(actor, application: Application, why, check=None) -> Application:
    """under_review → reviewed; `why` may be computed by `check` under the lock (a callable)."""
    def reason() -> str:
        return str(why() if callable(why) else why)

    return transition(application, "review", actor=actor, reason=reason, check=check,
                      reviewed_at=lambda a: timezone.now(),
                      after=lambda a, old: _tell_bureau(
                          a, _("Application %(label)s is ready for decision") % {"label": _label(a)}, reason(),
                          kind="application.reviewed", admins_only=True))


@transaction.atomic
def mark_reviewed(*, actor: User | None, application: Application) -> Application:
    """under_review → reviewed once all opinions are in or the review deadline has passed."""
    why: list[str] = []

    def check(locked: Application) -> None:
        policy = selectors.policy_for(locked.region, locked.year)
        done = selectors.active_assignments(locked).filter(status=AssignmentStatus.DONE).count()
        if done >= policy.experts_per_review:
            why.append(_("all opinions are in"))
        elif locked.review_due is not None and locked.review_due < timezone.localdate():
            why.append(_("the review deadline %(date)s has passed") % {"date": locked.review_due.isoformat()})
        else:
            raise InvalidTransition(_("Opinions are missing and the review deadline has not passed."))

    return _to_reviewed(actor, application, lambda: why[0], check=check)


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



def _decision(actor, application: Application, outcome: str, reason: str, unreasonable_cost, *, revise: bool,
              event: dict | None = None) -> Application:
    """The decision and its revision after a dispute: one path (approve | partial | reject), the cap re-checked
    on approval; `decided_at` becomes now, so only settlement runs computed afterwards apply it."""
    reason = (reason or "").strip()

    def clean() -> None:
        _reason(reason)
        if outcome not in Outcome.values:
            raise ValidationFailed(_("outcome: approve, partial or reject."))

    def check(locked: Application) -> dict:
        if revise and locked.decided_at is None:
            raise InvalidTransition(_("Only a decided application can be revised."))
        cost = None
        if outcome == Outcome.PARTIAL:
            if locked.type not in REVIEW_TYPES:
                raise ValidationFailed(_("outcome: partial approval only for incentive and special cases."))
            cost = _money(unreasonable_cost, "unreasonable_cost")
            if cost <= 0 or cost > locked.case.total_cost:
                raise ValidationFailed(_("unreasonable_cost: more than 0 and at most the case's total cost."))
        elif outcome == Outcome.APPROVE and locked.type in REVIEW_TYPES:
            cost = _money((unreasonable_cost or 0) if revise else 0, "unreasonable_cost")
        if outcome != Outcome.REJECT:
            _check_cap(locked, statuses=(Status.APPROVED,))
        locked.unreasonable_cost = cost
        return {"outcome": outcome, "unreasonable_cost": cost, **(event or {})}

    def after(locked: Application, old: str) -> None:
        title = (_("Decision on application %(label)s revised: %(outcome)s") if revise
                 else _("Decision on application %(label)s: %(outcome)s"))
        _tell_hospital(locked, title % {"label": _label(locked), "outcome": locked.get_outcome_display()}, reason,
                       kind="application.decided")

    action = ("revise_" if revise else "") + ("reject" if outcome == Outcome.REJECT else "approve")
    try:
        with transaction.atomic():
            return transition(application, action, actor=actor, reason=reason, clean=clean, check=check, after=after,
                              snapshot=("outcome", "unreasonable_cost") if revise else (), outcome=outcome,
                              decision_reason=reason, decided_by=actor, decided_at=lambda a: timezone.now())
    except IntegrityError:
        raise ValidationFailed(_("case: it already has another active application.")) from None


@transaction.atomic
def decide(*, actor: User | None, application: Application, outcome: str, reason: str,
           unreasonable_cost=None) -> Application:
    """reviewed → approved (approve | partial with an unreasonable cost) or rejected; the cap is re-checked
    on approval. Partial approval applies to reviewed-cost types (incentive, special), where the
    unreasonable cost lowers the paid points."""
    return _decision(actor, application, outcome, reason, unreasonable_cost, revise=False)


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


# --- a decision changed after a dispute (workflows §2: "final … except through a dispute") -------


@transaction.atomic
def decision_revise(*, actor: User | None, application: Application, outcome: str, reason: str,
                    unreasonable_cost=None, source: str = "dispute", source_id: int | None = None) -> Application:
    """Change the outcome of a decided application (approved or rejected) on a dispute decision.

    Bureau administrator only (actor None = system). `decided_at` becomes now, so every settlement run
    computed afterwards applies the new outcome and earlier runs keep theirs; the cap is re-checked when the
    new outcome approves.
    """
    return _decision(actor, application, outcome, reason, unreasonable_cost, revise=True,
                     event={"source": source, "source_id": source_id})
