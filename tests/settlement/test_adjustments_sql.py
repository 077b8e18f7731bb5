"""Approved applications (incentive, special, bilateral, multi-site) through the SQL's separated CTE.

`approved_adjustments_sql()` is the applications app's query (the empty set without that app). Here it
is replaced by a fixed VALUES list, which proves the engine pays those types as formulas.py says.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.groups.models import GroupStat
from apps.settlement import engine
from apps.settlement import formulas as f
from apps.settlement.enums import CaseType
from apps.settlement.models import CaseResult, HospitalCoefficient
from apps.settlement.services import settlement_run_start

from .conftest import YEAR, add_cases, case

D = Decimal


@pytest.mark.django_db
def test_adjustments_query_runs_with_the_engine_columns(small):
    """The applications app's query (or the empty set without it) runs and has the engine's columns."""
    from django.db import connection

    for sql in (engine.approved_adjustments_sql(), engine.EMPTY_ADJUSTMENTS_SQL):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT case_id, kind, application_id, unreasonable_cost, secondary_group FROM ({sql}) q",
                           {"region": small["region"].pk, "start": dt.date(YEAR, 1, 1), "end": dt.date(YEAR + 1, 1, 1)})
            assert cursor.fetchall() == []  # nothing approved in this world


@pytest.mark.django_db
def test_approved_applications_change_points(small, monkeypatch):
    h1, h2 = small["h"][:2]
    day = dt.date(YEAR, 5, 10)
    rows = {
        "incentive": case(h1, "ED11", "30000.00", day),  # would be high
        "special": case(h2, "", "9000.00", day),  # would be ungrouped
        "bilateral": case(h1, "ED11", "8000.00", day),
        "bilateral_high": case(h1, "ED11", "26000.00", day),  # ratio 3.25 at level 3
        "multi_site": case(h2, "ED11", "8000.00", day),
        "plain": case(h2, "ED11", "8000.00", day),
    }
    add_cases(list(rows.values()))
    ids = {k: c.pk for k, c in rows.items()}
    values = [
        f"({ids['incentive']}, 'incentive', 11, 2500.00, NULL)",
        f"({ids['special']}, 'special', 12, 0, NULL)",
        f"({ids['bilateral']}, 'bilateral', 13, NULL, NULL)",
        f"({ids['bilateral_high']}, 'bilateral', 14, NULL, NULL)",
        f"({ids['multi_site']}, 'multi_site', 15, NULL, 'ED15')",
        f"({ids['multi_site']}, 'multi_site', 9, NULL, 'EC19')",  # an older application: the latest (15) wins
    ]
    sql = ("SELECT v.case_id::bigint, v.kind::text, v.application_id::bigint, v.unreasonable_cost::numeric, "
           f"v.secondary_group::text FROM (VALUES {', '.join(values)}) AS v(case_id, kind, application_id, "
           "unreasonable_cost, secondary_group)")
    monkeypatch.setattr(engine, "approved_adjustments_sql", lambda: sql)
    run = settlement_run_start(actor=None, region=small["region"], kind="monthly", period=f"{YEAR}-05")
    assert run.status == "ready", run.error
    with scopes_disabled():
        stats = {s.group_code: s for s in GroupStat.objects.filter(version=small["stats"])}
        coefs = {r.hospital_id: r.coefficient for r in HospitalCoefficient.objects.filter(version=small["coefficients"])}
        got = {r.case_id: r for r in CaseResult.objects.filter(run=run)}
    ed11, ed15 = stats["ED11"], stats["ED15"]
    all_avg = small["stats"].all_avg
    by = {k: got[pk] for k, pk in ids.items()}
    assert {k: r.case_type for k, r in by.items()} == {
        "incentive": CaseType.INCENTIVE, "special": CaseType.SPECIAL, "bilateral": CaseType.NORMAL,
        "bilateral_high": CaseType.HIGH, "multi_site": CaseType.NORMAL, "plain": CaseType.NORMAL}
    assert by["incentive"].points == f.cost_points(D("30000.00"), all_avg, D("2500.00"))
    assert by["incentive"].adjusted_points == by["incentive"].points and by["incentive"].unreasonable_cost == D("2500")
    assert by["incentive"].application_id == 11
    assert by["special"].points == f.cost_points(D("9000.00"), all_avg)
    eb = f.effective_base(ed11.base_points, surgery="bilateral")
    assert by["bilateral"].effective_base == eb and by["bilateral"].points == eb
    assert by["bilateral"].adjusted_points == f.adjusted_points(CaseType.NORMAL, eb, coefs[h1.pk])
    high = f.case_points(CaseType.HIGH, cost=D("26000"), all_avg=all_avg, effective_base=eb,
                         ratio=D("3.25"), high_ratio=D("3.0"), base_points=ed11.base_points)
    assert by["bilateral_high"].points == high
    ms = f.effective_base(ed11.base_points, surgery="multi_site", secondary_base_points=ed15.base_points)
    assert by["multi_site"].effective_base == ms and by["multi_site"].application_id == 15
    assert by["multi_site"].adjusted_points == f.adjusted_points(CaseType.NORMAL, ms, coefs[h2.pk])
    assert by["plain"].effective_base == ed11.base_points and by["plain"].application_id is None


@pytest.mark.django_db
def test_approved_applications_of_the_applications_app(small):
    """End to end with real application rows (the review workflow itself is the applications app's tests')."""
    from django.utils import timezone

    from apps.applications.models import Application

    h1, h2 = small["h"][:2]
    day = dt.date(YEAR, 6, 10)
    rows = {k: case(h, "ED11", cost, day) for k, (h, cost) in {
        "incentive": (h1, "30000.00"), "bilateral": (h1, "8000.00"), "multi_site": (h2, "8000.00"),
        "rejected": (h2, "8000.00"), "undecided": (h2, "8000.00")}.items()}
    add_cases(list(rows.values()))
    past = timezone.now() - dt.timedelta(hours=1)  # decided before the run (now() is its transaction's start)
    spec = {"incentive": ("incentive_major", "approved", D("2500.00"), ""), "bilateral": ("bilateral", "approved", None, ""),
            "multi_site": ("multi_site", "approved", None, "ED15"), "rejected": ("bilateral", "rejected", None, ""),
            "undecided": ("bilateral", "under_review", None, "")}
    with scopes_disabled():
        for key, (kind, status, unreasonable, secondary) in spec.items():
            c = rows[key]
            Application.objects.create(region=c.region, case=c, hospital=c.hospital, type=kind, status=status,
                                       reason="r", year=YEAR, unreasonable_cost=unreasonable, secondary_group=secondary,
                                       decided_at=past if status in ("approved", "rejected") else None)
    run = settlement_run_start(actor=None, region=small["region"], kind="monthly", period=f"{YEAR}-06")
    assert run.status == "ready", run.error
    with scopes_disabled():
        got = {r.case_id: r for r in CaseResult.objects.filter(run=run)}
        stats = {s.group_code: s for s in GroupStat.objects.filter(version=small["stats"])}
    by = {k: got[c.pk] for k, c in rows.items()}
    assert {k: r.case_type for k, r in by.items()} == {
        "incentive": CaseType.INCENTIVE, "bilateral": CaseType.NORMAL, "multi_site": CaseType.NORMAL,
        "rejected": CaseType.NORMAL, "undecided": CaseType.NORMAL}
    assert by["incentive"].points == f.cost_points(D("30000.00"), small["stats"].all_avg, D("2500.00"))
    bp = stats["ED11"].base_points
    assert by["bilateral"].effective_base == f.effective_base(bp, surgery="bilateral")
    assert by["multi_site"].effective_base == f.effective_base(bp, surgery="multi_site",
                                                               secondary_base_points=stats["ED15"].base_points)
    assert by["rejected"].effective_base == bp and by["rejected"].application_id is None
    assert by["undecided"].effective_base == bp
