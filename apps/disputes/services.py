"""State changes of disputes (workflows.md §3): one function per transition.

```
draft ─submit→ submitted ─accept→ accepted ─assign→ under_review ─decide→ decided ─acknowledge→ closed
  └─withdraw→ withdrawn   └─not_accept→ closed          └────────decide───────↗   └─appeal (once)→ appealed
                                                                                    appealed ─decide→ decided
```
Each runs in `transaction.atomic` with the dispute row locked (`select_for_update`), checks scope
(out of scope → NotFound, 404) then role (→ Forbidden, 403), refuses an illegal transition
(InvalidTransition), writes the audit trail and notifies whoever acts next. `actor=None` is the system
(the daily sweep, the demo) and skips the role checks.

Deadlines are working days on the region's calendar (`add_working_days`), from the dispute year's policy:
acceptance `dispute_accept_days` (5) after submission, decision `dispute_decision_days` (20) after
acceptance (or after the appeal), appeal `dispute_appeal_days` (10) after the first decision.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.hospitals.models import Hospital
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES, Role
from apps.tenants.models import Membership, Region, User

from . import rules, selectors
from .enums import (
    ACTIVE_ASSIGNMENT,
    ALLOWED_CONTENT,
    DECIDING,
    AssignmentStatus,
    ClosedReason,
    Outcome,
    Status,
    SubjectType,
)
from .models import Assignment, Attachment, Comment, Dispute, Opinion

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
REVIEW_WORKING_DAYS = 10
DIGEST_ITEMS = 50  # items listed by name in the digest (the counts cover all)


def _scoped(model, region_id: int):
    return model.objects.with_scope(region=[region_id])


def _today() -> dt.date:
    return timezone.localdate()


def _lock(dispute: Dispute) -> Dispute:
    return (_scoped(Dispute, dispute.region_id).select_for_update(of=("self",))
            .select_related("region", "hospital", "case", "run", "coefficient_version", "application")
            .get(pk=dispute.pk))


def _check_scope(actor: User | None, dispute: Dispute) -> None:
    if actor is not None and not rules.can_see(actor, dispute):
        raise NotFound()


def _require_hospital(actor: User | None, dispute: Dispute, admin: bool = False) -> None:
    _check_scope(actor, dispute)
    if actor is None:
        return
    access = get_access(actor)
    if admin:
        if not rules.is_hospital_admin_of(access, dispute.region_id, dispute.hospital_id):
            raise Forbidden("Only the hospital's insurance office head can do this.")
    elif not rules.is_hospital_of(access, dispute.region_id, dispute.hospital_id):
        raise Forbidden("Only the disputing hospital can do this.")


def _require_bureau(actor: User | None, dispute: Dispute, admin: bool = False) -> None:
    _check_scope(actor, dispute)
    if actor is None:
        return
    if admin and not rules.is_bureau_admin(actor, dispute.region_id):
        raise Forbidden("Only the bureau administrator decides disputes.")
    if not rules.is_bureau(actor, dispute.region_id):
        raise Forbidden("Only the medical insurance bureau can do this.")


def _require_state(dispute: Dispute, *allowed: str) -> None:
    if dispute.status not in allowed:
        raise InvalidTransition(f"Not possible while the dispute is {dispute.get_status_display()}.")


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{field}: required.")
    return value


def _event(actor, dispute: Dispute, action: str, old: str, reason: str = "", **extra) -> None:
    record_event(actor=actor, action=f"dispute.{action}", obj=dispute, old={"status": old},
                 new={"status": dispute.status, **extra}, reason=reason)


def _url(dispute: Dispute) -> str:
    return reverse("disputes:detail", args=[dispute.pk])


def _users(region_id: int, roles, hospital_id: int | None = None) -> list[User]:
    qs = _scoped(Membership, region_id).filter(region_id=region_id, role__in=list(roles), user__is_active=True)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    return list(User.objects.filter(pk__in=set(qs.values_list("user_id", flat=True))).order_by("pk"))


def _label(dispute: Dispute) -> str:
    return f"#{dispute.pk}（{dispute.get_subject_type_display()}）"


def _tell_hospital(dispute: Dispute, title: str, body: str = "", kind: str = "") -> None:
    notify(users=_users(dispute.region_id, HOSPITAL_ROLES, dispute.hospital_id), region=dispute.region,
           title=title, body=body, url=_url(dispute), kind=kind)


def _tell_bureau(dispute: Dispute, title: str, body: str = "", kind: str = "", admins_only: bool = False) -> None:
    roles = (Role.BUREAU_ADMIN,) if admins_only else BUREAU_ROLES
    notify(users=_users(dispute.region_id, roles), region=dispute.region, title=title, body=body,
           url=_url(dispute), kind=kind)


def _policy(dispute: Dispute):
    return selectors.policy_for(dispute.region, dispute.year)


def _check_window(dispute: Dispute) -> None:
    if dispute.window_ends is not None and _today() > dispute.window_ends:
        raise ValidationFailed(f"The period to dispute this item ended on {dispute.window_ends.isoformat()}.",
                               code="deadline_passed")


# --- hospital: draft, submit, withdraw -----------------------------------------------------------


@transaction.atomic
def dispute_create(*, actor: User | None, hospital: Hospital, subject_type: str, subject_ref: str = "", claim: str,
                   requested_outcome: str = "", year: int | None = None) -> Dispute:
    """A hospital user drafts a dispute about one of the hospital's items (resolved from `subject_ref`)."""
    if actor is not None:
        access = get_access(actor)
        if hospital.region_id not in access.region_ids or not (
                access.reads_whole_region(hospital.region_id) or hospital.pk in access.hospital_ids(hospital.region_id)):
            raise NotFound()
        if not rules.is_hospital_of(access, hospital.region_id, hospital.pk):
            raise Forbidden("Only the hospital's own users raise its disputes.")
    claim = _text(claim, "claim")
    region = Region.objects.get(pk=hospital.region_id)
    subject = selectors.resolve_subject(region, hospital, subject_type, subject_ref, year)
    if subject_type == SubjectType.OTHER and not (subject_ref or "").strip():
        subject.ref = ""
    dispute = Dispute(region=region, hospital=hospital, subject_type=subject_type, subject_ref=subject.ref,
                      case=subject.case, run=subject.run, coefficient_version=subject.coefficient_version,
                      application=subject.application, group_code=subject.group_code, year=subject.year,
                      subject_published_at=subject.published_on, window_ends=subject.window_ends, claim=claim,
                      requested_outcome=(requested_outcome or "").strip(), created_by=actor)
    _check_window(dispute)
    dispute.save()
    _event(actor, dispute, "created", "", subject_type=subject_type, subject_ref=subject.ref)
    return dispute


@transaction.atomic
def dispute_update(*, actor: User | None, dispute: Dispute, claim: str, requested_outcome: str = "") -> Dispute:
    _require_hospital(actor, dispute)
    dispute = _lock(dispute)
    _require_state(dispute, Status.DRAFT)
    dispute.claim = _text(claim, "claim")
    dispute.requested_outcome = (requested_outcome or "").strip()
    dispute.save()
    _event(actor, dispute, "edited", dispute.status)
    return dispute


@transaction.atomic
def dispute_withdraw(*, actor: User | None, dispute: Dispute, reason: str = "") -> Dispute:
    """draft → withdrawn (a submitted dispute is the bureau's to handle)."""
    _require_hospital(actor, dispute)
    dispute = _lock(dispute)
    _require_state(dispute, Status.DRAFT)
    dispute.status = Status.WITHDRAWN
    dispute.closed_at = timezone.now()
    dispute.save()
    _event(actor, dispute, "withdrawn", Status.DRAFT, reason=(reason or "").strip())
    return dispute


@transaction.atomic
def dispute_submit(*, actor: User | None, dispute: Dispute) -> Dispute:
    """draft → submitted inside the raise window; the bureau must accept within `dispute_accept_days`."""
    _require_hospital(actor, dispute, admin=True)
    dispute = _lock(dispute)
    _require_state(dispute, Status.DRAFT)
    _check_window(dispute)
    today = _today()
    dispute.status = Status.SUBMITTED
    dispute.submitted_at = timezone.now()
    dispute.accept_due = add_working_days(dispute.region, today, _policy(dispute).dispute_accept_days)
    dispute.overdue = False
    dispute.save()
    _event(actor, dispute, "submitted", Status.DRAFT, accept_due=dispute.accept_due)
    _tell_bureau(dispute, f"新的争议申请 {_label(dispute)}：{dispute.hospital.name}",
                 f"请于 {dispute.accept_due.isoformat()} 前完成受理。", kind="dispute.submitted")
    return dispute


# --- bureau: intake ------------------------------------------------------------------------------


@transaction.atomic
def dispute_accept(*, actor: User | None, dispute: Dispute) -> Dispute:
    """submitted → accepted; the decision is due `dispute_decision_days` working days later."""
    _require_bureau(actor, dispute)
    dispute = _lock(dispute)
    _require_state(dispute, Status.SUBMITTED)
    dispute.status = Status.ACCEPTED
    dispute.accepted_at = timezone.now()
    dispute.decision_due = add_working_days(dispute.region, _today(), _policy(dispute).dispute_decision_days)
    dispute.overdue = False
    dispute.save()
    _event(actor, dispute, "accepted", Status.SUBMITTED, decision_due=dispute.decision_due)
    _tell_hospital(dispute, f"争议 {_label(dispute)} 已受理",
                   f"处理决定将于 {dispute.decision_due.isoformat()} 前作出。", kind="dispute.accepted")
    return dispute


@transaction.atomic
def dispute_not_accept(*, actor: User | None, dispute: Dispute, reason: str) -> Dispute:
    """submitted → closed, with the reason the dispute is not accepted."""
    _require_bureau(actor, dispute)
    reason = _text(reason, "reason")
    dispute = _lock(dispute)
    _require_state(dispute, Status.SUBMITTED)
    dispute.status = Status.CLOSED
    dispute.closed_reason = ClosedReason.NOT_ACCEPTED
    dispute.not_accept_reason = reason
    dispute.closed_at = timezone.now()
    dispute.overdue = False
    dispute.save()
    _event(actor, dispute, "not_accepted", Status.SUBMITTED, reason=reason)
    _tell_hospital(dispute, f"争议 {_label(dispute)} 不予受理", reason, kind="dispute.not_accepted")
    return dispute


# --- bureau: optional expert review --------------------------------------------------------------


@transaction.atomic
def dispute_assign(*, actor: User | None, dispute: Dispute, experts: list[User]) -> list[Assignment]:
    """Assign one or more experts of the region's pool (apps.applications' ExpertProfile): accepted →
    under_review (an appealed dispute stays appealed). An expert affiliated with the disputing hospital is
    refused (`conflict_of_interest`); a declined assignment is marked replaced by the new ones."""
    from apps.applications.models import ExpertProfile

    _require_bureau(actor, dispute)
    dispute = _lock(dispute)
    _require_state(dispute, Status.ACCEPTED, Status.UNDER_REVIEW, Status.APPEALED)
    experts = list(experts)
    if not experts:
        raise ValidationFailed("experts: choose at least one expert.")
    if len({e.pk for e in experts}) != len(experts):
        raise ValidationFailed("experts: each expert only once.")
    previous = set(_scoped(Assignment, dispute.region_id).filter(dispute=dispute).values_list("expert_id", flat=True))
    for expert in experts:
        if not _scoped(ExpertProfile, dispute.region_id).filter(region_id=dispute.region_id, user=expert, active=True,
                                                                user__is_active=True).exists():
            raise ValidationFailed(f"experts: {expert} is not an active expert of the region.")
        if dispute.hospital_id in selectors.affiliated_hospitals(expert, dispute.region_id):
            raise ValidationFailed(f"experts: {expert} is affiliated with the disputing hospital.",
                                   code="conflict_of_interest")
        if expert.pk in previous:
            raise ValidationFailed(f"experts: {expert} was already assigned to this dispute.",
                                   code="conflict_of_interest")
    due = add_working_days(dispute.region, _today(), REVIEW_WORKING_DAYS)
    if dispute.decision_due is not None:
        due = min(due, dispute.decision_due)
    created = [Assignment.objects.with_scope(region=[dispute.region_id]).create(
        region_id=dispute.region_id, dispute=dispute, expert=e, due=due, assigned_by=actor) for e in experts]
    _scoped(Assignment, dispute.region_id).filter(dispute=dispute, status=AssignmentStatus.DECLINED) \
        .update(status=AssignmentStatus.REPLACED)
    old = dispute.status
    if dispute.status == Status.ACCEPTED:
        dispute.status = Status.UNDER_REVIEW
    dispute.save()
    _event(actor, dispute, "experts_assigned", old, experts=[e.username for e in experts], due=due)
    notify(users=experts, region=dispute.region, kind="dispute.assigned",
           title=f"争议评审任务 {_label(dispute)}", body=f"请于 {due.isoformat()} 前提交评审意见。",
           url=_url(dispute))
    return created


@transaction.atomic
def dispute_decline(*, actor: User | None, dispute: Dispute, reason: str) -> Assignment:
    """The assigned expert declares a conflict of interest; the bureau assigns a replacement."""
    _check_scope(actor, dispute)
    reason = _text(reason, "reason")
    dispute = _lock(dispute)
    assignment = _scoped(Assignment, dispute.region_id).select_for_update().filter(
        dispute=dispute, expert=actor, status=AssignmentStatus.ASSIGNED).first()
    if assignment is None:
        raise Forbidden("Only an assigned expert without an opinion can decline.")
    _require_state(dispute, Status.UNDER_REVIEW, Status.APPEALED)
    assignment.status = AssignmentStatus.DECLINED
    assignment.decline_reason = reason
    assignment.save()
    _event(actor, dispute, "assignment_declined", dispute.status, reason=reason)
    _tell_bureau(dispute, f"专家回避争议 {_label(dispute)}，请另行指派", reason, kind="dispute.declined")
    return assignment


@transaction.atomic
def dispute_opinion(*, actor: User | None, dispute: Dispute, suggestion: str, comment: str) -> Opinion:
    """The assigned expert's opinion (editable until the dispute is decided)."""
    _check_scope(actor, dispute)
    dispute = _lock(dispute)
    assignment = _scoped(Assignment, dispute.region_id).select_for_update().filter(
        dispute=dispute, expert=actor, status__in=ACTIVE_ASSIGNMENT).first()
    if assignment is None:
        raise Forbidden("Only an assigned expert can give an opinion.")
    _require_state(dispute, Status.UNDER_REVIEW, Status.APPEALED)
    if suggestion not in Outcome.values:
        raise ValidationFailed("suggestion: upheld, adjusted or partial.")
    comment = _text(comment, "comment")
    opinion = _scoped(Opinion, dispute.region_id).filter(assignment=assignment).first()
    old = {"suggestion": opinion.suggestion} if opinion else None
    if opinion is None:
        opinion = Opinion(region_id=dispute.region_id, assignment=assignment)
    opinion.suggestion, opinion.comment = suggestion, comment
    opinion.save()
    assignment.status = AssignmentStatus.DONE
    assignment.save(update_fields=["status"])
    record_event(actor=actor, action="dispute.opinion", obj=dispute, old=old,
                 new={"status": dispute.status, "suggestion": suggestion})
    _tell_bureau(dispute, f"争议 {_label(dispute)} 收到专家意见", comment[:200], kind="dispute.opinion",
                 admins_only=True)
    return opinion


# --- bureau administrator: decision --------------------------------------------------------------


def _clean_adjustment(dispute: Dispute, outcome: str, adjustment) -> dict | None:
    """The adjustment a decision applies, checked before anything changes (None when upheld)."""
    if outcome == Outcome.UPHELD:
        return None
    if dispute.subject_type == SubjectType.CASE:
        code = (adjustment or {}).get("drg_code", "") if isinstance(adjustment, dict) else ""
        return {"drg_code": _text(str(code), "adjustment.drg_code").upper()}
    if dispute.subject_type == SubjectType.COEFFICIENT:
        value = (adjustment or {}).get("coefficient") if isinstance(adjustment, dict) else None
        return {"coefficient": _text(str(value) if value is not None else "", "adjustment.coefficient")}
    if dispute.subject_type == SubjectType.APPLICATION:
        data = adjustment if isinstance(adjustment, dict) else {}
        result = {"outcome": _text(str(data.get("outcome") or ""), "adjustment.outcome")}
        cost = data.get("unreasonable_cost")
        result["unreasonable_cost"] = None if cost in (None, "") else str(cost)
        return result
    text = adjustment.get("text", "") if isinstance(adjustment, dict) else (adjustment or "")
    return {"text": _text(str(text), "adjustment")}


def _apply_adjustment(actor: User | None, dispute: Dispute, adjustment: dict | None, reason: str) -> dict | None:
    """Apply the change through the owning service; the dispute is the recorded reason and source."""
    if adjustment is None:
        return None
    why = f"争议 #{dispute.pk}：{reason}"
    if dispute.subject_type == SubjectType.CASE:
        from apps.cases.regroup import case_regroup

        old = dispute.case.drg_code
        case_regroup(actor=actor, case=dispute.case, drg_code=adjustment["drg_code"], reason=why, source="dispute",
                     source_id=dispute.pk)
        return {**adjustment, "previous": old}
    if dispute.subject_type == SubjectType.COEFFICIENT:
        from apps.settlement.selectors import hospital_coefficient
        from apps.settlement.services import coefficient_revise

        row = hospital_coefficient(dispute.region, dispute.year, dispute.hospital_id)
        version = coefficient_revise(actor=actor, region=dispute.region, year=dispute.year, hospital=dispute.hospital,
                                     value=adjustment["coefficient"], reason=why, source="dispute",
                                     source_id=dispute.pk)
        return {**adjustment, "previous": str(row.coefficient) if row else None, "version": version.number}
    if dispute.subject_type == SubjectType.APPLICATION:
        from apps.applications.services import decision_revise

        app = dispute.application
        old = {"outcome": app.outcome, "unreasonable_cost": str(app.unreasonable_cost)
               if app.unreasonable_cost is not None else None}
        decision_revise(actor=actor, application=app, outcome=adjustment["outcome"], reason=why,
                        unreasonable_cost=adjustment["unreasonable_cost"], source="dispute", source_id=dispute.pk)
        return {**adjustment, "previous": old}
    return adjustment


def _letter_number(dispute: Dispute, day: dt.date) -> tuple[int, str]:
    Region.objects.select_for_update().get(pk=dispute.region_id)  # serialises numbering per region
    used = (_scoped(Dispute, dispute.region_id).filter(region_id=dispute.region_id, letter_year=day.year)
            .aggregate(m=Max("letter_seq"))["m"] or 0)
    seq = used + 1
    short = (dispute.region.name or "医")[0]
    return seq, f"{short}医保争〔{day.year}〕{seq}号"


@transaction.atomic
def dispute_decide(*, actor: User | None, dispute: Dispute, outcome: str, reason: str,
                   adjustment=None) -> Dispute:
    """accepted | under_review | appealed → decided (upheld | adjusted | partial, with reason).

    adjusted/partial apply `adjustment` through the owning service: `{drg_code}` regroups the case,
    `{coefficient}` publishes a new coefficient version, `{outcome, unreasonable_cost}` revises the
    application's decision; other subjects record free text. Generates the decision letter (PDF).
    """
    from .letter import generate_letter

    _require_bureau(actor, dispute, admin=True)
    reason = _text(reason, "reason")
    if outcome not in Outcome.values:
        raise ValidationFailed("outcome: upheld, adjusted or partial.")
    dispute = _lock(dispute)
    _require_state(dispute, *DECIDING)
    cleaned = _clean_adjustment(dispute, outcome, adjustment)
    applied = _apply_adjustment(actor, dispute, cleaned, reason)
    old = dispute.status
    now = timezone.now()
    if old == Status.APPEALED:
        dispute.first_decision = {"outcome": dispute.outcome, "reason": dispute.decision_reason,
                                  "adjustment": dispute.adjustment, "letter": dispute.letter_number,
                                  "decided_at": dispute.decided_at.isoformat() if dispute.decided_at else None}
    dispute.status = Status.DECIDED
    dispute.outcome = outcome
    dispute.decision_reason = reason
    dispute.adjustment = applied
    dispute.decided_by = actor
    dispute.decided_at = now
    dispute.decision_round += 1
    dispute.overdue = False
    dispute.appeal_due = (add_working_days(dispute.region, _today(), _policy(dispute).dispute_appeal_days)
                          if dispute.decision_round == 1 else None)
    seq, number = _letter_number(dispute, timezone.localdate(now))
    dispute.letter_seq, dispute.letter_year, dispute.letter_number = seq, timezone.localdate(now).year, number
    dispute.letter_path, dispute.letter_sha256 = generate_letter(dispute)
    dispute.save()
    _event(actor, dispute, "decided" if old != Status.APPEALED else "redecided", old, reason=reason, outcome=outcome,
           adjustment=applied, letter=number, appeal_due=dispute.appeal_due)
    _tell_hospital(dispute, f"争议 {_label(dispute)} 已作出处理决定（{dispute.get_outcome_display()}）",
                   f"{reason}\n决定书文号：{number}", kind="dispute.decided")
    return dispute


# --- hospital: accept the decision or appeal -----------------------------------------------------


@transaction.atomic
def dispute_acknowledge(*, actor: User | None, dispute: Dispute) -> Dispute:
    """decided → closed: the hospital accepts the decision."""
    _require_hospital(actor, dispute, admin=True)
    dispute = _lock(dispute)
    _require_state(dispute, Status.DECIDED)
    dispute.status = Status.CLOSED
    dispute.closed_reason = ClosedReason.ACKNOWLEDGED
    dispute.closed_at = timezone.now()
    dispute.save()
    _event(actor, dispute, "acknowledged", Status.DECIDED)
    _tell_bureau(dispute, f"医院已接受争议 {_label(dispute)} 的处理决定", kind="dispute.closed", admins_only=True)
    return dispute


@transaction.atomic
def dispute_appeal(*, actor: User | None, dispute: Dispute, reason: str) -> Dispute:
    """decided → appealed, once, within `dispute_appeal_days` working days of the decision."""
    _require_hospital(actor, dispute, admin=True)
    reason = _text(reason, "reason")
    dispute = _lock(dispute)
    _require_state(dispute, Status.DECIDED)
    if dispute.decision_round != 1 or dispute.appealed_at is not None:
        raise InvalidTransition("A dispute can be appealed only once.")
    if dispute.appeal_due is None or _today() > dispute.appeal_due:
        raise ValidationFailed(f"The appeal period ended on {dispute.appeal_due}.", code="deadline_passed")
    dispute.status = Status.APPEALED
    dispute.appealed_at = timezone.now()
    dispute.appeal_reason = reason
    dispute.decision_due = add_working_days(dispute.region, _today(), _policy(dispute).dispute_decision_days)
    dispute.overdue = False
    dispute.save()
    _event(actor, dispute, "appealed", Status.DECIDED, reason=reason, decision_due=dispute.decision_due)
    _tell_bureau(dispute, f"医院对争议 {_label(dispute)} 的处理决定提出复议", reason, kind="dispute.appealed")
    return dispute


# --- every step: comments and attachments --------------------------------------------------------


def _require_writer(actor: User | None, dispute: Dispute) -> None:
    _check_scope(actor, dispute)
    if actor is not None and not rules.can_write(actor, dispute):
        raise Forbidden("Read-only access.")


@transaction.atomic
def comment_add(*, actor: User | None, dispute: Dispute, text: str) -> Comment:
    _require_writer(actor, dispute)
    text = _text(text, "text")
    dispute = _lock(dispute)
    if dispute.status == Status.WITHDRAWN:
        raise InvalidTransition("The dispute was withdrawn.")
    comment = Comment.objects.with_scope(region=[dispute.region_id]).create(
        region_id=dispute.region_id, dispute=dispute, author=actor, step=dispute.status, text=text)
    record_event(actor=actor, action="dispute.comment", obj=dispute, new={"status": dispute.status,
                                                                           "comment": comment.pk})
    return comment


def detect_content_type(head: bytes):
    from apps.applications.services import detect_content_type as detect

    return detect(head)


@transaction.atomic
def attachment_add(*, actor: User | None, dispute: Dispute, upload) -> Attachment:
    """Store a PDF/JPEG/PNG (checked by its bytes, ≤ 10 MB) under PRIVATE_MEDIA_ROOT/disputes."""
    _require_writer(actor, dispute)
    dispute = _lock(dispute)
    if dispute.status == Status.WITHDRAWN:
        raise InvalidTransition("The dispute was withdrawn.")
    size = getattr(upload, "size", None)
    if size is None or size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed("file: larger than 10 MB.")
    if size == 0:
        raise ValidationFailed("file: empty.")
    upload.seek(0)
    detected = detect_content_type(upload.read(8))
    if detected is None or detected[0] not in ALLOWED_CONTENT:
        raise ValidationFailed("file: its content is not an accepted type (PDF, JPEG, PNG).")
    content_type, ext = detected
    folder = settings.PRIVATE_MEDIA_ROOT / "disputes"
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + ext
    digest = hashlib.sha256()
    upload.seek(0)
    with open(folder / stored, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    name = (getattr(upload, "name", "") or "file").replace("/", "_").replace("\\", "_")[-255:]
    attachment = Attachment.objects.with_scope(region=[dispute.region_id]).create(
        region_id=dispute.region_id, dispute=dispute, step=dispute.status, stored_name=stored, original_name=name,
        content_type=content_type, size=size, sha256=digest.hexdigest(), uploaded_by=actor)
    record_event(actor=actor, action="dispute.attachment_added", obj=dispute,
                 new={"status": dispute.status, "attachment": attachment.pk, "name": name, "sha256": attachment.sha256})
    return attachment


# --- the daily sweep and digest ------------------------------------------------------------------


def mark_overdue(region: Region, today: dt.date | None = None) -> int:
    """Store the overdue flag (set-based): set where a running deadline has passed, cleared elsewhere."""
    today = today or _today()
    rows = _scoped(Dispute, region.pk).filter(region=region)
    late = selectors.overdue_q(today)
    flagged = rows.filter(late, overdue=False).update(overdue=True)
    rows.filter(~late, overdue=True).update(overdue=False)
    return flagged


def close_unappealed(region: Region, today: dt.date | None = None) -> int:
    """A decision not appealed within its period stands: decided → closed (appeal_window)."""
    today = today or _today()
    due = _scoped(Dispute, region.pk).filter(region=region, status=Status.DECIDED).filter(
        Q(appeal_due__lt=today) | Q(appeal_due__isnull=True, decision_round__gte=2,
                                   decided_at__date__lt=today - dt.timedelta(days=30)))
    count = 0
    for dispute in due:
        with transaction.atomic():
            locked = _lock(dispute)
            if locked.status != Status.DECIDED:
                continue
            locked.status = Status.CLOSED
            locked.closed_reason = ClosedReason.APPEAL_WINDOW
            locked.closed_at = timezone.now()
            locked.save()
            _event(None, locked, "closed", Status.DECIDED, reason="appeal period passed")
            count += 1
    return count


def daily_digest(region: Region, today: dt.date | None = None) -> dict:
    """Mark overdue items, close unappealed decisions, and tell the bureau what is due soon or overdue."""
    today = today or _today()
    flagged = mark_overdue(region, today)
    closed = close_unappealed(region, today)
    rows = _scoped(Dispute, region.pk).filter(region=region).select_related("hospital")
    overdue_qs = rows.filter(selectors.overdue_q(today))
    soon_qs = rows.filter(selectors.due_soon_q(today, add_working_days(region, today, 2)))
    n_overdue, n_soon = overdue_qs.count(), soon_qs.count()
    sent = 0
    if n_overdue or n_soon:
        lines = [f"逾期 {n_overdue} 件，两个工作日内到期 {n_soon} 件。"]
        lines += [f"【逾期】#{d.pk} {d.hospital.name} {d.get_status_display()} 期限 {d.current_due}"
                  for d in overdue_qs.order_by("pk")[:DIGEST_ITEMS]]
        lines += [f"【将到期】#{d.pk} {d.hospital.name} {d.get_status_display()} 期限 {d.current_due}"
                  for d in soon_qs.order_by("pk")[:DIGEST_ITEMS]]
        staff = _users(region.pk, BUREAU_ROLES)
        notify(users=staff, region=region, kind="dispute.digest", title=f"争议处理每日提醒：逾期 {n_overdue} 件",
               body="\n".join(lines), url=reverse("disputes:list") + "?due=overdue")
        sent = len(staff)
    return {"region_id": region.pk, "flagged": flagged, "closed": closed, "overdue": n_overdue,
            "due_soon": n_soon, "notified": sent}
