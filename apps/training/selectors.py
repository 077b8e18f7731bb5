"""Reads of the training app: visible lists, open sessions for a role, seats, coverage."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.core.errors import NotFound
from apps.hospitals.models import Hospital
from apps.tenants.access import get_access
from apps.tenants.enums import Role
from apps.tenants.models import Membership
from apps.tenants.roles import BUREAU_ROLES, HOSPITAL_ROLES, REGION_WIDE_READ_ROLES

from .enums import SEATED, EnrollmentStatus, SessionStatus
from .models import Course, Enrollment, Material, Session
from .rules import TRAINER_ROLES


def _wide(access) -> list[int]:
    return [r for r in access.region_ids if access.has_role(r, *REGION_WIDE_READ_ROLES)]


# --- visibility ----------------------------------------------------------------------------------


def visible_courses(user) -> QuerySet[Course]:
    access = get_access(user)
    return Course.objects.with_scope(region=access.region_ids).filter(region_id__in=access.region_ids) \
        .select_related("region")


def course_get(user, pk: int) -> Course:
    course = visible_courses(user).filter(pk=pk).first()
    if course is None:
        raise NotFound()
    return course


def sessions_q(access) -> Q:
    """Region-wide readers see every session; other members see the region's non-draft sessions and the
    sessions they train."""
    q = Q(region_id__in=_wide(access))
    others = [r for r in access.region_ids if r not in _wide(access)]
    if others:
        q |= Q(region_id__in=others) & ~Q(status=SessionStatus.DRAFT)
        if access.user_id:
            q |= Q(region_id__in=others, trainer_id=access.user_id)
    return q


def visible_sessions(user) -> QuerySet[Session]:
    access = get_access(user)
    return Session.objects.with_scope(region=access.region_ids).filter(sessions_q(access)) \
        .select_related("region", "course", "trainer")


def session_get(user, pk: int) -> Session:
    session = visible_sessions(user).filter(pk=pk).first()
    if session is None:
        raise NotFound()
    return session


def enrollments_q(access) -> Q:
    q = Q(region_id__in=_wide(access))
    if access.user_id:
        q |= Q(user_id=access.user_id, region_id__in=access.region_ids)
        q |= Q(session__trainer_id=access.user_id, region_id__in=access.region_ids)
    admin_hospitals = {h for r in access.region_ids if access.has_role(r, Role.HOSPITAL_ADMIN)
                       for h in access.hospital_ids(r)}
    if admin_hospitals:
        q |= Q(hospital_id__in=admin_hospitals)
    return q


def visible_enrollments(user) -> QuerySet[Enrollment]:
    access = get_access(user)
    return Enrollment.objects.with_scope(region=access.region_ids).filter(enrollments_q(access)) \
        .select_related("region", "session", "session__course", "user", "hospital")


def enrollment_get(user, pk: int) -> Enrollment:
    enrollment = visible_enrollments(user).filter(pk=pk).first()
    if enrollment is None:
        raise NotFound()
    return enrollment


def material_get(user, pk: int) -> Material:
    access = get_access(user)
    material = Material.objects.with_scope(region=access.region_ids).filter(
        pk=pk, region_id__in=access.region_ids).select_related("course").first()
    if material is None:
        raise NotFound()
    return material


def open_sessions(user) -> QuerySet[Session]:
    """Published sessions still taking enrolments whose audience includes one of the user's roles."""
    access = get_access(user)
    now = timezone.now()
    q = Q()
    for region_id in access.region_ids:
        roles = list(access.roles_in(region_id))
        q |= Q(region_id=region_id) & (Q(course__audience=[]) | Q(course__audience__overlap=roles))
    if not access.region_ids:
        return Session.objects.none()
    return visible_sessions(user).filter(q, status=SessionStatus.PUBLISHED, enrol_deadline__gt=now) \
        .order_by("starts_at", "pk")


def my_enrollments(user) -> QuerySet[Enrollment]:
    access = get_access(user)
    return Enrollment.objects.with_scope(region=access.region_ids).filter(
        user=user, region_id__in=access.region_ids).select_related("session", "session__course", "region") \
        .order_by("-session__starts_at", "-pk")


def seat_counts(sessions) -> dict[int, dict[str, int]]:
    """{session id: {"seated": n, "waitlisted": n}} for the given sessions, in one query."""
    sessions = list(sessions)
    regions = sorted({s.region_id for s in sessions})
    rows = Enrollment.objects.with_scope(region=regions).filter(session_id__in=[s.pk for s in sessions]) \
        .values("session_id").annotate(seated=Count("id", filter=Q(status__in=list(SEATED))),
                                        waitlisted=Count("id", filter=Q(status=EnrollmentStatus.WAITLISTED)))
    found = {r["session_id"]: {"seated": r["seated"], "waitlisted": r["waitlisted"]} for r in rows}
    return {s.pk: found.get(s.pk, {"seated": 0, "waitlisted": 0}) for s in sessions}


def roster(session: Session) -> QuerySet[Enrollment]:
    return Enrollment.objects.with_scope(region=[session.region_id]).filter(session=session) \
        .select_related("user", "hospital").order_by("waitlist_position", "created_at", "pk")


# --- coverage ------------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz))


def share(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction rounded half-up to 4 decimals; None when nobody is counted."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass
class CoverageRow:
    staff: int = 0
    attended: int = 0
    passed: int = 0

    @property
    def passed_share(self) -> Decimal | None:
        return share(self.passed, self.staff)

    @property
    def attended_share(self) -> Decimal | None:
        return share(self.attended, self.staff)

    @property
    def passed_pct(self) -> str:
        value = self.passed_share
        return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'))}%"

    @property
    def attended_pct(self) -> str:
        value = self.attended_share
        return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'))}%"


@dataclass
class Coverage:
    year: int
    hospitals: list[dict] = field(default_factory=list)  # {"hospital": Hospital, "row": CoverageRow}
    hospital_staff: CoverageRow = field(default_factory=CoverageRow)  # the region, each user once
    experts: CoverageRow = field(default_factory=CoverageRow)
    bureau: CoverageRow = field(default_factory=CoverageRow)
    sessions: int = 0
    certificates: int = 0


# One statement for every population. Per member (active user holding an audience role in the region): did they
# attend / pass at least one session of the region that started in the calendar year? The correlated EXISTS
# probes use the (region, user, passed) index, so the plan stays linear in the members even with stale
# statistics (a CTE joined back was planned as a nested loop: 16 s for 3,000 coders). GROUPING SETS give the
# per-hospital rows (hospital roles) and the totals of each population (each person once) in one pass.
_COVERAGE = """
SELECT f.population, f.hospital_id, GROUPING(f.hospital_id) AS total, count(DISTINCT f.user_id),
       count(DISTINCT f.user_id) FILTER (WHERE f.attended), count(DISTINCT f.user_id) FILTER (WHERE f.passed)
FROM (
    SELECT CASE WHEN m.role = ANY(%(hospital_roles)s) THEN 'hospital_staff'
                WHEN m.role = 'expert' THEN 'experts' ELSE 'bureau' END AS population,
           CASE WHEN m.role = ANY(%(hospital_roles)s) THEN m.hospital_id END AS hospital_id, m.user_id,
           EXISTS (SELECT 1 FROM training_enrollment e JOIN training_session s ON s.id = e.session_id
                   WHERE e.region_id = %(region)s AND e.user_id = m.user_id AND e.status = 'attended'
                     AND s.starts_at >= %(start)s AND s.starts_at < %(end)s) AS attended,
           EXISTS (SELECT 1 FROM training_enrollment e JOIN training_session s ON s.id = e.session_id
                   WHERE e.region_id = %(region)s AND e.user_id = m.user_id AND e.passed
                     AND s.starts_at >= %(start)s AND s.starts_at < %(end)s) AS passed
    FROM tenants_membership m JOIN tenants_user u ON u.id = m.user_id AND u.is_active
    WHERE m.region_id = %(region)s AND m.role = ANY(%(roles)s)
) f
GROUP BY GROUPING SETS ((f.population, f.hospital_id), (f.population))
"""


def coverage(region, year: int) -> Coverage:
    """Share of the region's hospital staff (per hospital and overall), experts and bureau staff who
    attended / passed at least one training session of the region that started in `year`.

    The headline figure is *passed* (docs/decisions/0012); *attended* is shown beside it.
    """
    start, end = year_bounds(year)
    params = {"region": region.pk, "start": start, "end": end, "hospital_roles": sorted(HOSPITAL_ROLES),
              "roles": sorted({*HOSPITAL_ROLES, Role.EXPERT, *BUREAU_ROLES})}
    result = Coverage(year=year)
    per_hospital: dict[int, CoverageRow] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE, params)
        for population, hospital_id, total, staff, attended, passed in cursor.fetchall():
            row = CoverageRow(staff, attended, passed)
            if total:
                setattr(result, population, row)
            elif population == "hospital_staff":
                per_hospital[hospital_id] = row
    hospitals = Hospital.objects.with_scope(region=[region.pk]).filter(region=region, active=True).order_by("code")
    result.hospitals = [{"hospital": h, "row": per_hospital.get(h.pk, CoverageRow())} for h in hospitals]
    sessions = Session.objects.with_scope(region=[region.pk]).filter(
        region=region, starts_at__gte=start, starts_at__lt=end).exclude(
        status__in=[SessionStatus.DRAFT, SessionStatus.CANCELLED])
    result.sessions = sessions.count()
    result.certificates = Enrollment.objects.with_scope(region=[region.pk]).filter(
        region=region, session__in=sessions, passed=True).count()
    return result


def trainer_candidates(region_id: int) -> list:
    """Active users who may be named trainer of a session in the region (rules.TRAINER_ROLES)."""
    ids = Membership.objects.with_scope(region=[region_id]).filter(
        region_id=region_id, role__in=TRAINER_ROLES).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username"))
