"""Working days per region: Monday–Friday, minus holidays, plus make-up workdays (调休)."""
from __future__ import annotations

import datetime as dt

from .models import CalendarDay


def _exceptions(region, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    rows = CalendarDay.objects.with_scope(region=[region.pk]).filter(region=region, date__range=(start, end))
    return dict(rows.values_list("date", "kind"))


def is_working_day(day: dt.date, exceptions: dict[dt.date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(region, start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted). days=0 → start."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Holidays never stretch a span by more than ~3 weeks per month; load a generous window once.
    window_end = start + dt.timedelta(days=days * 2 + 60)
    exceptions = _exceptions(region, start, window_end)
    current, counted = start, 0
    while counted < days:
        current += dt.timedelta(days=1)
        if current > window_end:
            window_end = current + dt.timedelta(days=60)
            exceptions |= _exceptions(region, current, window_end)
        if is_working_day(current, exceptions):
            counted += 1
    return current


def working_days_between(region, start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(region, end, start)
    exceptions = _exceptions(region, start, end)
    return sum(
        1 for i in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(days=i), exceptions)
    )
