"""State changes of disputes (workflows.md §3): one function per action of `transitions.WORKFLOW`.

```
draft ─submit→ submitted ─accept→ accepted ─assign→ under_review ─decide→ decided ─acknowledge→ closed
  └─withdraw→ withdrawn   └─not_accept→ closed          └────────decide───────↗   └─appeal (once)→ appealed
                                                                                    appealed ─decide→ decided
```
Each goes through `apps.core.workflow.transition` (row lock, scope → NotFound 404, role → Forbidden 403,
the table → InvalidTransition, one audit event, the notification); what stays here is each action's input
rules, guards and messages. `actor=None` is the system (the daily sweep, the demo) and skips the role checks.

Deadlines are working days on the region's calendar (`add_working_days`), from the dispute year's policy:
acceptance `dispute_accept_days` (5) after submission, decision `dispute_decision_days` (20) after
acceptance (or after the appeal), appeal `dispute_appeal_days` (10) after the first decision.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.applications.models import ExpertProfile
from apps.applications.services import decision_revise
from apps.cases.regroup import case_regroup
from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.reviews import assign_from_pool
from apps.core.scoping import scoped
from apps.core.uploads import detect_content_type as detect_content_type
from apps.core.uploads import store_upload
from apps.core.workflow import recipients, tell, transition
from apps.hospitals.models import Hospital
from apps.notifications.services import Text, notify
from apps.settlement.selectors import hospital_coefficient
from apps.settlement.services import coefficient_revise
from apps.tenants.access import get_access
from apps.tenants.enums import Role
from apps.tenants.models import Region, User
from apps.tenants.roles import BUREAU_ROLES, HOSPITAL_ROLES

from . import rules, selectors
from .enums import ACTIVE_ASSIGNMENT, ALLOWED_CONTENT, AssignmentStatus, ClosedReason, Outcome, Status, SubjectType
from .models import Assignment, Attachment, Comment, Dispute, Opinion
from .transitions import WORKFLOW  # noqa: F401 - registers the table with the kernel

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
REVIEW_WORKING_DAYS = 10
DIGEST_ITEMS = 50  # items listed by name in the digest (the counts cover all)

_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def _today() -> dt.date:
    return timezone.localdate()


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("%(field)s: required.") % {"field": field})
    return value


def _url(dispute: Dispute) -> str:
    return reverse("disputes:detail", args=[dispute.pk])


def _label(dispute: Dispute) -> str:
    return f"#{dispute.pk}（{dispute.get_subject_type_display()}）"


def _tell_hospital(dispute: Dispute, title: Text, body: Text = "", kind: str = "") -> None:
    tell(dispute, HOSPITAL_ROLES, title, body, kind=kind, url=_url(dispute), hospital_id=dispute.hospital_id)


def _tell_bureau(dispute: Dispute, title: Text, body: Text = "", kind: str = "", admins_only: bool = False) -> None:
    tell(dispute, (Role.BUREAU_ADMIN,) if admins_only else BUREAU_ROLES, title, body, kind=kind, url=_url(dispute))


def _policy(dispute: Dispute):
    return selectors.policy_for(dispute.region, dispute.year)


def _check_window(dispute: Dispute) -> None:
    if dispute.window_ends is not None and _today() > dispute.window_ends:
        raise ValidationFailed(_("The period to dispute this item ended on %(date)s.")
                               % {"date": dispute.window_ends.isoformat()}, code="deadline_passed")


def evidence_required(subject_type: str, published_on: dt.date | None) -> bool:
    """A dispute about a case in no published run must bring its evidence (病案首页, 费用明细 …): there is no
    published figure for the bureau to check the claim against (decision 0043)."""
    return subject_type == SubjectType.CASE and published_on is None


def _require_evidence(subject_type: str, published_on: dt.date | None, files: int) -> None:
    """The one evidence rule, checked when the draft is saved and again when it is submitted."""
    if files == 0 and evidence_required(subject_type, published_on):
        raise ValidationFailed(_("Attach the evidence (PDF, JPEG or PNG): this case is in no published settlement "
                                 "run, so the claim needs documents such as the front page of the medical record "
                                 "or the cost details."), code="evidence_required", field="evidence")


# --- hospital: draft, submit, withdraw -----------------------------------------------------------


@transaction.atomic
def dispute_create(*, actor: User | None, hospital: Hospital, subject_type: str, subject_ref: str = "", claim: str,
                   requested_outcome: str = "", year: int | None = None, evidence=()) -> Dispute:
    """A hospital user drafts a dispute about one of the hospital's items (resolved from `subject_ref`);
    `evidence` (uploaded files) is stored as the draft's attachments — required for a never-settled case."""
    if actor is not None:
        access = get_access(actor)
        if hospital.region_id not in access.region_ids or not (
                access.reads_whole_region(hospital.region_id) or hospital.pk in access.hospital_ids(hospital.region_id)):
            raise NotFound()
        if not rules.is_hospital_of(access, hospital.region_id, hospital.pk):
            raise Forbidden(_("Only the hospital's own users raise its disputes."))
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
    evidence = [f for f in (evidence or ()) if f]
    _require_evidence(subject_type, subject.published_on, len(evidence))
    dispute.save()
    record_event(actor=actor, action="dispute.created", obj=dispute, old={"status": ""},
                 new={"status": dispute.status, "subject_type": subject_type, "subject_ref": subject.ref})
    for upload in evidence:
        try:
            attachment_add(actor=actor, dispute=dispute, upload=upload)
        except ValidationFailed as err:  # a file of the wrong type or size: say so at the evidence input
            raise ValidationFailed(err.message, code=err.code, field="evidence") from err
    return dispute


@transaction.atomic
def dispute_update(*, actor: User | None, dispute: Dispute, claim: str, requested_outcome: str = "") -> Dispute:
    return transition(dispute, "edit", actor=actor, check=lambda d: setattr(d, "claim", _text(claim, "claim")),
                      requested_outcome=(requested_outcome or "").strip())


@transaction.atomic
def dispute_withdraw(*, actor: User | None, dispute: Dispute, reason: str = "") -> Dispute:
    """draft → withdrawn (a submitted dispute is the bureau's to handle)."""
    return transition(dispute, "withdraw", actor=actor, reason=(reason or "").strip(),
                      closed_at=lambda d: timezone.now())


@transaction.atomic
def dispute_submit(*, actor: User | None, dispute: Dispute) -> Dispute:
    """draft → submitted inside the raise window; the bureau must accept within `dispute_accept_days`."""
    def check(locked: Dispute) -> dict:
        _check_window(locked)
        _require_evidence(locked.subject_type, locked.subject_published_at,
                          _scoped(Attachment, locked.region_id).filter(dispute=locked).count())
        locked.accept_due = add_working_days(locked.region, _today(), _policy(locked).dispute_accept_days)
        return {"accept_due": locked.accept_due}

    return transition(dispute, "submit", actor=actor, check=check, submitted_at=lambda d: timezone.now(),
                      overdue=False, after=lambda d, old: _tell_bureau(
                          d, lambda: _("New dispute %(label)s: %(hospital)s") % {"label": _label(d), "hospital": d.hospital.name},
                          lambda: _("Please decide on its acceptance by %(date)s.") % {"date": d.accept_due.isoformat()},
                          kind="dispute.submitted"))


# --- bureau: intake ------------------------------------------------------------------------------


@transaction.atomic
def dispute_accept(*, actor: User | None, dispute: Dispute) -> Dispute:
    """submitted → accepted; the decision is due `dispute_decision_days` working days later."""
    def check(locked: Dispute) -> dict:
        locked.decision_due = add_working_days(locked.region, _today(), _policy(locked).dispute_decision_days)
        return {"decision_due": locked.decision_due}

    return transition(dispute, "accept", actor=actor, check=check, accepted_at=lambda d: timezone.now(),
                      overdue=False, after=lambda d, old: _tell_hospital(
                          d, lambda: _("Dispute %(label)s accepted") % {"label": _label(d)},
                          lambda: _("The decision will be made by %(date)s.") % {"date": d.decision_due.isoformat()},
                          kind="dispute.accepted"))


@transaction.atomic
def dispute_not_accept(*, actor: User | None, dispute: Dispute, reason: str) -> Dispute:
    """submitted → closed, with the reason the dispute is not accepted."""
    reason = (reason or "").strip()
    return transition(dispute, "not_accept", actor=actor, reason=reason, clean=lambda: _text(reason, "reason"),
                      closed_reason=ClosedReason.NOT_ACCEPTED, not_accept_reason=reason,
                      closed_at=lambda d: timezone.now(), overdue=False,
                      after=lambda d, old: _tell_hospital(d, lambda: _("Dispute %(label)s not accepted") % {"label": _label(d)},
                                                          reason, kind="dispute.not_accepted"))


# --- bureau: optional expert review --------------------------------------------------------------


@transaction.atomic
def dispute_assign(*, actor: User | None, dispute: Dispute, experts: list[User]) -> list[Assignment]:
    """Assign one or more experts of the region's pool (apps.applications' ExpertProfile): accepted →
    under_review (an appealed dispute stays appealed). An expert affiliated with the disputing hospital is
    refused (`conflict_of_interest`); a declined assignment is marked replaced by the new ones."""
    experts = list(experts)
    created: list[Assignment] = []

    def check(locked: Dispute) -> dict:
        if not experts:
            raise ValidationFailed(_("experts: choose at least one expert."))
        if len({e.pk for e in experts}) != len(experts):
            raise ValidationFailed(_("experts: each expert only once."))
        due = add_working_days(locked.region, _today(), REVIEW_WORKING_DAYS)
        if locked.decision_due is not None:
            due = min(due, locked.decision_due)
        created.extend(assign_from_pool(
            locked, experts, due=due, actor=actor, link="dispute", assignments=_scoped(Assignment, locked.region_id),
            pool=_scoped(ExpertProfile, locked.region_id), affiliated_of=selectors.affiliated_hospitals,
            affiliated=_("experts: %(name)s is affiliated with the disputing hospital."),
            repeated=_("experts: %(name)s was already assigned to this dispute.")))
        return {"experts": [e.username for e in experts], "due": due}

    def after(locked: Dispute, old: str) -> None:
        due = created[0].due
        notify(users=experts, region=locked.region, kind="dispute.assigned",
               title=lambda: _("Dispute review assigned: %(label)s") % {"label": _label(locked)},
               body=lambda: _("Please give your opinion by %(date)s.") % {"date": due.isoformat()}, url=_url(locked))

    transition(dispute, "assign", actor=actor, check=check, after=after)
    return created


def _own_assignment(locked: Dispute, actor: User | None, statuses, refusal) -> Assignment:
    assignment = _scoped(Assignment, locked.region_id).select_for_update().filter(
        dispute=locked, expert=actor, status__in=statuses).first()
    if assignment is None:
        raise Forbidden(refusal)
    return assignment


@transaction.atomic
def dispute_decline(*, actor: User | None, dispute: Dispute, reason: str) -> Assignment:
    """The assigned expert declares a conflict of interest; the bureau assigns a replacement."""
    reason = (reason or "").strip()
    found: list[Assignment] = []

    def check(locked: Dispute) -> None:
        assignment = _own_assignment(locked, actor, (AssignmentStatus.ASSIGNED,),
                                     _("Only an assigned expert without an opinion can decline."))
        assignment.status = AssignmentStatus.DECLINED
        assignment.decline_reason = reason
        assignment.save()
        found.append(assignment)

    transition(dispute, "decline", actor=actor, reason=reason, clean=lambda: _text(reason, "reason"), check=check,
               after=lambda d, old: _tell_bureau(
                   d, lambda: _("An expert declined dispute %(label)s: assign another") % {"label": _label(d)}, reason,
                   kind="dispute.declined"))
    return found[0]


@transaction.atomic
def dispute_opinion(*, actor: User | None, dispute: Dispute, suggestion: str, comment: str) -> Opinion:
    """The assigned expert's opinion (editable until the dispute is decided)."""
    found: list[Opinion] = []

    def check(locked: Dispute) -> dict:
        assignment = _own_assignment(locked, actor, ACTIVE_ASSIGNMENT, _("Only an assigned expert can give an opinion."))
        if suggestion not in Outcome.values:
            raise ValidationFailed(_("suggestion: upheld, adjusted or partial."))
        text = _text(comment, "comment")
        opinion = _scoped(Opinion, locked.region_id).filter(assignment=assignment).first()
        if opinion is None:
            opinion = Opinion(region_id=locked.region_id, assignment=assignment)
        opinion.suggestion, opinion.comment = suggestion, text
        opinion.save()
        assignment.status = AssignmentStatus.DONE
        assignment.save(update_fields=["status"])
        found.append(opinion)
        return {"suggestion": suggestion}

    transition(dispute, "opinion", actor=actor, check=check,
               after=lambda d, old: _tell_bureau(
                   d, lambda: _("Expert opinion received on dispute %(label)s") % {"label": _label(d)},
                   found[0].comment[:200], kind="dispute.opinion", admins_only=True))
    return found[0]


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
    why = _("Dispute #%(id)s: %(reason)s") % {"id": dispute.pk, "reason": reason}
    if dispute.subject_type == SubjectType.CASE:
        old = dispute.case.drg_code
        case_regroup(actor=actor, case=dispute.case, drg_code=adjustment["drg_code"], reason=why, source="dispute",
                     source_id=dispute.pk)
        return {**adjustment, "previous": old}
    if dispute.subject_type == SubjectType.COEFFICIENT:
        row = hospital_coefficient(dispute.region, dispute.year, dispute.hospital_id)
        version = coefficient_revise(actor=actor, region=dispute.region, year=dispute.year, hospital=dispute.hospital,
                                     value=adjustment["coefficient"], reason=why, source="dispute",
                                     source_id=dispute.pk)
        return {**adjustment, "previous": str(row.coefficient) if row else None, "version": version.number}
    if dispute.subject_type == SubjectType.APPLICATION:
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

    reason = (reason or "").strip()
    events: list[str] = []

    def clean() -> None:
        _text(reason, "reason")
        if outcome not in Outcome.values:
            raise ValidationFailed(_("outcome: upheld, adjusted or partial."))

    def check(locked: Dispute) -> dict:
        applied = _apply_adjustment(actor, locked, _clean_adjustment(locked, outcome, adjustment), reason)
        now = timezone.now()
        if locked.status == Status.APPEALED:
            events.append("redecided")
            locked.first_decision = {"outcome": locked.outcome, "reason": locked.decision_reason,
                                     "adjustment": locked.adjustment, "letter": locked.letter_number,
                                     "decided_at": locked.decided_at.isoformat() if locked.decided_at else None}
        locked.outcome, locked.decision_reason, locked.adjustment = outcome, reason, applied
        locked.decided_by, locked.decided_at = actor, now
        locked.decision_round += 1
        locked.overdue = False
        locked.appeal_due = (add_working_days(locked.region, _today(), _policy(locked).dispute_appeal_days)
                             if locked.decision_round == 1 else None)
        day = timezone.localdate(now)
        seq, number = _letter_number(locked, day)
        locked.letter_seq, locked.letter_year, locked.letter_number = seq, day.year, number
        locked.status = Status.DECIDED  # the letter shows the new state
        locked.letter_path, locked.letter_sha256 = generate_letter(locked)
        return {"outcome": outcome, "adjustment": applied, "letter": number, "appeal_due": locked.appeal_due}

    def after(locked: Dispute, old: str) -> None:
        _tell_hospital(locked, lambda: _("Dispute %(label)s decided (%(outcome)s)")
                       % {"label": _label(locked), "outcome": locked.get_outcome_display()},
                       lambda: _("%(reason)s\nDecision letter number: %(number)s")
                       % {"reason": reason, "number": locked.letter_number}, kind="dispute.decided")

    return transition(dispute, "decide", actor=actor, reason=reason, clean=clean, check=check, after=after,
                      event=lambda: events[0] if events else "decided")


# --- hospital: accept the decision or appeal -----------------------------------------------------


@transaction.atomic
def dispute_acknowledge(*, actor: User | None, dispute: Dispute) -> Dispute:
    """decided → closed: the hospital accepts the decision."""
    return transition(dispute, "acknowledge", actor=actor, closed_reason=ClosedReason.ACKNOWLEDGED,
                      closed_at=lambda d: timezone.now(), after=lambda d, old: _tell_bureau(
                          d, lambda: _("The hospital accepted the decision on dispute %(label)s") % {"label": _label(d)},
                          kind="dispute.closed", admins_only=True))


@transaction.atomic
def dispute_appeal(*, actor: User | None, dispute: Dispute, reason: str) -> Dispute:
    """decided → appealed, once, within `dispute_appeal_days` working days of the decision."""
    reason = (reason or "").strip()

    def check(locked: Dispute) -> dict:
        if locked.decision_round != 1 or locked.appealed_at is not None:
            raise InvalidTransition(_("A dispute can be appealed only once."))
        if locked.appeal_due is None or _today() > locked.appeal_due:
            raise ValidationFailed(_("The appeal period ended on %(date)s.") % {"date": locked.appeal_due},
                                   code="deadline_passed")
        locked.decision_due = add_working_days(locked.region, _today(), _policy(locked).dispute_decision_days)
        return {"decision_due": locked.decision_due}

    return transition(dispute, "appeal", actor=actor, reason=reason, clean=lambda: _text(reason, "reason"),
                      check=check, appealed_at=lambda d: timezone.now(), appeal_reason=reason, overdue=False,
                      after=lambda d, old: _tell_bureau(
                          d, lambda: _("The hospital appealed the decision on dispute %(label)s") % {"label": _label(d)},
                          reason, kind="dispute.appealed"))


# --- every step: comments and attachments --------------------------------------------------------


@transaction.atomic
def comment_add(*, actor: User | None, dispute: Dispute, text: str) -> Comment:
    text = (text or "").strip()
    found: list[Comment] = []

    def check(locked: Dispute) -> dict:
        found.append(Comment.objects.with_scope(region=[locked.region_id]).create(
            region_id=locked.region_id, dispute=locked, author=actor, step=locked.status, text=text))
        return {"comment": found[0].pk}

    transition(dispute, "comment", actor=actor, clean=lambda: _text(text, "text"), check=check)
    return found[0]


@transaction.atomic
def attachment_add(*, actor: User | None, dispute: Dispute, upload) -> Attachment:
    """Store a PDF/JPEG/PNG (checked by its bytes, ≤ 10 MB) under PRIVATE_MEDIA_ROOT/disputes."""
    found: list[Attachment] = []

    def check(locked: Dispute) -> dict:
        stored = store_upload(upload, "disputes", allowed=ALLOWED_CONTENT, max_bytes=MAX_ATTACHMENT_BYTES)
        found.append(Attachment.objects.with_scope(region=[locked.region_id]).create(
            region_id=locked.region_id, dispute=locked, step=locked.status, uploaded_by=actor, **stored))
        return {"attachment": found[0].pk, "name": stored["original_name"], "sha256": stored["sha256"]}

    transition(dispute, "attach", actor=actor, check=check)
    return found[0]


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
        try:
            transition(dispute, "close", actor=None, reason="appeal period passed",
                       closed_reason=ClosedReason.APPEAL_WINDOW, closed_at=lambda d: timezone.now())
        except InvalidTransition:
            continue  # decided → something else in the meantime
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
        line = _("[%(tag)s] #%(id)s %(hospital)s %(status)s due %(due)s")
        lines = [_("%(overdue)s overdue, %(soon)s due within two working days.")
                 % {"overdue": n_overdue, "soon": n_soon}]
        lines += [line % {"tag": _("overdue"), "id": d.pk, "hospital": d.hospital.name,
                          "status": d.get_status_display(), "due": d.current_due}
                  for d in overdue_qs.order_by("pk")[:DIGEST_ITEMS]]
        lines += [line % {"tag": _("due soon"), "id": d.pk, "hospital": d.hospital.name,
                          "status": d.get_status_display(), "due": d.current_due}
                  for d in soon_qs.order_by("pk")[:DIGEST_ITEMS]]
        staff = recipients(region.pk, BUREAU_ROLES)
        notify(users=staff, region=region, kind="dispute.digest",
               title=lambda: _("Disputes daily reminder: %(n)s overdue") % {"n": n_overdue},
               body="\n".join(lines), url=reverse("disputes:list") + "?due=overdue")
        sent = len(staff)
    return {"region_id": region.pk, "flagged": flagged, "closed": closed, "overdue": n_overdue,
            "due_soon": n_soon, "notified": sent}
