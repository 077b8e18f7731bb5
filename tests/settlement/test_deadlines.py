"""Upload deadlines (domain §10): declare (提交), flag 逾期, suspend the month's advance, release after a re-run."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition, NotFound
from apps.core.models import AuditEvent
from apps.notifications.models import Notification
from apps.settlement import formulas as f
from apps.settlement.deadlines import deadline_of, latest_due_period
from apps.settlement.models import HospitalResult, MonthSubmission
from apps.settlement.services import (
    month_status,
    month_submit,
    months_flag_overdue,
    settlement_run_publish,
    settlement_run_start,
)
from apps.tenants.access import get_access
from apps.tenants.enums import Role
from apps.tenants.services import policy_set, user_create

from .conftest import YEAR, add_cases, case

D = Decimal
PERIOD = f"{YEAR}-03"


def march(small) -> None:
    h1, h2 = small["h"][0], small["h"][1]
    add_cases([case(h1, "ED11", "8000", dt.date(YEAR, 3, 5), self_pay="100"),
               case(h2, "EC19", "5000", dt.date(YEAR, 3, 7), self_pay="50")])


def h2_user(small):
    with scopes_disabled():
        return user_create(actor=None, username="h2_staff", password="Test-pass-2026", name="中医院填报员",
                           memberships=[{"role": Role.HOSPITAL_STAFF, "region": small["region"],
                                         "hospital": small["h"][1]}])


def results(run) -> dict[int, HospitalResult]:
    with scopes_disabled():
        return {r.hospital_id: r for r in HospitalResult.objects.filter(run=run)}


def events(action: str) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.mark.django_db
def test_deadline_day_and_latest_due_period(small):
    region = small["region"]
    assert deadline_of(region, "2025-03") == dt.date(2025, 4, 10)
    assert deadline_of(region, "2025-12") == dt.date(2026, 1, 10)
    with scopes_disabled():
        policy_set(actor=None, region=region, year=2025, values={"upload_deadline_day": 28})
    assert deadline_of(region, "2025-01") == dt.date(2025, 2, 28)
    with scopes_disabled():
        policy_set(actor=None, region=region, year=2026, values={"upload_deadline_day": 10})
    assert latest_due_period(region, dt.date(2026, 4, 10)) == "2026-02"  # March's deadline is the 10th itself
    assert latest_due_period(region, dt.date(2026, 4, 11)) == "2026-03"


@pytest.mark.django_db
def test_suspension_and_release_across_a_rerun(small):
    region = small["region"]
    h1, h2 = small["h"][0], small["h"][1]
    world = small["world"]["A"]
    march(small)
    other = h2_user(small)
    # h1 declares in time (well, before the sweep); nobody else does
    month_submit(actor=world.users[Role.HOSPITAL_STAFF], region=region, period=PERIOD)
    with pytest.raises(InvalidTransition):
        month_submit(actor=world.users[Role.HOSPITAL_STAFF], region=region, period=PERIOD)
    flagged = months_flag_overdue(region=region, period=PERIOD, today=dt.date(2025, 4, 11))
    assert {r.hospital_id for r in flagged} == {h2.pk, small["h"][3].pk, small["h"][4].pk}  # DRG hospitals only
    assert months_flag_overdue(region=region, period=PERIOD, today=dt.date(2025, 4, 12)) == []  # idempotent
    assert months_flag_overdue(region=region, period="2025-04", today=dt.date(2025, 5, 10)) == []  # not yet due
    with scopes_disabled():
        assert Notification.objects.filter(user=other, kind="settlement.month_overdue").count() == 1
        assert not Notification.objects.filter(user=world.users[Role.HOSPITAL_STAFF],
                                               kind="settlement.month_overdue").exists()

    staff, admin = world.users[Role.BUREAU_STAFF], world.users[Role.BUREAU_ADMIN]
    v1 = settlement_run_start(actor=staff, region=region, kind="monthly", period=PERIOD)
    assert v1.status == "ready", v1.error
    v1 = settlement_run_publish(actor=admin, run=v1)
    rows = results(v1)
    assert rows[h2.pk].suspended and rows[h2.pk].advance == D("0.00") and rows[h2.pk].due > 0
    assert "2025-04-10" in rows[h2.pk].suspension_reason
    assert not rows[h1.pk].suspended and rows[h1.pk].advance == f.advance(rows[h1.pk].due, D("0.95"))
    assert v1.total_advance == rows[h1.pk].advance
    assert [e.new["hospital"] for e in events("settlement.advance_suspend")] == [h2.pk]

    status = {r["hospital"]: r for r in month_status(get_access(staff), region, PERIOD)}
    assert status[h2.code]["overdue"] and status[h2.code]["suspended"] and status[h2.code]["submitted_at"] is None
    assert not status[h1.code]["overdue"] and status[h1.code]["submitted_at"] is not None

    # h2 declares late: still suspended in the published run until the month is re-run
    month_submit(actor=other, region=region, period=PERIOD)
    status = {r["hospital"]: r for r in month_status(get_access(other), region, PERIOD)}
    assert list(status) == [h2.code]  # a hospital sees its own row only
    assert status[h2.code]["suspended"] and status[h2.code]["overdue"] and status[h2.code]["submitted_at"]
    assert events("settlement.month_submit")[-1].new["late"] is True

    v2 = settlement_run_start(actor=staff, region=region, kind="monthly", period=PERIOD)
    rows2 = results(v2)
    assert not rows2[h2.pk].suspended and rows2[h2.pk].suspension_reason == ""
    assert rows2[h2.pk].advance == f.advance(rows2[h2.pk].due, D("0.95")) and rows2[h2.pk].due == rows[h2.pk].due
    assert [e.new["hospital"] for e in events("settlement.advance_release")] == [h2.pk]
    with scopes_disabled():
        assert Notification.objects.filter(user=other, kind="settlement.advance_release").count() == 1
    settlement_run_publish(actor=admin, run=v2)
    status = {r["hospital"]: r for r in month_status(get_access(staff), region, PERIOD)}
    assert not status[h2.code]["suspended"] and status[h2.code]["run_version"] == 2
    assert results(v1)[h2.pk].advance == D("0.00")  # the superseded run keeps its numbers


@pytest.mark.django_db
def test_submit_rules(small, world):
    region = small["region"]
    a = world["A"]
    with pytest.raises(NotFound):  # another hospital of the region
        month_submit(actor=a.users[Role.HOSPITAL_STAFF], region=region, period=PERIOD, hospital=small["h"][1])
    with pytest.raises(NotFound):  # another region
        month_submit(actor=world["B"].users[Role.HOSPITAL_STAFF], region=region, period=PERIOD)
    with pytest.raises(Forbidden):
        month_submit(actor=a.users[Role.BUREAU_ADMIN], region=region, period=PERIOD)
    with pytest.raises(Exception, match="not over yet"):
        month_submit(actor=a.users[Role.HOSPITAL_STAFF], region=region, period="2099-01")
    with pytest.raises(Forbidden):
        months_flag_overdue(actor=a.users[Role.HOSPITAL_STAFF], region=region, period=PERIOD)
    with scopes_disabled():
        assert MonthSubmission.objects.count() == 0


@pytest.mark.django_db
def test_month_api(small, world, api):
    region = small["region"]
    march(small)
    a = world["A"]
    hospital = api(a.users[Role.HOSPITAL_STAFF])
    url = f"/api/v1/regions/{region.code}/months/{PERIOD}/"
    response = hospital.post(url + "submit/", {}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["hospital"] == small["h"][0].code and response.json()["submitted_at"]
    assert hospital.post(url + "submit/", {"hospital": small["h"][1].code}, format="json").status_code == 404
    assert hospital.post(url + "submit/", {}, format="json").status_code == 400  # twice: invalid_transition
    body = hospital.get(url).json()
    assert [r["hospital"] for r in body] == [small["h"][0].code]
    assert set(body[0]) >= {"hospital", "submitted_at", "overdue", "suspended"}
    months_flag_overdue(region=region, period=PERIOD, today=dt.date(2025, 4, 11))
    bureau = api(a.users[Role.BUREAU_STAFF]).get(url).json()
    by = {r["hospital"]: r for r in bureau}
    assert by[small["h"][1].code]["overdue"] and by[small["h"][1].code]["suspended"]
    assert not by[small["h"][0].code]["overdue"]
    assert api(world["B"].users[Role.BUREAU_ADMIN]).get(url).status_code == 404
    assert api(world["B"].users[Role.HOSPITAL_STAFF]).post(url + "submit/", {}, format="json").status_code == 404
    assert api(a.users[Role.BUREAU_ADMIN]).post(url + "submit/", {}, format="json").status_code == 403
    assert api(a.users[Role.HOSPITAL_STAFF]).get(f"/api/v1/regions/{region.code}/months/2025-13/").status_code == 400
