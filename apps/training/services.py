"""State changes of training (workflows.md §5): courses, sessions, enrolment, attendance, scores, certificates.

Each write runs in `transaction.atomic`, checks scope (out of scope → NotFound, 404) and role (→ Forbidden,
403), refuses an illegal transition (InvalidTransition) and writes the audit trail. Enrolment locks the
session row (`select_for_update`) before counting seats, so concurrent enrolments never overfill a session:
the ones that find it full are waitlisted in arrival order; a cancellation promotes the first waitlisted.
`actor=None` is the system (the demo, tasks) and skips the role checks.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.core import jobs
from apps.core.audit import record_event
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.pdf import chinese_date, read_stored_pdf, render_template_pdf, store_pdf
from apps.core.scoping import scoped
from apps.core.uploads import delete_on_commit, store_upload
from apps.core.workflow import authorize, require_state, transition
from apps.notices.services import notice_create, notice_publish
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES
from apps.tenants.models import Membership, Region, User

from . import rules
from .enums import (
    ACTIVE,
    AUDIENCE_ROLES,
    SEATED,
    Category,
    EnrollmentStatus,
    Mode,
    SessionStatus,
)
from .models import Course, Enrollment, Material, Session
from .transitions import ENROLLMENT, SESSION, lock_enrollment

# The session fields an edit may change (their old values go into the audit event).
SESSION_FIELDS = ("mode", "venue", "starts_at", "ends_at", "capacity", "enrol_deadline", "pass_mark")

log = logging.getLogger(__name__)
MAX_MATERIAL_BYTES = 20 * 1024 * 1024
# Accepted material files, detected from their first bytes (never from the name).
MATERIAL_SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"PK\x03\x04", "application/zip", ".zip"),
                       (b"\x89PNG", "image/png", ".png"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
OFFICE_TYPES = {".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def _require_bureau(actor: User | None, region_id: int) -> None:
    if actor is None:
        return
    if not rules.is_member(actor, region_id):
        raise NotFound()
    if not rules.is_bureau(actor, region_id):
        raise Forbidden(_("Only the medical insurance bureau manages training."))


def _require_runner(actor: User | None, session: Session) -> None:
    if actor is None:
        return
    if not rules.is_member(actor, session.region_id):
        raise NotFound()
    if not rules.can_run(actor, session):
        raise Forbidden(_("Only the bureau or the session's trainer can do this."))


def _text(value: str | None, field: str, required: bool = True, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("%(field)s: required.") % {"field": field})
    if max_length and len(value) > max_length:
        raise ValidationFailed(_("%(field)s: at most %(n)s characters.") % {"field": field, "n": max_length})
    return value


def _decimal(value, field: str, low: Decimal, high: Decimal, places: str = "0.1") -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("%(field)s: not a number.") % {"field": field})
    if not number.is_finite() or number < low or number > high:
        raise ValidationFailed(_("%(field)s: between %(low)s and %(high)s.") % {"field": field, "low": low,
                                                                                "high": high})
    return number


def _audience(values) -> list[str]:
    values = sorted({str(v) for v in (values or [])})
    unknown = [v for v in values if v not in AUDIENCE_ROLES]
    if unknown:
        raise ValidationFailed(_("audience: unknown role(s) %(roles)s.") % {"roles": ", ".join(unknown)})
    return values


def _session_url(session: Session) -> str:
    return reverse("training:session_detail", args=[session.pk])


# --- courses and materials -----------------------------------------------------------------------


def _course_values(title, category, hours, audience, description) -> dict:
    if category not in Category.values:
        raise ValidationFailed(_("category: unknown category."))
    return {"title": _text(title, "title", max_length=200), "category": category,
            "hours": _decimal(hours, "hours", Decimal("0.5"), Decimal("200")), "audience": _audience(audience),
            "description": (description or "").strip()}


@transaction.atomic
def course_create(*, actor: User | None, region: Region, title: str, category: str, hours, audience=(),
                  description: str = "") -> Course:
    _require_bureau(actor, region.pk)
    values = _course_values(title, category, hours, audience, description)
    if _scoped(Course, region.pk).filter(region=region, title=values["title"]).exists():
        raise ValidationFailed(_("title: the region already has a course with this title."))
    course = _scoped(Course, region.pk).create(region=region, created_by=actor, **values)
    record_event(actor=actor, action="training.course_created", obj=course, new=values)
    return course


@transaction.atomic
def course_update(*, actor: User | None, course: Course, title: str, category: str, hours, audience=(),
                  description: str = "", active: bool = True) -> Course:
    _require_bureau(actor, course.region_id)
    course = _scoped(Course, course.region_id).select_for_update().get(pk=course.pk)
    values = _course_values(title, category, hours, audience, description)
    if _scoped(Course, course.region_id).filter(region_id=course.region_id, title=values["title"]) \
            .exclude(pk=course.pk).exists():
        raise ValidationFailed(_("title: the region already has a course with this title."))
    values["active"] = bool(active)
    old = {k: getattr(course, k) for k in values}
    for key, value in values.items():
        setattr(course, key, value)
    course.save()
    record_event(actor=actor, action="training.course_updated", obj=course, old=old, new=values)
    return course


def detect_material_type(head: bytes, name: str) -> tuple[str, str] | None:
    for magic, content_type, ext in MATERIAL_SIGNATURES:
        if head.startswith(magic):
            if content_type == "application/zip":  # Office Open XML files are zip containers
                suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
                return (OFFICE_TYPES[suffix], suffix) if suffix in OFFICE_TYPES else None
            return content_type, ext
    return None


@transaction.atomic
def material_add(*, actor: User | None, course: Course, upload) -> Material:
    """Store a course file (PDF, PPTX, DOCX, XLSX, PNG, JPEG by content; ≤ 20 MB) under PRIVATE_MEDIA_ROOT."""
    _require_bureau(actor, course.region_id)
    stored = store_upload(upload, "training", max_bytes=MAX_MATERIAL_BYTES, detect=detect_material_type,
                          types_label="PDF, PPTX, DOCX, XLSX, PNG, JPEG")
    material = _scoped(Material, course.region_id).create(region_id=course.region_id, course=course,
                                                          uploaded_by=actor, **stored)
    record_event(actor=actor, action="training.material_added", obj=course,
                 new={"material": material.pk, "name": stored["original_name"], "sha256": material.sha256})
    return material


@transaction.atomic
def material_remove(*, actor: User | None, material: Material) -> None:
    _require_bureau(actor, material.region_id)
    record_event(actor=actor, action="training.material_removed", obj=material.course,
                 old={"material": material.pk, "name": material.original_name})
    delete_on_commit("training", material.stored_name)
    material.delete()


def material_path(material: Material):
    return settings.PRIVATE_MEDIA_ROOT / "training" / material.stored_name


# --- sessions ------------------------------------------------------------------------------------


def _session_values(*, course: Course, mode, venue, starts_at, ends_at, capacity, enrol_deadline, pass_mark,
                    trainer) -> dict:
    if mode not in Mode.values:
        raise ValidationFailed(_("mode: online or venue."))
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at), ("enrol_deadline", enrol_deadline)):
        if not isinstance(value, dt.datetime):
            raise ValidationFailed(_("%(field)s: a date and time is required.") % {"field": name})
    if ends_at <= starts_at:
        raise ValidationFailed(_("ends_at: must be after the start."))
    if enrol_deadline > starts_at:
        raise ValidationFailed(_("enrol_deadline: must not be after the start."))
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        raise ValidationFailed(_("capacity: a whole number."))
    if capacity < 1 or capacity > 10000:
        raise ValidationFailed(_("capacity: between 1 and 10000."))
    if trainer is not None and not _scoped(Membership, course.region_id).filter(
            user=trainer, region_id=course.region_id, role__in=["expert", *BUREAU_ROLES]).exists():
        raise ValidationFailed(_("trainer: must be an expert or bureau member of the region."))
    return {"mode": mode, "venue": _text(venue, "venue", required=False, max_length=300), "starts_at": starts_at,
            "ends_at": ends_at, "capacity": capacity, "enrol_deadline": enrol_deadline,
            "pass_mark": _decimal(pass_mark, "pass_mark", Decimal("0"), Decimal("100")), "trainer": trainer}


@transaction.atomic
def session_create(*, actor: User | None, course: Course, mode: str, starts_at: dt.datetime, ends_at: dt.datetime,
                   capacity: int, enrol_deadline: dt.datetime, pass_mark=Decimal("60"), venue: str = "",
                   trainer: User | None = None) -> Session:
    """A draft session of a course; it takes enrolments once published."""
    _require_bureau(actor, course.region_id)
    if not course.active:
        raise ValidationFailed(_("course: the course is no longer active."))
    values = _session_values(course=course, mode=mode, venue=venue, starts_at=starts_at, ends_at=ends_at,
                             capacity=capacity, enrol_deadline=enrol_deadline, pass_mark=pass_mark, trainer=trainer)
    session = _scoped(Session, course.region_id).create(region_id=course.region_id, course=course, created_by=actor,
                                                        **values)
    record_event(actor=actor, action="training.session_created", obj=session,
                 new={"status": session.status, **{k: v for k, v in values.items() if k != "trainer"},
                      "trainer": trainer.pk if trainer else None})
    return session





@transaction.atomic
def session_update(*, actor: User | None, session: Session, mode: str, starts_at: dt.datetime,
                   ends_at: dt.datetime, capacity: int, enrol_deadline: dt.datetime, pass_mark, venue: str = "",
                   trainer: User | None = None) -> Session:
    """Change a draft or open session. A larger capacity promotes waitlisted participants; the capacity never
    drops below the seats taken; the pass mark is fixed once a score is entered."""
    def check(locked: Session) -> dict:
        values = _session_values(course=locked.course, mode=mode, venue=venue, starts_at=starts_at, ends_at=ends_at,
                                 capacity=capacity, enrol_deadline=enrol_deadline, pass_mark=pass_mark, trainer=trainer)
        rows = _scoped(Enrollment, locked.region_id).filter(session=locked)
        seated = rows.filter(status__in=list(SEATED)).count()
        if values["capacity"] < seated:
            raise ValidationFailed(_("capacity: %(n)s seats are already taken.") % {"n": seated})
        if values["pass_mark"] != locked.pass_mark and rows.filter(score__isnull=False).exists():
            raise ValidationFailed(_("pass_mark: scores are already entered."))
        for key, value in values.items():
            setattr(locked, key, value)
        return {k: v for k, v in values.items() if k != "trainer"}

    return transition(session, "edit", actor=actor, check=check, after=lambda s, old: _promote(actor, s),
                      snapshot=SESSION_FIELDS)


def addressees_for(levels=None, hospitals=None) -> dict:
    if hospitals:
        return {"hospitals": sorted(hospitals)}
    if levels:
        return {"levels": sorted(int(v) for v in levels)}
    return {"all": True}


def _notice_text(session: Session) -> tuple:
    """The training notice's title and body as gettext callables: the notice stores them in every portal
    language (decision 0043), the Chinese being the official text."""
    course = session.course
    local = timezone.localtime

    def when(moment) -> str:
        t = local(moment)
        return pgettext("training notice", "%(y)s-%(m)02d-%(d)02d %(time)s") % {
            "y": t.year, "m": t.month, "d": t.day, "time": f"{t:%H:%M}"}

    def title() -> str:
        return _("Notice of the training “%(course)s”") % {"course": course.title}

    def body() -> str:
        place = session.venue or (pgettext("training venue", "online") if session.mode == Mode.ONLINE
                                  else pgettext("training venue", "to be announced"))
        return _("To improve the quality of the settlement lists and of DRG/DIP payment work, the training "
                 "“%(course)s” (%(category)s, %(hours)s hours) is held from %(starts)s to %(ends)s.\n"
                 "Mode: %(mode)s; venue or link: %(place)s.\n"
                 "Places: %(capacity)s, then a waiting list; enrolment closes at %(deadline)s.\n"
                 "An examination follows the training; a score of %(pass_mark)s or more earns the training "
                 "certificate. Please have the staff concerned enrol under “Training” on the portal.") % {
            "course": course.title, "category": course.get_category_display(), "hours": course.hours,
            "starts": when(session.starts_at), "ends": f"{local(session.ends_at):%H:%M}",
            "mode": session.get_mode_display(), "place": place, "capacity": session.capacity,
            "deadline": when(session.enrol_deadline), "pass_mark": session.pass_mark}

    return title, body


def _training_notice(actor, session: Session, addressees: dict) -> int:
    """Publish a training notice to the addressed hospitals (apps.notices, below training); returns its id."""
    title, body = _notice_text(session)
    # The notice is issued on the training's authority (a bureau staff member may publish a session but
    # not general notices): actor=None, as apps.notices expects from other apps; the session's own audit
    # event names the person.
    notice = notice_create(actor=None, region=session.region, type="training", title=title, body=body,
                           addressees=addressees, source_kind="training.session", source_id=session.pk,
                           year=timezone.localtime(session.starts_at).year)
    notice = notice_publish(actor=None, notice=notice) or notice
    return notice.pk


@transaction.atomic
def session_publish(*, actor: User | None, session: Session, send_notice: bool = True, levels=None,
                    hospitals=None) -> Session:
    """draft → published (open for enrolment); optionally sends the training notice to the addressed hospitals."""
    addressees = addressees_for(levels, hospitals)

    def check(locked: Session) -> dict:
        if locked.enrol_deadline <= timezone.now():
            raise ValidationFailed(_("enrol_deadline: already passed."), code="deadline_passed")
        locked.status = SessionStatus.PUBLISHED  # the notice reads the session as published
        locked.published_at = timezone.now()
        if send_notice:
            locked.notice_id = _training_notice(actor, locked, addressees)
        return {"notice": locked.notice_id, "addressees": addressees if send_notice else None}

    return transition(session, "publish", actor=actor, check=check)


@transaction.atomic
def session_cancel(*, actor: User | None, session: Session, reason: str) -> Session:
    """draft | published → cancelled; everybody enrolled or waitlisted is told."""
    reason = (reason or "").strip()

    def after(locked: Session, old: str) -> None:
        active = _scoped(Enrollment, locked.region_id).filter(session=locked, status__in=list(ACTIVE))
        users = list(User.objects.filter(pk__in=active.values("user_id")))
        active.update(status=EnrollmentStatus.CANCELLED, waitlist_position=None, updated_at=timezone.now())
        notify(users=users, region=locked.region, kind="training.cancelled", url=_session_url(locked),
               title=lambda: _("Training cancelled: %(course)s") % {"course": locked.course.title}, body=reason)

    return transition(session, "cancel", actor=actor, reason=reason, clean=lambda: _text(reason, "reason"),
                      after=after)


@transaction.atomic
def session_close(*, actor: User | None, session: Session) -> Session:
    """published → closed after the session: no more enrolments; waitlisted participants are released."""
    return transition(session, "close", actor=actor, after=lambda s, old: _scoped(Enrollment, s.region_id).filter(
        session=s, status=EnrollmentStatus.WAITLISTED).update(status=EnrollmentStatus.CANCELLED,
                                                              waitlist_position=None, updated_at=timezone.now()))


# --- enrolment -----------------------------------------------------------------------------------


def _participant_role(user: User, session: Session) -> str | None:
    """The user's role that the course addresses (None if none): hospital roles first."""
    roles = get_access(user).roles_in(session.region_id)
    audience = set(session.course.audience) or set(AUDIENCE_ROLES)
    return next((r for r in AUDIENCE_ROLES if r in roles and r in audience), None)


def _hospital_of(user: User, region_id: int) -> int | None:
    return _scoped(Membership, region_id).filter(user=user, region_id=region_id, role__in=list(HOSPITAL_ROLES)) \
        .order_by("role", "pk").values_list("hospital_id", flat=True).first()


def _check_enroller(actor: User | None, user: User, session: Session) -> None:
    """Self-enrolment; the bureau may enrol any member of the region; a hospital administrator their staff."""
    if actor is None or actor.pk == user.pk:
        return
    if rules.is_bureau(actor, session.region_id):
        return
    if rules.is_hospital_admin_of(actor, session.region_id, _hospital_of(user, session.region_id)):
        return
    raise Forbidden(_("You may only enrol yourself."))


@transaction.atomic
def enrollment_create(*, actor: User | None, session: Session, user: User | None = None) -> Enrollment:
    """Enrol a user (default: the actor) in an open session: a seat while there is one, else the waitlist.

    The session row is locked before the seats are counted, so concurrent enrolments never overfill it.
    """
    user = user or actor
    if user is None:
        raise ValidationFailed(_("user: required."))
    if actor is not None and not rules.is_member(actor, session.region_id):
        raise NotFound()
    if actor is not None and session.status == SessionStatus.DRAFT and not rules.reads_region(actor, session.region_id):
        raise NotFound()
    _check_enroller(actor, user, session)
    session = SESSION.lock(session)
    if session.status != SessionStatus.PUBLISHED:
        raise InvalidTransition(_("The session is not open for enrolment."))
    if timezone.now() > session.enrol_deadline:
        raise ValidationFailed(_("The enrolment deadline was %(at)s.")
                               % {"at": timezone.localtime(session.enrol_deadline).strftime("%Y-%m-%d %H:%M")},
                               code="deadline_passed")
    role = _participant_role(user, session)
    if role is None:
        raise ValidationFailed(_("This course is not addressed to your role."), code="not_in_audience")
    rows = _scoped(Enrollment, session.region_id).filter(session=session)
    if rows.filter(user=user, status__in=list(ACTIVE)).exists():
        raise ValidationFailed(_("Already enrolled in this session."), code="already_enrolled")
    seated = rows.filter(status__in=list(SEATED)).count()
    enrollment = Enrollment(region_id=session.region_id, session=session, user=user, role=role,
                            hospital_id=_hospital_of(user, session.region_id), enrolled_by=actor)
    if seated >= session.capacity:
        last = rows.filter(status=EnrollmentStatus.WAITLISTED).aggregate(m=Max("waitlist_position"))["m"] or 0
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.waitlist_position = last + 1
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        raise ValidationFailed(_("Already enrolled in this session."), code="already_enrolled")
    record_event(actor=actor, action="training.enrolled", obj=enrollment, region=session.region,
                 new={"status": enrollment.status, "session": session.pk, "user": user.username,
                      "waitlist_position": enrollment.waitlist_position})
    return enrollment


def _lock_enrollment(enrollment: Enrollment) -> tuple[Session, Enrollment]:
    """Lock the session first (the order every writer uses), then the enrolment."""
    locked = lock_enrollment(enrollment)
    return locked.session, locked


def _promote(actor, session: Session) -> list[Enrollment]:
    """Give free seats to the first waitlisted participants, in waitlist order, and tell them."""
    if session.status != SessionStatus.PUBLISHED or session.starts_at <= timezone.now():
        return []
    rows = _scoped(Enrollment, session.region_id).filter(session=session)
    free = session.capacity - rows.filter(status__in=list(SEATED)).count()
    if free <= 0:
        return []
    promoted = list(rows.select_for_update().filter(status=EnrollmentStatus.WAITLISTED)
                    .order_by("waitlist_position", "pk")[:free])
    for enrollment in promoted:
        old = enrollment.waitlist_position
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.waitlist_position = None
        enrollment.save(update_fields=["status", "waitlist_position", "updated_at"])
        record_event(actor=actor, action="training.promoted", obj=enrollment, region=session.region,
                     old={"status": EnrollmentStatus.WAITLISTED, "waitlist_position": old},
                     new={"status": EnrollmentStatus.ENROLLED})
        notify(users=[enrollment.user], region=session.region, kind="training.promoted", url=_session_url(session),
               title=lambda: _("A seat is free: you are now enrolled in %(course)s") % {"course": session.course.title},
               body=lambda: _("The session starts at %(at)s.")
               % {"at": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")})
    return promoted


@transaction.atomic
def enrollment_cancel(*, actor: User | None, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """enrolled | waitlisted → cancelled (the participant before the start, their hospital administrator, or
    the bureau); a freed seat goes to the first waitlisted participant automatically."""
    def check(locked: Enrollment) -> None:
        if actor is not None and not rules.is_bureau(actor, locked.region_id) \
                and locked.session.starts_at <= timezone.now():
            raise InvalidTransition(_("The session has started; ask the bureau."))

    def after(locked: Enrollment, old: str) -> None:
        if old == EnrollmentStatus.ENROLLED:
            _promote(actor, locked.session)

    return transition(enrollment, "cancel", actor=actor, reason=(reason or "").strip(), check=check,
                      waitlist_position=None, after=after)


def _check_session_day(session: Session) -> None:
    if timezone.localdate() < timezone.localtime(session.starts_at).date():
        raise InvalidTransition(_("Attendance is marked from the day of the session."))


@transaction.atomic
def enrollment_attend(*, actor: User | None, enrollment: Enrollment) -> Enrollment:
    """enrolled | absent → attended (a correction is possible until a score is entered); marking it twice is a
    no-op."""
    return _mark(actor, enrollment, "attend", EnrollmentStatus.ATTENDED)


def _mark(actor, enrollment: Enrollment, action: str, target: str) -> Enrollment:
    """Attendance: from the day of the session, never on a cancelled session; the same mark again changes nothing."""
    def check(locked: Enrollment) -> None:
        if locked.session.status == SessionStatus.CANCELLED:
            raise InvalidTransition(_("Not possible while the enrolment is %(status)s.")
                                    % {"status": locked.get_status_display()})
        if action == "absent" and locked.score is not None:
            raise InvalidTransition(_("A score is already entered."))
        _check_session_day(locked.session)

    if enrollment.status == target:
        authorize(enrollment, action, actor=actor)
        locked = lock_enrollment(enrollment)
        if locked.status == target:
            check(locked)
            return locked
    return transition(enrollment, action, actor=actor, check=check)


@transaction.atomic
def enrollment_absent(*, actor: User | None, enrollment: Enrollment) -> Enrollment:
    """enrolled | attended (no score yet) → absent."""
    return _mark(actor, enrollment, "absent", EnrollmentStatus.ABSENT)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def _score(actor, session: Session, enrollment: Enrollment, score) -> Enrollment:
    require_state(ENROLLMENT, enrollment, "score")
    if enrollment.certificate_number:
        raise InvalidTransition(_("The certificate is issued; the score is final."))
    value = _decimal(score, "score", Decimal("0"), Decimal("100"))
    old = {"score": enrollment.score, "passed": enrollment.passed}
    enrollment.score = value
    enrollment.passed = value >= session.pass_mark
    if enrollment.passed:
        enrollment.certificate_number = f"PX{session.region.code}{timezone.localtime(session.starts_at).year}{enrollment.pk:06d}"
        enrollment.verification_code = _new_code()
        enrollment.certificate_issued_at = timezone.now()
    enrollment.save()
    record_event(actor=actor, action="training.scored", obj=enrollment, region=session.region, old=old,
                 new={"score": value, "passed": enrollment.passed,
                      "certificate": enrollment.certificate_number or None})
    if enrollment.passed:
        pk, region_id = enrollment.pk, enrollment.region_id
        transaction.on_commit(lambda: jobs.enqueue("training.render_certificate", region_id=region_id, enrollment_id=pk))
        notify(users=[enrollment.user], region=session.region, kind="training.certificate",
               url=reverse("training:mine"),
               title=lambda: _("You passed %(course)s: certificate %(number)s")
               % {"course": session.course.title, "number": enrollment.certificate_number})
    return enrollment


@transaction.atomic
def enrollment_score(*, actor: User | None, enrollment: Enrollment, score) -> Enrollment:
    """The exam score of a participant who attended; a pass (score ≥ pass mark) issues the certificate."""
    _require_runner(actor, enrollment.session)
    session, enrollment = _lock_enrollment(enrollment)
    return _score(actor, session, enrollment, score)


@transaction.atomic
def scores_bulk(*, actor: User | None, session: Session, scores: dict[int, object]) -> list[Enrollment]:
    """Enter many scores of one session at once (enrolment id → score); all or nothing."""
    _require_runner(actor, session)
    session = SESSION.lock(session)
    ids = [int(k) for k in scores]
    rows = {e.pk: e for e in _scoped(Enrollment, session.region_id).select_for_update(of=("self",))
            .select_related("user").filter(session=session, pk__in=ids)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ValidationFailed(_("scores: enrolment(s) %(ids)s are not in this session.")
                               % {"ids": ", ".join(map(str, missing))})
    done = []
    for pk in sorted(ids):
        enrollment = rows[pk]
        enrollment.session = session
        try:
            done.append(_score(actor, session, enrollment, scores[pk] if pk in scores else scores[str(pk)]))
        except (ValidationFailed, InvalidTransition) as err:
            raise type(err)(f"{enrollment.user.name or enrollment.user.username}: {err.message}", code=err.code)
    return done


# --- certificates --------------------------------------------------------------------------------


def issuing_bureau(region: Region) -> str:
    return region.bureau_name or f"{region.name}医疗保障局"


def certificate_context(enrollment: Enrollment) -> dict:
    session, course = enrollment.session, enrollment.session.course
    issued = timezone.localtime(enrollment.certificate_issued_at or timezone.now()).date()
    base = getattr(settings, "PORTAL_BASE_URL", "")
    return {"bureau": issuing_bureau(enrollment.region), "name": enrollment.user.name or enrollment.user.username,
            "course": course.title, "category": course.get_category_display(),
            "hours": course.hours_text,
            "session_date": chinese_date(timezone.localtime(session.starts_at).date()),
            "issued_date": chinese_date(issued), "number": enrollment.certificate_number,
            "code": enrollment.verification_code, "score": enrollment.score,
            "verify_url": f"{base}{reverse('training:verify', args=[enrollment.verification_code])}"}


def certificate_render(enrollment: Enrollment) -> bytes:
    from django.utils import translation

    with translation.override("zh-hans"):  # the certificate is a Chinese document whoever triggers it
        return render_template_pdf("training/certificate_pdf.html", certificate_context(enrollment))


@transaction.atomic
def certificate_store(*, enrollment: Enrollment) -> Enrollment:
    """Render the certificate once and store it (idempotent: a stored certificate is kept as it is)."""
    enrollment = _scoped(Enrollment, enrollment.region_id).select_for_update(of=("self",)).select_related(
        "session", "session__course", "user", "region").get(pk=enrollment.pk)
    if not enrollment.has_certificate:
        raise NotFound(_("No certificate: the participant has not passed."))
    if enrollment.certificate_path:
        return enrollment
    path, digest = store_pdf(certificate_render(enrollment), f"training/{enrollment.region.code}")
    enrollment.certificate_path, enrollment.certificate_sha256 = path, digest
    enrollment.save(update_fields=["certificate_path", "certificate_sha256", "updated_at"])
    record_event(actor=None, action="training.certificate_rendered", obj=enrollment, region=enrollment.region,
                 new={"certificate": enrollment.certificate_number, "sha256": digest})
    return enrollment


def certificate_pdf(*, enrollment: Enrollment) -> bytes:
    """The stored certificate; rendered now if the background task has not done it yet (the demo renders
    lazily). Only a passed enrolment has one (else NotFound → 404)."""
    if not enrollment.has_certificate:
        raise NotFound(_("No certificate: the participant has not passed."))
    if not enrollment.certificate_path:
        enrollment = certificate_store(enrollment=enrollment)
    return read_stored_pdf(enrollment.certificate_path, enrollment.certificate_sha256)


def verify(code: str) -> Enrollment | None:
    """A passed enrolment by its verification code (public check; any region)."""
    from django_scopes import scopes_disabled

    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    with scopes_disabled():
        return Enrollment.objects.filter(verification_code=code, passed=True).exclude(certificate_number="") \
            .select_related("user", "session", "session__course", "region").first()

