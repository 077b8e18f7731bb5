"""Services: refusals, failures, stale runs, versioning of coefficients, roles and tenant scope."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import ProgrammingError
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.models import AuditEvent
from apps.settlement import engine
from apps.settlement.models import CaseResult, HospitalCoefficient, SettlementRun
from apps.settlement.selectors import (
    case_results,
    coefficient_version_visible_get,
    hospital_results,
    latest_coefficients,
    published_coefficients,
    run_visible_get,
    runs_visible,
)
from apps.settlement.services import (
    coefficient_override,
    coefficients_compute,
    coefficients_publish,
    settlement_run_publish,
    settlement_run_start,
)
from apps.tenants.access import get_access
from apps.tenants.enums import Role
from apps.tenants.services import policy_set

from .conftest import YEAR, add_cases, base_cases, case, publish_inputs

D = Decimal
MARCH = dt.date(YEAR, 3, 15)


def users(small, key="A"):
    return small["world"][key].users


def march(small) -> None:
    h1, h2 = small["h"][:2]
    add_cases([case(h1, "ED11", "8000.00", MARCH, self_pay="100.00"), case(h2, "EC19", "5200.00", MARCH),
               case(h2, "", "3000.00", MARCH)])


# --- coefficients --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_coefficients_need_published_statistics(world):
    a = world["A"]
    with pytest.raises(ValidationFailed, match="published group statistics"):
        coefficients_compute(actor=a.users[Role.BUREAU_STAFF], region=a.region, year=YEAR)


@pytest.mark.django_db
def test_coefficient_roles(small):
    region = small["region"]
    u = users(small)
    for role in (Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, Role.AUDITOR, Role.EXPERT):
        with pytest.raises(Forbidden):
            coefficients_compute(actor=u[role], region=region, year=YEAR)
    with pytest.raises(Forbidden):  # a bureau of another region
        coefficients_compute(actor=users(small, "B")[Role.BUREAU_ADMIN], region=region, year=YEAR)
    version = coefficients_compute(actor=u[Role.BUREAU_STAFF], region=region, year=YEAR)
    assert version.number == 2 and version.status == Lifecycle.READY
    row = version.rows.model.objects.with_scope(region=[region.pk]).filter(version=version).first()
    with pytest.raises(Forbidden):
        coefficient_override(actor=u[Role.BUREAU_STAFF], row=row, value=D("1.2"), reason="x")
    with pytest.raises(Forbidden):
        coefficients_publish(actor=u[Role.BUREAU_STAFF], version=version)
    with pytest.raises(Forbidden):
        coefficients_publish(actor=users(small, "B")[Role.BUREAU_ADMIN], version=version)


@pytest.mark.django_db
def test_override_publish_and_supersede(small):
    region = small["region"]
    admin = users(small)[Role.BUREAU_ADMIN]
    first = small["coefficients"]
    version = coefficients_compute(actor=admin, region=region, year=YEAR)
    with scopes_disabled():
        row = HospitalCoefficient.objects.get(version=version, hospital=small["h"][1])
    with pytest.raises(ValidationFailed, match="reason"):
        coefficient_override(actor=admin, row=row, value=D("1.0000"), reason="  ")
    for bad in ("0", "-1", "abc", "1.23456", "10000"):
        with pytest.raises(ValidationFailed):
            coefficient_override(actor=admin, row=row, value=bad, reason="县级医保局报备")
    row = coefficient_override(actor=admin, row=row, value=D("1.0000"), reason="县级医保局报备")
    assert row.coefficient == D("1.0000") and row.computed == D("0.9489")
    event = AuditEvent.objects.with_scope(region=[region.pk]).filter(action="coefficients.override").latest("id")
    assert event.old["coefficient"] == "0.9489" and event.new["coefficient"] == "1.0000"
    assert event.reason == "县级医保局报备"
    assert latest_coefficients(region, YEAR).pk == version.pk
    assert published_coefficients(region, YEAR).pk == first.pk
    version = coefficients_publish(actor=admin, version=version)
    first.refresh_from_db()
    assert first.status == Lifecycle.SUPERSEDED and version.status == Lifecycle.PUBLISHED
    assert published_coefficients(region, YEAR).pk == version.pk
    # published: no override, no second publish, no ORM change
    with pytest.raises(InvalidTransition):
        coefficient_override(actor=admin, row=row, value=D("1.1"), reason="again")
    with pytest.raises(InvalidTransition):
        coefficients_publish(actor=admin, version=version)
    with scopes_disabled():
        row = HospitalCoefficient.objects.get(pk=row.pk)
        row.override = D("2")
        with pytest.raises(InvalidTransition):
            row.save()
    version.w_level = D("0.5")
    with pytest.raises(InvalidTransition):
        version.save()
    # a run uses the override of the published version
    march(small)
    run = settlement_run_start(actor=admin, region=region, kind="monthly", period=f"{YEAR}-03")
    assert run.coefficient_version_id == version.pk
    with scopes_disabled():
        assert {r.coefficient for r in CaseResult.objects.filter(run=run, hospital=small["h"][1])} == {D("1.0000")}


@pytest.mark.django_db
def test_level_without_existing_hospital(world):
    """Region B: only the level-3 hospital has base-period cases; levels 1 and 2 have no existing hospital."""
    b = world["B"]
    h1 = b.hospitals[0]
    add_cases([c for c in base_cases([h1, h1, h1])])
    version = publish_inputs(b.region)["coefficients"]
    with scopes_disabled():
        got = {r.hospital_id: r for r in HospitalCoefficient.objects.filter(version=version)}
    assert version.level_index_2 == D(1) and version.level_index_1 == D(1)
    assert got[b.hospitals[1].pk].is_new and got[b.hospitals[1].pk].computed == D("0.8000")  # 0.8 × LI_2 = 0.8 × 1
    assert got[b.hospitals[2].pk].computed == D("0.8000")
    assert not got[h1.pk].is_new


# --- runs: refusals and failures -----------------------------------------------------------------

@pytest.mark.django_db
def test_run_refusals(small, world):
    region = small["region"]
    staff = users(small)[Role.BUREAU_STAFF]
    with pytest.raises(ValidationFailed, match="no case"):
        settlement_run_start(actor=staff, region=region, kind="monthly", period=f"{YEAR}-03")
    march(small)
    for kind, period in (("monthly", str(YEAR)), ("annual", f"{YEAR}-03"), ("weekly", f"{YEAR}-03"),
                         ("monthly", f"{YEAR}-13"), ("monthly", "2025/03"), ("simulation", "")):
        with pytest.raises(ValidationFailed):
            settlement_run_start(actor=staff, region=region, kind=kind, period=period)
    with pytest.raises(ValidationFailed, match="published group statistics"):
        settlement_run_start(actor=staff, region=region, kind="monthly", period="2026-01")
    with scopes_disabled():
        policy_set(actor=None, region=region, year=YEAR, values={"fund_budget": "0"})
    with pytest.raises(ValidationFailed, match="fund_budget"):
        settlement_run_start(actor=staff, region=region, kind="monthly", period=f"{YEAR}-03")
    assert not SettlementRun.objects.with_scope(region=[region.pk]).exists()


@pytest.mark.django_db
def test_run_needs_published_coefficients(world):
    a = world["A"]
    add_cases(base_cases(a.hospitals) + [case(a.hospital, "ED11", "8000.00", MARCH)])
    from apps.groups.services import catalogue_load_shipped, group_stats_compute, group_stats_publish

    catalogue_load_shipped(actor=None, region=a.region)
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=YEAR, values={"fund_budget": "1000000"})
    group_stats_publish(actor=None, version=group_stats_compute(actor=None, region=a.region, year=YEAR, sync=True))
    with pytest.raises(ValidationFailed, match="coefficients"):
        settlement_run_start(actor=None, region=a.region, kind="monthly", period=f"{YEAR}-03")
    version = coefficients_compute(actor=None, region=a.region, year=YEAR)
    with pytest.raises(ValidationFailed, match="coefficients"):  # computed, not published
        settlement_run_start(actor=None, region=a.region, kind="monthly", period=f"{YEAR}-03")
    coefficients_publish(actor=None, version=version)
    assert settlement_run_start(actor=None, region=a.region, kind="monthly", period=f"{YEAR}-03").status == "ready"


@pytest.mark.django_db
def test_failed_run_keeps_nothing_and_can_be_rerun(small, monkeypatch):
    march(small)
    region = small["region"]
    monkeypatch.setattr(engine, "approved_adjustments_sql", lambda: "SELECT broken FROM nowhere")
    with pytest.raises(ProgrammingError):
        settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03")
    failed = SettlementRun.objects.with_scope(region=[region.pk]).get()
    assert failed.status == Lifecycle.FAILED and "nowhere" in failed.error and failed.progress == 100
    assert not CaseResult.objects.with_scope(region=[region.pk]).filter(run=failed).exists()
    with pytest.raises(InvalidTransition):
        settlement_run_publish(actor=None, run=failed)
    monkeypatch.undo()
    run = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03")
    assert (run.version, run.status) == (2, Lifecycle.READY)


@pytest.mark.django_db
def test_stale_running_run_can_be_started_again(small):
    march(small)
    region = small["region"]
    with scopes_disabled():
        running = SettlementRun.objects.create(region=region, kind="monthly", period=f"{YEAR}-03", year=YEAR, month=3,
                                               version=1, status=Lifecycle.RUNNING)
    with pytest.raises(InvalidTransition, match="already running"):
        settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03")
    SettlementRun._base_manager.filter(pk=running.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    run = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03")
    assert (run.version, run.status) == (2, Lifecycle.READY)
    running.refresh_from_db()
    assert running.status == Lifecycle.FAILED and "stale" in running.error
    # the task never recomputes a run that is not queued (e.g. a redelivered message)
    from apps.core.scoping import region_scope
    from apps.settlement.services import settlement_run_compute

    with region_scope(region.pk):
        assert settlement_run_compute(run.pk).status == Lifecycle.READY


# --- runs: roles and scope ------------------------------------------------------------------------

@pytest.mark.django_db
def test_run_roles(small):
    march(small)
    region = small["region"]
    u = users(small)
    for role in (Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, Role.AUDITOR, Role.EXPERT):
        with pytest.raises(Forbidden):
            settlement_run_start(actor=u[role], region=region, kind="monthly", period=f"{YEAR}-03")
    with pytest.raises(Forbidden):
        settlement_run_start(actor=users(small, "B")[Role.BUREAU_STAFF], region=region, kind="monthly",
                             period=f"{YEAR}-03")
    run = settlement_run_start(actor=u[Role.BUREAU_STAFF], region=region, kind="monthly", period=f"{YEAR}-03")
    with pytest.raises(Forbidden):
        settlement_run_publish(actor=u[Role.BUREAU_STAFF], run=run)
    with pytest.raises(Forbidden):
        settlement_run_publish(actor=users(small, "B")[Role.BUREAU_ADMIN], run=run)
    run = settlement_run_publish(actor=u[Role.BUREAU_ADMIN], run=run)
    assert run.status == Lifecycle.PUBLISHED and run.published_by == u[Role.BUREAU_ADMIN]
    assert AuditEvent.objects.with_scope(region=[region.pk]).filter(action="settlement.run_publish", object_id=str(run.pk)).exists()
    assert AuditEvent.objects.with_scope(region=[region.pk]).filter(action="settlement.run_start", object_id=str(run.pk)).exists()


@pytest.mark.django_db
def test_region_b_runs_are_invisible_to_region_a(small):
    world = small["world"]
    march(small)
    b = world["B"]
    add_cases(base_cases(b.hospitals[:2] + [b.hospitals[0]]) + [case(b.hospital, "ED11", "9999.00", MARCH)])
    publish_inputs(b.region)
    run_a = settlement_run_start(actor=None, region=small["region"], kind="monthly", period=f"{YEAR}-03")
    run_b = settlement_run_start(actor=None, region=b.region, kind="monthly", period=f"{YEAR}-03")
    access_a = get_access(world["A"].users[Role.BUREAU_ADMIN])
    assert run_visible_get(access_a, run_a.pk)[0].pk == run_a.pk
    with pytest.raises(Http404):
        run_visible_get(access_a, run_b.pk)
    with pytest.raises(Http404):
        coefficient_version_visible_get(access_a, run_b.coefficient_version_id)
    assert set(runs_visible(access_a).values_list("pk", flat=True)) == {run_a.pk}
    with scopes_disabled():
        b_cases = set(CaseResult.objects.filter(run=run_b).values_list("case__region_id", flat=True))
        a_cases = set(CaseResult.objects.filter(run=run_a).values_list("case__region_id", flat=True))
    assert b_cases == {b.region.pk} and a_cases == {small["region"].pk}
    # the supervisor of the province sees both; a hospital user of A only its own hospital's rows
    supervisor = get_access(world["supervisor"])
    assert set(runs_visible(supervisor).values_list("pk", flat=True)) == {run_a.pk, run_b.pk}
    hospital_user = get_access(world["A"].users[Role.HOSPITAL_STAFF])
    own = world["A"].hospital.pk
    assert {r.hospital_id for r in case_results(run_a, hospital_user)} == {own}
    assert {r.hospital_id for r in hospital_results(run_a, hospital_user)} == {own}
    assert len({r.hospital_id for r in hospital_results(run_a, access_a)}) == 2


@pytest.mark.django_db
def test_annual_keeps_advances_of_a_hospital_without_cases(small):
    """A hospital paid advances whose cases drop out of the clearing (deactivated) repays them in full."""
    from apps.hospitals.models import Hospital
    from apps.settlement.models import HospitalResult

    march(small)
    region = small["region"]
    h2 = small["h"][1]
    monthly = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03")
    assert monthly.progress == 100 and monthly.cases == 3
    settlement_run_publish(actor=None, run=monthly)
    with scopes_disabled():
        advance = HospitalResult.objects.get(run=monthly, hospital=h2).advance
        Hospital.objects.filter(pk=h2.pk).update(active=False)
    annual = settlement_run_start(actor=None, region=region, kind="annual", period=str(YEAR))
    assert annual.cases == 1
    with scopes_disabled():
        row = HospitalResult.objects.get(run=annual, hospital=h2)
    assert (row.cases, row.points, row.due, row.advance, row.balance) == (0, D(0), D(0), advance, -advance)
    assert (row.level, row.coefficient) == (2, D("0.9489"))


@pytest.mark.django_db
def test_coefficients_fail_clearly_without_a_stable_group(world):
    from apps.groups.services import catalogue_load_shipped, group_stats_compute, group_stats_publish

    b = world["B"]
    add_cases([case(b.hospital, "EB19", "20000.00", dt.date(2023, 5, 5)), case(b.hospital, "EB19", "10000.00", dt.date(2024, 5, 5))])
    catalogue_load_shipped(actor=None, region=b.region)
    group_stats_publish(actor=None, version=group_stats_compute(actor=None, region=b.region, year=YEAR, sync=True))
    version = coefficients_compute(actor=b.users[Role.BUREAU_ADMIN], region=b.region, year=YEAR)
    assert version.status == Lifecycle.FAILED and "stable group" in version.error and version.progress == 100
    assert not HospitalCoefficient.objects.with_scope(region=[b.region.pk]).filter(version=version).exists()
    with pytest.raises(InvalidTransition):
        coefficients_publish(actor=b.users[Role.BUREAU_ADMIN], version=version)
    assert coefficients_compute(actor=None, region=b.region, year=YEAR).number == 2  # a failed one does not block
