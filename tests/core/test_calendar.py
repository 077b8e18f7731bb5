"""Working-day calendar: services (role, scope, audit), the national schedule, the arithmetic, and the screen."""
from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from apps.core import services
from apps.core.calendar import add_working_days, working_days_between
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.models import AuditEvent, CalendarDay
from apps.tenants.enums import Role

D = dt.date


def days_of(region) -> dict[dt.date, str]:
    with scopes_disabled():
        return dict(CalendarDay.objects.filter(region=region).values_list("date", "kind"))


def test_set_and_remove_are_audited(world):
    region, admin = world["A"].region, world["A"].users[Role.BUREAU_ADMIN]
    day = services.calendar_day_set(actor=admin, region=region, date=D(2025, 3, 3), kind="holiday", name="地方假日")
    assert day.kind == "holiday" and days_of(region) == {D(2025, 3, 3): "holiday"}
    services.calendar_day_set(actor=world["A"].users[Role.BUREAU_STAFF], region=region, date=D(2025, 3, 3),
                              kind="holiday", name="地方假日（更正）")
    services.calendar_day_remove(actor=admin, region=region, date=D(2025, 3, 3), reason="取消")
    assert days_of(region) == {}
    with scopes_disabled():
        events = list(AuditEvent.objects.filter(region=region, action__startswith="calendar.").order_by("id"))
    assert [e.action for e in events] == ["calendar.set", "calendar.set", "calendar.remove"]
    assert events[0].old is None and events[0].new["name"] == "地方假日"
    assert events[1].old["name"] == "地方假日" and events[1].new["name"] == "地方假日（更正）"
    assert events[2].new is None and events[2].reason == "取消" and events[2].actor_id == admin.pk


def test_setting_the_same_value_twice_writes_one_event(world):
    region, admin = world["A"].region, world["A"].users[Role.BUREAU_ADMIN]
    for _ in range(2):
        services.calendar_day_set(actor=admin, region=region, date=D(2025, 3, 3), kind="holiday", name="x")
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="calendar.set").count() == 1


@pytest.mark.parametrize("who", ["B_admin", "A_hospital", "A_auditor", "A_expert", "supervisor"])
def test_only_the_regions_bureau_may_change_it(world, who):
    actor = {
        "B_admin": world["B"].users[Role.BUREAU_ADMIN],
        "A_hospital": world["A"].users[Role.HOSPITAL_ADMIN],
        "A_auditor": world["A"].users[Role.AUDITOR],
        "A_expert": world["A"].users[Role.EXPERT],
        "supervisor": world["supervisor"],
    }[who]
    region = world["A"].region
    with pytest.raises(Forbidden):
        services.calendar_day_set(actor=actor, region=region, date=D(2025, 3, 3), kind="holiday")
    with pytest.raises(Forbidden):
        services.calendar_load_national(actor=actor, region=region, year=2025)
    assert days_of(region) == {}


def test_bad_input_is_rejected(world):
    region, admin = world["A"].region, world["A"].users[Role.BUREAU_ADMIN]
    with pytest.raises(ValidationFailed):
        services.calendar_day_set(actor=admin, region=region, date=D(2025, 3, 3), kind="workday")  # a Monday
    with pytest.raises(ValidationFailed):
        services.calendar_day_set(actor=admin, region=region, date=D(2025, 3, 8), kind="nap")
    with pytest.raises(NotFound):
        services.calendar_day_remove(actor=admin, region=region, date=D(2025, 3, 3))
    with pytest.raises(ValidationFailed):
        services.calendar_load_national(actor=admin, region=region, year=1999)


def test_national_schedule_load_is_idempotent_and_keeps_local_days(world):
    region, admin = world["A"].region, world["A"].users[Role.BUREAU_ADMIN]
    services.calendar_day_set(actor=admin, region=region, date=D(2025, 3, 3), kind="holiday", name="地方")
    services.calendar_day_set(actor=admin, region=region, date=D(2025, 1, 26), kind="holiday", name="wrong")
    first = services.calendar_load_national(actor=admin, region=region, year=2025)
    second = services.calendar_load_national(actor=admin, region=region, year=2025)
    assert first["updated"] == 1 and first["created"] > 20
    assert second == {"created": 0, "updated": 0, "unchanged": first["created"] + first["updated"] + first["unchanged"]}
    days = days_of(region)
    assert days[D(2025, 3, 3)] == "holiday"  # local day kept
    assert days[D(2025, 1, 26)] == "workday"  # corrected: 春节调休上班 (Sunday)
    assert days[D(2025, 1, 28)] == "holiday" and days[D(2025, 2, 4)] == "holiday"
    assert days_of(world["B"].region) == {}
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="calendar.load_national").count() == 1


def test_shipped_schedule_matches_the_state_council_notices():
    schedule = services.national_schedule()
    assert sorted(schedule) == [2024, 2025, 2026]
    for year, rows in schedule.items():
        for date, kind, _name in rows:
            assert date.year == year and kind in ("holiday", "workday")
            if kind == "workday":
                assert date.weekday() >= 5, date
    workdays = {d for rows in schedule.values() for d, k, _ in rows if k == "workday"}
    assert {D(2024, 2, 4), D(2024, 2, 18), D(2025, 1, 26), D(2025, 2, 8), D(2026, 2, 14), D(2026, 2, 28),
            D(2026, 9, 20), D(2026, 10, 10)} <= workdays
    holidays = {d for rows in schedule.values() for d, k, _ in rows if k == "holiday"}
    assert {D(2024, 10, 7), D(2025, 10, 8), D(2026, 2, 23), D(2026, 1, 2)} <= holidays
    spring_2026 = [d for d, k, n in schedule[2026] if n == "春节" and k == "holiday"]
    assert len(spring_2026) == 9


def test_load_holidays_command(world):
    out = StringIO()
    call_command("load_holidays", "--region", "320900", "--year", "2026", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["region"] == "320900" and summary["created"] > 30 and summary["updated"] == 0
    out = StringIO()
    call_command("load_holidays", "--region", "320900", "--year", "2026", stdout=out)
    assert json.loads(out.getvalue())["created"] == 0
    with pytest.raises(CommandError):
        call_command("load_holidays", "--region", "999999", "--year", "2026", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("load_holidays", "--region", "320900", "--year", "2019", stdout=StringIO())


def test_add_working_days_across_weekend_holiday_and_make_up_workday(world):
    a, b = world["A"].region, world["B"].region
    services.calendar_load_national(actor=None, region=a, year=2026)
    # Weekend: Friday 6 March + 1 working day is Monday 9 March.
    assert add_working_days(a, D(2026, 3, 6), 1) == D(2026, 3, 9)
    assert add_working_days(a, D(2026, 3, 6), 0) == D(2026, 3, 6)
    # Make-up workday: Saturday 14 February 2026 is worked (春节调休).
    assert add_working_days(a, D(2026, 2, 13), 1) == D(2026, 2, 14)
    # Holiday: 15–23 February are off, so the next working day is Tuesday 24 February.
    assert add_working_days(a, D(2026, 2, 13), 2) == D(2026, 2, 24)
    # Labour day: 1–5 May off, Saturday 9 May worked.
    assert add_working_days(a, D(2026, 4, 30), 1) == D(2026, 5, 6)
    assert add_working_days(a, D(2026, 5, 8), 1) == D(2026, 5, 9)
    assert add_working_days(a, D(2026, 5, 8), 2) == D(2026, 5, 11)
    # 20 working days from 1 February 2026 (a dispute decision deadline).
    assert add_working_days(a, D(2026, 2, 1), 20) == D(2026, 3, 5)
    assert working_days_between(a, D(2026, 2, 1), D(2026, 3, 5)) == 20
    # Region B has no calendar loaded: plain Monday–Friday.
    assert add_working_days(b, D(2026, 2, 13), 2) == D(2026, 2, 17)


# ---- the screen ----

def test_calendar_screen_lists_the_regions_days(client, world):
    services.calendar_load_national(actor=None, region=world["A"].region, year=2025)
    services.calendar_load_national(actor=None, region=world["B"].region, year=2026)
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    response = client.get("/core/calendar/?year=2025")
    assert response.status_code == 200 and response.context["can_edit"]
    assert response.context["workdays"] == 5 and response.context["holidays"] > 20
    body = response.content.decode()
    assert "2025-01-26" in body and "2026-02-14" not in body
    assert client.get("/core/calendar/?year=2026").context["holidays"] == 0  # B's 2026 is not A's


def test_calendar_screen_region_out_of_scope_is_404(client, world):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    assert client.get("/core/calendar/?region=340100").status_code == 404
    response = client.post("/core/calendar/add/", {"region": "340100", "date": "2025-03-03", "kind": "holiday"})
    assert response.status_code == 404
    assert days_of(world["B"].region) == {}


def test_calendar_screen_add_remove_and_load(client, world):
    region = world["A"].region
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    response = client.post("/core/calendar/add/", {"region": "341800", "year": "2025", "date": "2025-03-03",
                                                   "kind": "holiday", "name": "地方假日"})
    assert response.status_code == 302 and days_of(region) == {D(2025, 3, 3): "holiday"}
    response = client.post("/core/calendar/add/", {"region": "341800", "date": "2025-03-04", "kind": "workday"}, follow=True)
    assert "星期六或星期日" in response.content.decode() and D(2025, 3, 4) not in days_of(region)
    client.post("/core/calendar/remove/", {"region": "341800", "date": "2025-03-03"})
    assert days_of(region) == {}
    response = client.post("/core/calendar/load/", {"region": "341800", "year": "2024"}, follow=True)
    assert "已导入 2024 年全国节假日安排" in response.content.decode()
    assert days_of(region)[D(2024, 2, 18)] == "workday"


def test_calendar_changes_refused_to_readers(client, world):
    client.force_login(world["A"].users[Role.AUDITOR])
    page = client.get("/core/calendar/")
    assert page.status_code == 200 and not page.context["can_edit"]
    assert client.post("/core/calendar/add/", {"date": "2025-03-03", "kind": "holiday"}).status_code == 403
    assert client.post("/core/calendar/load/", {"year": "2025"}).status_code == 403
    assert days_of(world["A"].region) == {}


def test_calculator_on_the_screen(client, world):
    services.calendar_load_national(actor=None, region=world["A"].region, year=2026)
    client.force_login(world["supervisor"])
    response = client.get("/core/calendar/?region=341800&year=2026&start=2026-02-13&days=2")
    assert response.context["result"] == D(2026, 2, 24)
    assert "2026-02-24" in response.content.decode()
    bad = client.get("/core/calendar/?region=341800&start=2026-02-13&days=-1")
    assert bad.context["result"] is None and bad.context["calc"].errors


def test_htmx_remove_answers_an_empty_fragment(client, world):
    services.calendar_day_set(actor=None, region=world["A"].region, date=D(2025, 3, 3), kind="holiday")
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    response = client.post("/core/calendar/remove/", {"region": "341800", "date": "2025-03-03"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert days_of(world["A"].region) == {}
    assert client.post("/core/calendar/remove/", {"region": "341800", "date": "2025-03-03"}).status_code == 404
