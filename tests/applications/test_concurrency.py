"""Races on PostgreSQL: parallel submissions for the last cap place (exactly one wins) and parallel
decisions on one application (exactly one outcome). Each thread has its own database connection."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.applications import services
from apps.applications.models import Application
from apps.core.errors import DomainError
from apps.tenants.enums import Role
from apps.tenants.services import policy_set
from tests.concurrency import race

from .conftest import build_app_region, fresh, make, recent_day, upload

THREADS = 6




@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_race_for_the_last_cap_place(world):
    a = build_app_region(world["A"])
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=recent_day().year,
                   values={"incentive_rate_3": Decimal("250")})  # floor(12 × 0.25) = 3 places
    make(a, "submitted", case_index=0)
    make(a, "under_review", case_index=1)  # two places taken, one left
    user = a.user(Role.HOSPITAL_STAFF)
    drafts = []
    with scopes_disabled():
        for i in range(2, 2 + THREADS):
            app = services.create_draft(actor=user, case=a.cases[i], type="incentive_major", reason="危重")
            services.add_attachment(actor=user, application=app, kind="medical_record_summary", upload=upload())
            drafts.append(app)
    results = race([lambda app=app: services.submit(actor=user, application=app) for app in drafts])
    wins = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1, results
    assert len(refused) == THREADS - 1 and {r.code for r in refused} == {"cap_exceeded"}, results
    with scopes_disabled():
        assert Application.objects.filter(hospital=a.hospital, status__in=["submitted", "under_review"]).count() == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_decisions_give_one_outcome(world):
    a = build_app_region(world["A"])
    app = make(a, "reviewed")
    admin = a.user(Role.BUREAU_ADMIN)
    outcomes = ["approve", "reject", "partial"] * 2

    def decide(outcome):
        return services.decide(actor=admin, application=app, outcome=outcome, reason=f"决定：{outcome}",
                               unreasonable_cost=Decimal("100") if outcome == "partial" else None)

    results = race([lambda o=o: decide(o) for o in outcomes])
    wins = [r for r in results if isinstance(r, Application)]
    assert len(wins) == 1, results
    assert all(isinstance(r, DomainError) and r.code == "invalid_transition" for r in results if r not in wins), results
    final = fresh(app)
    assert final.outcome == wins[0].outcome and final.status in ("approved", "rejected")
    from apps.core.models import AuditEvent

    with scopes_disabled():
        assert AuditEvent.objects.filter(object_id=str(app.pk), action="application.decided").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_drafts_for_one_case_leave_one_active_application(world):
    a = build_app_region(world["A"])
    users = [a.user(Role.HOSPITAL_STAFF), a.user(Role.HOSPITAL_ADMIN)] * 2
    results = race([lambda u=u: services.create_draft(actor=u, case=a.cases[0], type="special_case", reason="并发")
                    for u in users])
    assert len([r for r in results if isinstance(r, Application)]) == 1, results
    assert all(isinstance(r, DomainError) and r.code == "validation_error" for r in results
               if not isinstance(r, Application)), results
