"""State changes of the working-day calendar. Each checks role and scope and writes the audit trail."""
from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from apps.tenants.access import get_access

from .audit import record_event
from .errors import Forbidden, NotFound, ValidationFailed
from .models import CalendarDay
from .scoping import region_scope

NATIONAL_HOLIDAYS_CSV = Path(__file__).resolve().parent / "data" / "cn_holidays.csv"


def _require_bureau(actor, region) -> None:
    """Bureau administrators and staff of the region maintain its calendar (actor None = system)."""
    if actor is not None and not get_access(actor).is_bureau(region.pk):
        raise Forbidden(_("Only the bureau of this region can change its working-day calendar."))


def _snapshot(day: CalendarDay) -> dict:
    return {"date": day.date.isoformat(), "kind": day.kind, "name": day.name}


@transaction.atomic
def calendar_day_set(*, actor, region, date: dt.date, kind: str, name: str = "", reason: str = "") -> CalendarDay:
    """Mark a date as a holiday or a make-up workday (调休), replacing what the date was before."""
    _require_bureau(actor, region)
    if kind not in CalendarDay.Kind.values:
        raise ValidationFailed(_("The kind must be a holiday or a make-up workday."))
    if kind == CalendarDay.Kind.WORKDAY and date.weekday() < 5:
        raise ValidationFailed(_("A make-up workday must fall on a Saturday or Sunday."))
    name = (name or "").strip()
    if len(name) > 50:
        raise ValidationFailed(_("The name can have at most 50 characters."))
    with region_scope(region.pk):
        day = CalendarDay.objects.select_for_update().filter(region=region, date=date).first()
        old = _snapshot(day) if day else None
        if day is None:
            day = CalendarDay.objects.create(region=region, date=date, kind=kind, name=name)
        elif (day.kind, day.name) != (kind, name):
            day.kind, day.name = kind, name
            day.save(update_fields=["kind", "name"])
        else:
            return day
    record_event(actor=actor, action="calendar.set", obj=day, region=region, old=old, new=_snapshot(day), reason=reason)
    return day


@transaction.atomic
def calendar_day_remove(*, actor, region, date: dt.date, reason: str = "") -> None:
    """Return a date to the Monday–Friday rule."""
    _require_bureau(actor, region)
    with region_scope(region.pk):
        day = CalendarDay.objects.select_for_update().filter(region=region, date=date).first()
        if day is None:
            raise NotFound(_("This date has no calendar entry."))
        old = _snapshot(day)
        day_id, day_repr = day.pk, str(day)
        day.delete()
    record_event(actor=actor, action="calendar.remove", region=region, object_type="core.CalendarDay",
                 object_id=day_id, old=old, new=None, reason=reason or day_repr)


@cache
def national_schedule() -> dict[int, list[tuple[dt.date, str, str]]]:
    """The State Council schedule shipped in data/cn_holidays.csv, by year."""
    by_year: dict[int, list[tuple[dt.date, str, str]]] = {}
    with NATIONAL_HOLIDAYS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            day = dt.date.fromisoformat(row["date"])
            by_year.setdefault(day.year, []).append((day, row["kind"], row["name"]))
    return by_year


@transaction.atomic
def calendar_load_national(*, actor, region, year: int) -> dict[str, int]:
    """Load the national holidays and make-up workdays of a year into a region's calendar.

    Idempotent: dates already right are left alone, dates that differ are corrected, and local
    entries on other dates (a bureau's own exceptions) are kept. One audit event per load.
    """
    _require_bureau(actor, region)
    schedule = national_schedule().get(year)
    if not schedule:
        raise ValidationFailed(_("No national holiday schedule is shipped for %(year)s.") % {"year": year})
    with region_scope(region.pk):
        dates = [d for d, _kind, _name in schedule]
        existing = {day.date: day for day in CalendarDay.objects.select_for_update().filter(region=region, date__in=dates)}
        to_create, to_update = [], []
        for date, kind, name in schedule:
            day = existing.get(date)
            if day is None:
                to_create.append(CalendarDay(region=region, date=date, kind=kind, name=name))
            elif (day.kind, day.name) != (kind, name):
                day.kind, day.name = kind, name
                to_update.append(day)
        CalendarDay.objects.bulk_create(to_create)
        CalendarDay.objects.bulk_update(to_update, ["kind", "name"])
    summary = {"created": len(to_create), "updated": len(to_update), "unchanged": len(schedule) - len(to_create) - len(to_update)}
    if to_create or to_update:
        record_event(actor=actor, action="calendar.load_national", region=region, object_type="core.CalendarDay",
                     object_id=str(year), new={"year": year, **summary})
    return summary
