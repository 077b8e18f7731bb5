"""Reads of the applications app: visible lists, caps, the decision suggestion, rare diseases, groups."""
from __future__ import annotations

import calendar
import csv
import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from pathlib import Path
from statistics import median

from django.db.models import Q, QuerySet

from apps.cases.models import Case
from apps.core.errors import NotFound, ValidationFailed
from apps.core.models import AuditEvent
from apps.core.scoping import scoped
from apps.groups.models import GroupStat
from apps.groups.selectors import published_stats
from apps.hospitals.models import Hospital
from apps.settlement.selectors import case_published_results
from apps.tenants.access import get_access
from apps.tenants.models import Membership, PolicyYear, Region, User
from apps.tenants.services import policy_defaults

from .enums import (
    ACTIVE_ASSIGNMENT,
    COUNTING,
    INCENTIVE_TYPES,
    ApplicationType,
    AssignmentStatus,
    CapKind,
    Status,
    Verdict,
)
from .models import Application, Assignment, ExpertProfile, Opinion

RARE_DISEASES_CSV = Path(__file__).resolve().parent / "data" / "rare_diseases.csv"



# --- visibility ----------------------------------------------------------------------------------


def identified_q(access) -> Q:
    """Applications a user reads with their identity (case, hospital): whole regions and own hospitals."""
    return access.workflow_q(experts=False)




def visible_applications(user) -> QuerySet[Application]:
    access = get_access(user)
    rows = Application.objects.with_scope(region=access.region_ids)
    if access.expert_region_ids():  # the assignment join may repeat rows: match ids, never DISTINCT the wide rows
        rows = rows.filter(pk__in=rows.filter(access.workflow_q()).values("pk"))
    else:  # no expert role: the same rule without the assignment join (decision 0048: 129 → 1 ms a page)
        rows = rows.filter(access.workflow_q(experts=False))
    return rows.select_related("region", "hospital", "case", "created_by")


def application_queue(user) -> QuerySet[Application]:
    """The applications a user's lists show (screen and `GET /applications/`): what they may read minus other
    hospitals' drafts — a draft is its hospital's own until submitted, so the bureau never sees it listed."""
    return visible_applications(user).filter(get_access(user).drafts_hidden_q(Status.DRAFT))


def application_get(user, pk: int) -> Application:
    app = visible_applications(user).filter(pk=pk).first()
    if app is None:
        raise NotFound()
    return app


def my_assignments(user) -> QuerySet[Assignment]:
    access = get_access(user)
    return (Assignment.objects.with_scope(region=access.region_ids).filter(expert=user)
            .select_related("application", "application__case", "application__hospital").order_by("-assigned_at"))


# --- policy, dates, caps -------------------------------------------------------------------------


def policy_for(region: Region, year: int) -> PolicyYear:
    """The year's policy, or an unsaved row with the defaults (reading never creates rows)."""
    found = scoped(PolicyYear, region.pk).filter(region=region, year=year).first()
    return found or PolicyYear(region=region, year=year, **policy_defaults(region))


def application_deadline(discharge: dt.date, days: int) -> dt.date:
    """The last day to submit: `days` after the end of the discharge month."""
    last = calendar.monthrange(discharge.year, discharge.month)[1]
    return dt.date(discharge.year, discharge.month, last) + dt.timedelta(days=days)


def cap_kind(app_type: str) -> str | None:
    if app_type in INCENTIVE_TYPES:
        return CapKind.INCENTIVE
    if app_type == ApplicationType.SPECIAL_CASE:
        return CapKind.SPECIAL
    return None


def cap_types(kind: str) -> tuple[str, ...]:
    return tuple(INCENTIVE_TYPES) if kind == CapKind.INCENTIVE else (ApplicationType.SPECIAL_CASE,)


def drg_cases(hospital: Hospital, year: int) -> int:
    """n_hY: the hospital's cases discharged in `year` loaded so far, counted while it was DRG-paid."""
    if hospital.drg_enabled_from is None:
        return 0
    return scoped(Case, hospital.region_id).filter(
        hospital=hospital, discharge_date__gte=max(dt.date(year, 1, 1), hospital.drg_enabled_from),
        discharge_date__lt=dt.date(year + 1, 1, 1)).count()


def cap_limit(hospital: Hospital, year: int, kind: str, n: int | None = None) -> int:
    """floor(n × rate_L / 1000) for incentive cases, floor(n × pct / 100) for special cases (domain §6)."""
    policy = policy_for(hospital.region, year)
    n = drg_cases(hospital, year) if n is None else n
    if kind == CapKind.INCENTIVE:
        value = Decimal(n) * policy.incentive_rate(hospital.level) / 1000
    else:
        value = Decimal(n) * policy.special_case_pct / 100
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def cap_used(hospital: Hospital, year: int, kind: str, statuses=COUNTING, exclude: int | None = None) -> int:
    qs = scoped(Application, hospital.region_id).filter(hospital=hospital, year=year, type__in=cap_types(kind),
                                                         status__in=statuses)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.count()


def cap_overview(hospital: Hospital, year: int) -> list[dict]:
    """For the screens: per cap kind the limit, places held and approvals of a hospital and year."""
    n = drg_cases(hospital, year)
    return [{"kind": kind, "label": label, "n": n, "limit": cap_limit(hospital, year, kind, n),
             "used": cap_used(hospital, year, kind),
             "approved": cap_used(hospital, year, kind, statuses=(Status.APPROVED,))}
            for kind, label in CapKind.choices]


# --- rare diseases, secondary group --------------------------------------------------------------


@lru_cache(maxsize=1)
def rare_disease_codes() -> tuple[tuple[str, str], ...]:
    """(ICD-10 prefix, disease name) of the shipped national rare-disease list."""
    with RARE_DISEASES_CSV.open(encoding="utf-8") as fh:
        rows = [(r["icd10"].strip().upper(), r["name_zh"]) for r in csv.DictReader(fh) if r["icd10"].strip()]
    return tuple(rows)


def rare_disease_of(case: Case) -> str | None:
    """The listed rare disease(s) matching one of the case's diagnoses (prefix match on the ICD-10 code);
    diseases sharing the matched category are all named (e.g. 法布里病、戈谢病 under E75.2)."""
    codes = [c.upper() for c in [case.principal_dx, *(case.secondary_dx or [])] if c]
    names: dict[str, list[str]] = {}
    for prefix, name in rare_disease_codes():
        names.setdefault(prefix, []).append(name)
    for prefix, found in names.items():
        if any(code.startswith(prefix) for code in codes):
            return "、".join(dict.fromkeys(found))
    return None


def secondary_group_for(region: Region, year: int, drg_code: str) -> str | None:
    """The declared secondary surgery's group without CC/MCC: same ADRG with severity 5, else 9 —
    whichever has published statistics for the payment year (None when neither does)."""
    code = (drg_code or "").strip().upper()
    if len(code) != 4:
        return None
    version = published_stats(region, year)
    if version is None:
        return None
    adrg = code[:3]
    have = set(scoped(GroupStat, region.pk).filter(version=version, group_code__in=[adrg + "5", adrg + "9"])
               .values_list("group_code", flat=True))
    for candidate in (adrg + "5", adrg + "9"):
        if candidate in have:
            return candidate
    return None


# --- experts and the decision suggestion ---------------------------------------------------------


def affiliated_hospitals(user, region_id: int) -> set[int]:
    """An expert's affiliations (conflict of interest): the pool profile's hospital and the hospital of every
    membership the user holds, whatever its role — an expert who is also a hospital's staff or admin never
    reviews that hospital (issue 17; disputes use this same rule)."""
    ids = set(scoped(ExpertProfile, region_id).filter(user=user, hospital__isnull=False)
              .values_list("hospital_id", flat=True))
    ids |= set(Membership.objects.with_scopes_disabled().filter(user=user, hospital__isnull=False)
               .values_list("hospital_id", flat=True))
    return ids


def eligible_experts(application: Application) -> list[ExpertProfile]:
    """Active pool members of the region who are not affiliated with the applying hospital and were not
    assigned to this application before."""
    taken = set(scoped(Assignment, application.region_id).filter(application=application)
                .values_list("expert_id", flat=True))
    pool = (scoped(ExpertProfile, application.region_id).filter(region_id=application.region_id, active=True,
                                                                 user__is_active=True)
            .exclude(user_id__in=taken).select_related("user", "hospital").order_by("user__username"))
    return [p for p in pool if application.hospital_id not in affiliated_hospitals(p.user, application.region_id)]


def active_assignments(application: Application) -> QuerySet[Assignment]:
    return scoped(Assignment, application.region_id).filter(application=application, status__in=ACTIVE_ASSIGNMENT)


def opinions(application: Application) -> QuerySet[Opinion]:
    return (scoped(Opinion, application.region_id)
            .filter(assignment__application=application, assignment__status=AssignmentStatus.DONE)
            .select_related("assignment", "assignment__expert").order_by("submitted_at"))


def suggestion(application: Application) -> dict:
    """Majority verdict of the opinions in (None on a tie or none), and the median unreasonable cost
    of the approving opinions."""
    rows = list(opinions(application))
    approve = [o for o in rows if o.verdict == Verdict.APPROVE]
    reject = len(rows) - len(approve)
    verdict = None
    if rows and len(approve) != reject:
        verdict = Verdict.APPROVE if len(approve) > reject else Verdict.REJECT
    cost = None
    if approve:
        cost = Decimal(median(sorted(o.unreasonable_cost for o in approve))).quantize(Decimal("0.01"))
    return {"opinions": len(rows), "approve": len(approve), "reject": reject, "verdict": verdict,
            "unreasonable_cost": cost}


def latest_case_result(case: Case):
    """The case's figures in its latest published (in force) settlement run, or None — never a simulation or an
    unpublished draft, which a hospital must not take for its payment."""
    return case_published_results(case).first()


def timeline(application: Application):
    return (AuditEvent.objects.with_scope(region=[application.region_id])
            .filter(object_type=Application._meta.label, object_id=str(application.pk)).order_by("at", "id"))


def users_by_username(names: list[str]) -> list:
    """The users named in an `assign {experts: [usernames]}` body, in order; unknown names are a 400."""
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [n for n in names if n not in users]
    if missing:
        raise ValidationFailed(f"experts: unknown user(s) {', '.join(missing)}")
    return [users[n] for n in names]
