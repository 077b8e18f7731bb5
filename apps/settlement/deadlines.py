"""Upload deadlines (domain §10; Yunnan: 对不按时传送医保结算清单数据的医疗机构，可暂停医疗保险费用结算).

A hospital declares month M's settlement lists complete (提交). A hospital that has not by day
`upload_deadline_day` of M+1 is flagged 逾期 (by the beat task or `mark_overdue_uploads`) and notified; the
monthly run of M started while it is flagged and undeclared pays it no advance (suspended, with the reason)
until it declares and M is re-run. Flagging is explicit (never inferred from a missing row) so months
settled before a region tracked declarations are not suspended retroactively (docs/decisions/0025).
"""
from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import record_event
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.scoping import scoped
from apps.core.workflow import recipients
from apps.hospitals.models import Hospital
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import HOSPITAL_ROLES, REGION_WIDE_READ_ROLES
from apps.tenants.models import Region, User
from apps.tenants.roles import BUREAU_ROLES
from apps.tenants.services import policy_get_or_create

if TYPE_CHECKING:
    from apps.notifications.services import Text

from .models import HospitalResult, MonthSubmission, SettlementRun


def month_of(period: str) -> tuple[int, int]:
    """(year, month) of 'YYYY-MM'; ValidationFailed otherwise."""
    from .engine import period_bounds

    year, month, _start, _end = period_bounds(period)
    if month is None:
        raise ValidationFailed(f"period: {period!r} is not YYYY-MM")
    return year, month


def deadline_of(region: Region, period: str) -> dt.date:
    """Day `upload_deadline_day` of the month after M (the month's last day when it is shorter)."""
    year, month = month_of(period)
    day = policy_get_or_create(region=region, year=year).upload_deadline_day or 10
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(ny, nm, min(day, calendar.monthrange(ny, nm)[1]))


def _month_end(period: str) -> dt.date:
    year, month = month_of(period)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def latest_due_period(region: Region, today: dt.date | None = None) -> str | None:
    """The latest month whose deadline has passed (the one a daily sweep flags)."""
    today = today or timezone.localdate()
    for back in range(1, 4):
        y, m = today.year, today.month - back
        while m < 1:
            y, m = y - 1, m + 12
        period = f"{y}-{m:02d}"
        if deadline_of(region, period) < today:
            return period
    return None



def drg_hospitals(region: Region, period: str):
    """Active hospitals of the region paid by DRG on the month's last day: the ones that must declare."""
    return (scoped(Hospital, region.pk).filter(region=region, active=True, drg_enabled_from__isnull=False,
                                                 drg_enabled_from__lte=_month_end(period)).order_by("code"))


def _hospital_users(region_id: int, hospital_id: int | None, roles) -> list[User]:
    return recipients(region_id, roles, hospital_id)


def _notify(region: Region, users, title: Text, body: Text, url: str, kind: str) -> None:
    """Title and body are built in each portal language (callables), so every reader sees their own."""
    notify(users=users, region=region, title=title, body=body, url=url, kind=kind)


def _month_url(region: Region, period: str) -> str:
    return reverse("settlement:month_status") + f"?region={region.code}&period={period}"


@transaction.atomic
def month_submit(*, actor: User, region: Region, period: str, hospital=None) -> MonthSubmission:
    """A hospital declares month M's lists complete. Only its own hospital (any other is 404)."""
    month_of(period)
    access = get_access(actor)
    if region.pk not in access.region_ids:
        raise NotFound()
    if not access.has_role(region.pk, *HOSPITAL_ROLES):
        raise Forbidden(_("Only a hospital declares its own month complete."))
    own = access.hospital_ids(region.pk)
    if hospital is None:
        if len(own) != 1:
            raise ValidationFailed("hospital: name the hospital to declare for")
        hospital_id = next(iter(own))
    else:
        hospital_id = getattr(hospital, "pk", hospital)
        if hospital_id not in own:
            raise NotFound()
    if _month_end(period) >= timezone.localdate():
        raise ValidationFailed(f"period: {period} is not over yet; declare it complete after its last day")
    deadline = deadline_of(region, period)
    row, _created = scoped(MonthSubmission, region.pk).select_for_update().get_or_create(
        region=region, hospital_id=hospital_id, period=period, defaults={"deadline": deadline})
    if row.submitted_at is not None:
        raise InvalidTransition(_("This month was declared complete already (%(at)s).") % {
            "at": timezone.localtime(row.submitted_at).strftime("%Y-%m-%d %H:%M")})
    row.submitted_at, row.submitted_by = timezone.now(), actor
    row.save(update_fields=["submitted_at", "submitted_by"])
    late = timezone.localdate() > row.deadline
    record_event(actor=actor, action="settlement.month_submit", obj=row,
                 new={"hospital": hospital_id, "period": period, "deadline": str(row.deadline), "late": late,
                      "was_overdue": row.overdue_at is not None})
    if row.overdue_at is not None:
        name = row.hospital.name
        _notify(region, _hospital_users(region.pk, None, BUREAU_ROLES),
                lambda: _("%(hospital)s declared %(period)s complete after the deadline") % {"hospital": name,
                                                                                              "period": period},
                lambda: _("Its advance for %(period)s is suspended until the month is re-run.") % {"period": period},
                _month_url(region, period), "settlement.month_submit")
    return row


def months_flag_overdue(*, region: Region, period: str | None = None, today: dt.date | None = None,
                        actor: User | None = None) -> list[MonthSubmission]:
    """Flag 逾期 every DRG hospital that has not declared `period` (default: the latest month past its
    deadline) once the deadline has passed; each flagged hospital is told, the bureau once. Idempotent."""
    if actor is not None and not get_access(actor).has_role(region.pk, *BUREAU_ROLES):
        raise Forbidden(_("Only bureau staff can flag overdue months."))
    today = today or timezone.localdate()
    period = period or latest_due_period(region, today)
    if period is None:
        return []
    deadline = deadline_of(region, period)
    if deadline >= today:
        return []
    flagged: list[MonthSubmission] = []
    now = timezone.now()
    with transaction.atomic():
        rows = {r.hospital_id: r for r in scoped(MonthSubmission, region.pk).select_for_update()
                .filter(region=region, period=period)}
        for hospital in drg_hospitals(region, period):
            row = rows.get(hospital.pk)
            if row is not None and (row.submitted_at is not None or row.overdue_at is not None):
                continue
            if row is None:
                row = MonthSubmission(region=region, hospital=hospital, period=period, deadline=deadline)
            row.overdue_at = now
            row.save()
            flagged.append(row)
            record_event(actor=actor, action="settlement.month_overdue", obj=row,
                         new={"hospital": hospital.pk, "period": period, "deadline": str(deadline)},
                         reason=f"{period} not declared complete by {deadline}")
            _notify(region, _hospital_users(region.pk, hospital.pk, HOSPITAL_ROLES),
                    lambda: _("%(period)s settlement lists overdue (逾期)") % {"period": period},
                    lambda: _("The lists of %(period)s were not declared complete by %(deadline)s: the month's "
                              "advance is suspended until you declare them and the month is re-run.") % {
                        "period": period, "deadline": deadline},
                    _month_url(region, period), "settlement.month_overdue")
        if flagged:
            _notify(region, _hospital_users(region.pk, None, BUREAU_ROLES),
                    lambda: _("%(n)s hospitals overdue for %(period)s") % {"n": len(flagged), "period": period},
                    ", ".join(r.hospital.name for r in flagged[:20]), _month_url(region, period),
                    "settlement.month_overdue")
    return flagged


def suspended_hospitals(region: Region, period: str) -> list[int]:
    """Hospitals flagged 逾期 for `period` that have not declared it: no advance in a run of the month."""
    return sorted(scoped(MonthSubmission, region.pk).filter(
        region=region, period=period, overdue_at__isnull=False, submitted_at__isnull=True)
        .values_list("hospital_id", flat=True))


def suspension_reason(region: Region, period: str) -> str:
    return _("Advance suspended: the settlement lists of %(period)s were not declared complete by %(deadline)s "
             "(逾期). It is paid once they are declared and the month is re-run.") % {
        "period": period, "deadline": deadline_of(region, period)}


def record_suspensions(*, actor: User | None, run: SettlementRun, suspended: list[int]) -> None:
    """Audit the suspensions of a new monthly run, and the release of hospitals suspended in the month's
    previous run (published, else the latest computed) that have since declared."""
    runs = (scoped(SettlementRun, run.region_id).filter(region_id=run.region_id, kind=run.kind, period=run.period)
            .exclude(pk=run.pk))
    previous = (runs.filter(status="published").first()
                or runs.filter(status="ready").order_by("-version").first())
    before = set()
    if previous is not None:
        before = set(scoped(HospitalResult, run.region_id).filter(run=previous, suspended=True)
                     .values_list("hospital_id", flat=True))
    for hospital_id in suspended:
        record_event(actor=actor, action="settlement.advance_suspend", obj=run,
                     new={"hospital": hospital_id, "period": run.period, "version": run.version},
                     reason="month not declared complete by the deadline")
    for hospital_id in sorted(before - set(suspended)):
        record_event(actor=actor, action="settlement.advance_release", obj=run,
                     new={"hospital": hospital_id, "period": run.period, "version": run.version},
                     reason="month declared complete; re-run")
        _notify(run.region, _hospital_users(run.region_id, hospital_id, HOSPITAL_ROLES),
                lambda: _("Advance for %(period)s released") % {"period": run.period},
                lambda: _("Run version %(v)s of %(period)s pays your advance again.") % {"v": run.version,
                                                                                         "period": run.period},
                reverse("settlement:run_detail", args=[run.pk]), "settlement.advance_release")


def month_status(access, region: Region, period: str) -> list[dict]:
    """Per hospital the caller may see: {hospital, submitted_at, overdue, suspended} (+ name, deadline, run).

    `suspended`: the hospital's advance is 0 in the month's run in force (the published monthly run, else the
    latest computed one); with no run yet, whether a run now would suspend it.
    """
    month_of(period)
    if access.has_role(region.pk, *HOSPITAL_ROLES) and not access.has_role(region.pk, *_wide_roles()):
        own = access.hospital_ids(region.pk)
    elif access.has_role(region.pk, *_wide_roles()):
        own = None
    else:
        raise Forbidden(_("Only bureau and hospital users see the month's declarations."))
    hospitals = drg_hospitals(region, period)
    if own is not None:
        hospitals = hospitals.filter(pk__in=own)
    rows = {r.hospital_id: r for r in scoped(MonthSubmission, region.pk).filter(region=region, period=period)}
    runs = scoped(SettlementRun, region.pk).filter(region=region, kind="monthly", period=period)
    run = runs.filter(status="published").first() or runs.filter(status="ready").order_by("-version").first()
    in_run = {}
    if run is not None:
        in_run = dict(scoped(HospitalResult, region.pk).filter(run=run).values_list("hospital_id", "suspended"))
    deadline = deadline_of(region, period)
    out = []
    for h in hospitals:
        row = rows.get(h.pk)
        submitted = row.submitted_at if row else None
        overdue = bool(row and row.overdue_at)
        if run is not None and h.pk in in_run:
            suspended = in_run[h.pk]
        else:
            suspended = overdue and submitted is None
        out.append({"hospital": h.code, "hospital_name": h.name, "hospital_id": h.pk, "deadline": deadline,
                    "submitted_at": submitted, "overdue": overdue, "suspended": suspended,
                    "run_id": run.pk if run else None, "run_version": run.version if run else None})
    return out


def _wide_roles():
    return REGION_WIDE_READ_ROLES
