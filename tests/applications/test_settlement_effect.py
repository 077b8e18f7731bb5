"""An approved application changes the case's type and points in every settlement run started after the
decision, never in an earlier one: incentive (partial), bilateral and multi-site, through the real
engine with published statistics and coefficients (the settlement engineer's `small` world)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from apps.applications import adjustments, services
from apps.groups.models import GroupStat
from apps.settlement import engine
from apps.settlement import formulas as f
from apps.settlement.models import CaseResult, HospitalCoefficient
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from apps.tenants.services import policy_set
from tests.settlement.conftest import YEAR, add_cases, case, small  # noqa: F401 - `small` is a fixture

from .conftest import build_app_region, fresh, upload

D = Decimal
DAY = dt.date(YEAR, 5, 10)


@pytest.fixture
def effect(small):  # noqa: F811
    """`small` plus an expert pool; YEAR's deadline and caps opened wide (its cases are from the past)."""
    assert engine.approved_adjustments_sql() == adjustments.approved_adjustments_sql()  # the engine reads ours
    world = small["world"]
    a = build_app_region(world["A"], n_cases=0)
    with scopes_disabled():
        policy_set(actor=None, region=small["region"], year=YEAR, values={
            "application_deadline_days": 5000, "incentive_rate_3": D("1000"), "incentive_rate_2": D("1000")})
    h1, h2 = small["h"][:2]
    cases = add_cases([case(h1, "ED11", "30000.00", DAY), case(h1, "ED11", "8000.00", DAY),
                       case(h2, "ED11", "8000.00", DAY), case(h2, "ED11", "8000.00", DAY)])
    return {**small, "a": a, "cases": dict(zip(("incentive", "bilateral", "multi_site", "plain"), cases, strict=True))}


def _approve(e, case_obj, app_type: str, outcome: str = "approve", cost=None, **kw):
    a = e["a"]
    region_world = a.world
    hospital_user = region_world.users[Role.HOSPITAL_STAFF] if case_obj.hospital_id == a.hospital.pk \
        else a.other_hospital_user
    bureau, admin = a.user(Role.BUREAU_STAFF), a.user(Role.BUREAU_ADMIN)
    with scopes_disabled():
        app = services.create_draft(actor=hospital_user, case=case_obj, type=app_type, reason="申请", **kw)
        services.add_attachment(actor=hospital_user, application=app, kind="medical_record_summary", upload=upload())
        services.submit(actor=hospital_user, application=app)
        services.accept(actor=bureau, application=app)
        experts = [p for p in a.experts if case_obj.hospital_id != region_world.hospitals[1].pk or p != a.experts[0]]
        if len(experts) < 3:  # the world's expert is affiliated with h2: use the h1-affiliated one instead
            experts.append(a.conflicted)
        services.assign_experts(actor=bureau, application=app, experts=experts)
        for expert in experts:
            services.submit_opinion(actor=expert, application=app, verdict="approve", unreasonable_cost=cost or 0)
        return services.decide(actor=admin, application=fresh(app), outcome=outcome, reason="同意",
                               unreasonable_cost=cost)


def _results(run) -> dict:
    with scopes_disabled():
        return {r.case_id: r for r in CaseResult.objects.filter(run=run)}


def test_adjustment_query_has_the_engines_columns(db):
    with connection.cursor() as cursor:
        cursor.execute(adjustments.approved_adjustments_sql())
        assert [c.name for c in cursor.description] == [
            "case_id", "kind", "application_id", "unreasonable_cost", "secondary_group"]
        assert cursor.fetchall() == []


def test_approved_applications_change_points_in_later_runs_only(effect, client):
    c = effect["cases"]
    region = effect["region"]
    before = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-05")
    assert before.status == "ready", before.error
    old = _results(before)
    assert old[c["incentive"].pk].case_type == "high" and old[c["bilateral"].pk].case_type == "normal"

    incentive = _approve(effect, c["incentive"], "incentive_major", outcome="partial", cost=D("2500"))
    bilateral = _approve(effect, c["bilateral"], "bilateral")
    multi = _approve(effect, c["multi_site"], "multi_site", secondary_drg_code="ED13")
    assert multi.secondary_group == "ED15"  # ED1 without CC/MCC

    after = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-05")
    assert after.status == "ready", after.error
    new = _results(after)
    with scopes_disabled():
        stats = {s.group_code: s for s in GroupStat.objects.filter(version=effect["stats"])}
        coefs = {r.hospital_id: r.coefficient
                 for r in HospitalCoefficient.objects.filter(version=effect["coefficients"])}
    all_avg = effect["stats"].all_avg
    ed11, ed15 = stats["ED11"].base_points, stats["ED15"].base_points

    r = new[c["incentive"].pk]
    assert (r.case_type, r.application_id, r.unreasonable_cost) == ("incentive", incentive.pk, D("2500.00"))
    assert r.points == f.cost_points(D("30000.00"), all_avg, D("2500")) == r.adjusted_points

    r = new[c["bilateral"].pk]
    eb = f.effective_base(ed11, surgery="bilateral")
    assert (r.case_type, r.application_id, r.effective_base, r.points) == ("normal", bilateral.pk, eb, eb)
    assert r.adjusted_points == f.adjusted_points("normal", eb, coefs[c["bilateral"].hospital_id])

    r = new[c["multi_site"].pk]
    eb = f.effective_base(ed11, surgery="multi_site", secondary_base_points=ed15)
    assert (r.application_id, r.effective_base) == (multi.pk, eb)

    assert new[c["plain"].pk].application_id is None and new[c["plain"].pk].effective_base == ed11
    assert _results(before) == old  # the earlier run is untouched
    assert old[c["incentive"].pk].points != new[c["incentive"].pk].points

    # an unpublished run is never shown as the case's figures (decision 0032: runs in force only) ...
    client.force_login(effect["a"].user(Role.BUREAU_ADMIN))
    assert 'id="case-figures"' not in client.get(f"/applications/{incentive.pk}/").content.decode()
    with scopes_disabled():
        settlement_run_publish(actor=effect["a"].user(Role.BUREAU_ADMIN), run=after)
    # ... once published, the expert's de-identified page and the bureau's decision page show its figures
    client.force_login(effect["a"].experts[1])
    page = client.get(f"/applications/{incentive.pk}/review/").content.decode()
    assert 'id="case-figures"' in page and str(new[c["incentive"].pk].points) in page
    assert c["incentive"].settlement_id not in page
    client.force_login(effect["a"].user(Role.BUREAU_ADMIN))
    page = client.get(f"/applications/{incentive.pk}/").content.decode()
    assert 'id="case-figures"' in page and str(new[c["incentive"].pk].adjusted_points) in page


def test_undecided_and_rejected_applications_have_no_effect(effect):
    c = effect["cases"]
    _approve(effect, c["bilateral"], "bilateral", outcome="reject")
    run = settlement_run_start(actor=None, region=effect["region"], kind="monthly", period=f"{YEAR}-05")
    assert _results(run)[c["bilateral"].pk].application_id is None
