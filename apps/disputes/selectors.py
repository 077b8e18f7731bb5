"""Reads of the disputes app: visible lists, the disputed subject and its raise window, deadlines, statistics."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import median

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.applications.models import Application, ExpertProfile
from apps.applications.selectors import affiliated_hospitals  # the one conflict-of-interest rule
from apps.cases.models import Case
from apps.core.calendar import _exceptions, is_working_day
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.models import AuditEvent
from apps.core.scoping import scoped
from apps.groups.selectors import active_catalogue, group_codes, published_stats
from apps.notices import selectors as notice_selectors
from apps.settlement.models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun
from apps.tenants.access import get_access
from apps.tenants.models import PolicyYear, Region
from apps.tenants.services import policy_defaults

from .enums import ACTIVE_ASSIGNMENT, DECIDING, AssignmentStatus, Status, SubjectType
from .models import Assignment, Dispute, Opinion

# --- visibility ----------------------------------------------------------------------------------




def visible_disputes(user) -> QuerySet[Dispute]:
    access = get_access(user)
    rows = Dispute.objects.with_scope(region=access.region_ids)
    if access.expert_region_ids():  # the assignment join may repeat rows
        rows = rows.filter(pk__in=rows.filter(access.workflow_q()).values("pk"))
    else:
        rows = rows.filter(access.workflow_q(experts=False))
    return rows.select_related("region", "hospital", "case", "run", "coefficient_version", "application",
                               "created_by")


def dispute_queue(user) -> QuerySet[Dispute]:
    """The disputes a user's lists show (screen and `GET /disputes/`): what they may read minus other
    hospitals' drafts — a draft is its hospital's own until submitted, so the bureau never sees it listed."""
    return visible_disputes(user).filter(get_access(user).drafts_hidden_q(Status.DRAFT))


def dispute_get(user, pk: int) -> Dispute:
    found = visible_disputes(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def my_assignments(user) -> QuerySet[Assignment]:
    access = get_access(user)
    return (Assignment.objects.with_scope(region=access.region_ids).filter(expert=user)
            .select_related("dispute", "dispute__hospital").order_by("-assigned_at"))


# --- policy and dates ----------------------------------------------------------------------------


def policy_for(region: Region, year: int) -> PolicyYear:
    """The year's policy, or an unsaved row with the defaults (reading never creates rows)."""
    found = scoped(PolicyYear, region.pk).filter(region=region, year=year).first()
    return found or PolicyYear(region=region, year=year, **policy_defaults(region))


def decision_working_days(qs: QuerySet[Dispute]) -> list[int]:
    """Working days from acceptance to decision of every decided dispute in `qs`: one calendar read per region
    and a running count of working days over the span (no query per dispute)."""
    rows = list(qs.filter(accepted_at__isnull=False, decided_at__isnull=False)
                .values_list("region_id", "accepted_at", "decided_at"))
    out: list[int] = []
    by_region: dict[int, list] = {}
    for region_id, accepted, decided in rows:
        by_region.setdefault(region_id, []).append((timezone.localdate(accepted), timezone.localdate(decided)))
    for region_id, spans in by_region.items():
        start = min(a for a, _ in spans)
        end = max(d for _, d in spans)
        exceptions = _exceptions(Region.objects.get(pk=region_id), start, end)
        index, count, day = {}, 0, start
        while day <= end:
            if is_working_day(day, exceptions) and day != start:
                count += 1
            index[day] = count
            day += dt.timedelta(days=1)
        out += [index[d] - index[a] if d >= a else -(index[a] - index[d]) for a, d in spans]
    return out


# --- the disputed subject ------------------------------------------------------------------------


@dataclass
class Subject:
    """What a dispute is about, resolved from (subject_type, subject_ref) for one hospital."""

    subject_type: str
    ref: str
    year: int
    published_on: dt.date | None = None  # when the item became known to the hospital (None: not yet / n.a.)
    window_ends: dt.date | None = None  # last day to raise (None: no window)
    case: object = None
    run: object = None
    coefficient_version: object = None
    application: object = None
    group_code: str = ""


def _local(value) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _window(region: Region, year: int, published_on: dt.date | None) -> dt.date | None:
    if published_on is None:
        return None
    return published_on + dt.timedelta(days=policy_for(region, year).dispute_window_days)


def coefficient_window(region: Region, year: int, version) -> tuple[dt.date | None, dt.date | None]:
    """The notice's objection period when the notices app knows one; else `dispute_window_days` from the
    coefficient version's publication."""
    try:
        window = notice_selectors.objection_window(region.pk, year)
    except Exception:  # noqa: BLE001 - a notices bug must not block disputes; fall back below
        window = None
    if window:
        start, end = (window[0], window[1]) if isinstance(window, tuple | list) else (
            getattr(window, "start", None), getattr(window, "end", None))
        start, end = (_local(start) if isinstance(start, dt.datetime) else start,
                      _local(end) if isinstance(end, dt.datetime) else end)
        if end is not None:
            return start, end
    published = _local(version.published_at) if version is not None else None
    return published, _window(region, year, published)


def resolve_subject(region: Region, hospital, subject_type: str, ref: str, year: int | None = None) -> Subject:
    """Find the disputed item of `hospital` (ValidationFailed / NotFound when it is not the hospital's)."""
    ref = (ref or "").strip()
    today = timezone.localdate()
    if subject_type not in SubjectType.values:
        raise ValidationFailed("subject_type: case, settlement, coefficient, application, group or other.")
    if subject_type == SubjectType.CASE:
        case = scoped(Case, region.pk).filter(region=region, settlement_id=ref, hospital=hospital).first()
        if case is None:
            raise NotFound("subject_ref: no such case of the hospital.")
        first = (scoped(CaseResult, region.pk).filter(case_id=case.pk, run__status__in=(
            Lifecycle.PUBLISHED, Lifecycle.SUPERSEDED), run__published_at__isnull=False)
            .order_by("run__published_at").values_list("run__published_at", flat=True).first())
        published = _local(first)
        if published is None:
            # Never settled yet (e.g. a grouping the hospital contests before the month is run): the window
            # runs from the day the case reached the portal, so a deadline always shows (decision 0032).
            received = _local(case.created_at) or today
            return Subject(subject_type, ref, case.discharge_date.year, None,
                           _window(region, case.discharge_date.year, received), case=case)
        return Subject(subject_type, ref, case.discharge_date.year, published,
                       _window(region, case.discharge_date.year, published), case=case)
    if subject_type == SubjectType.SETTLEMENT:
        run = scoped(SettlementRun, region.pk).filter(region=region, pk=int(ref) if ref.isdigit() else 0).first()
        if run is None or not scoped(HospitalResult, region.pk).filter(run=run, hospital=hospital).exists():
            raise NotFound("subject_ref: no such settlement run for the hospital.")
        if run.status not in (Lifecycle.PUBLISHED, Lifecycle.SUPERSEDED) or not run.published_at:
            raise ValidationFailed("subject_ref: only a published settlement result can be disputed.")
        published = _local(run.published_at)
        return Subject(subject_type, ref, run.year, published, _window(region, run.year, published), run=run)
    if subject_type == SubjectType.COEFFICIENT:
        if ref and ref != hospital.code:
            raise NotFound("subject_ref: a hospital disputes its own coefficient (give its hospital code).")
        versions = scoped(CoefficientVersion, region.pk).filter(region=region, status=Lifecycle.PUBLISHED)
        if year:
            versions = versions.filter(year=year)
        version = versions.order_by("-year").first()
        if version is None:
            raise ValidationFailed("subject_ref: no published coefficients to dispute.")
        if not scoped(HospitalCoefficient, region.pk).filter(version=version, hospital=hospital).exists():
            raise ValidationFailed("subject_ref: the hospital has no coefficient in the published version.")
        published, ends = coefficient_window(region, version.year, version)
        return Subject(subject_type, hospital.code, version.year, published, ends, coefficient_version=version)
    if subject_type == SubjectType.APPLICATION:
        application = scoped(Application, region.pk).filter(region=region, hospital=hospital,
                                                             pk=int(ref) if ref.isdigit() else 0).first()
        if application is None:
            raise NotFound("subject_ref: no such application of the hospital.")
        if application.decided_at is None:
            raise ValidationFailed("subject_ref: the application is not decided yet.")
        published = _local(application.decided_at)
        return Subject(subject_type, ref, application.year, published,
                       _window(region, application.year, published), application=application)
    if subject_type == SubjectType.GROUP:
        code = ref.upper()
        the_year = year or today.year
        catalogue = active_catalogue(region, the_year)
        if catalogue is None or code not in group_codes(catalogue):
            raise NotFound("subject_ref: no such group in the region's catalogue.")
        stats = published_stats(region, the_year)
        published = _local(stats.published_at) if stats is not None else None
        return Subject(subject_type, code, the_year, published, _window(region, the_year, published),
                       group_code=code)
    return Subject(subject_type, ref, year or today.year)


# --- experts -------------------------------------------------------------------------------------


def eligible_experts(dispute: Dispute) -> list:
    """Active pool members (apps.applications' ExpertProfile) not affiliated with the disputing hospital and
    not assigned to this dispute before."""
    taken = set(scoped(Assignment, dispute.region_id).filter(dispute=dispute).values_list("expert_id", flat=True))
    pool = (scoped(ExpertProfile, dispute.region_id).filter(region_id=dispute.region_id, active=True,
                                                             user__is_active=True)
            .exclude(user_id__in=taken).select_related("user", "hospital").order_by("user__username"))
    return [p for p in pool if dispute.hospital_id not in affiliated_hospitals(p.user, dispute.region_id)]


def active_assignments(dispute: Dispute) -> QuerySet[Assignment]:
    return scoped(Assignment, dispute.region_id).filter(dispute=dispute, status__in=ACTIVE_ASSIGNMENT)


def opinions(dispute: Dispute) -> QuerySet[Opinion]:
    return (scoped(Opinion, dispute.region_id)
            .filter(assignment__dispute=dispute, assignment__status=AssignmentStatus.DONE)
            .select_related("assignment", "assignment__expert").order_by("submitted_at"))


def timeline(dispute: Dispute):
    return (AuditEvent.objects.with_scope(region=[dispute.region_id])
            .filter(object_type=Dispute._meta.label, object_id=str(dispute.pk)).order_by("at", "id"))


# --- queues and statistics -----------------------------------------------------------------------


def overdue_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return (Q(status=Status.SUBMITTED, accept_due__lt=today)
            | Q(status__in=DECIDING, decision_due__lt=today))


def due_soon_q(today: dt.date, until: dt.date) -> Q:
    return (Q(status=Status.SUBMITTED, accept_due__gte=today, accept_due__lte=until)
            | Q(status__in=DECIDING, decision_due__gte=today, decision_due__lte=until))


def statistics(qs: QuerySet[Dispute]) -> dict:
    """Counts by subject, status and outcome; working days from acceptance to decision (median, mean); per
    hospital. `qs` is already restricted to what the caller may read."""
    by_subject = dict(qs.values_list("subject_type").annotate(n=Count("id")).order_by())
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    by_outcome = dict(qs.exclude(outcome="").values_list("outcome").annotate(n=Count("id")).order_by())
    days = decision_working_days(qs)
    hospitals: dict[int, dict] = {}
    for row in (qs.values("hospital_id", "hospital__name", "hospital__code", "status", "outcome")
                .annotate(n=Count("id")).order_by("hospital__code")):
        h = hospitals.setdefault(row["hospital_id"], {"name": row["hospital__name"], "code": row["hospital__code"],
                                                      "total": 0, "open": 0, "adjusted": 0, "upheld": 0})
        h["total"] += row["n"]
        if row["status"] in (Status.SUBMITTED, *DECIDING):
            h["open"] += row["n"]
        if row["outcome"] in ("adjusted", "partial"):
            h["adjusted"] += row["n"]
        elif row["outcome"] == "upheld":
            h["upheld"] += row["n"]
    return {
        "total": qs.count(), "by_subject": by_subject, "by_status": by_status, "by_outcome": by_outcome,
        "decided": len(days), "median_days": round(float(median(days)), 1) if days else None,
        "mean_days": round(sum(days) / len(days), 1) if days else None,
        "overdue": qs.filter(overdue_q()).count(), "hospitals": list(hospitals.values()),
    }
