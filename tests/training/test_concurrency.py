"""Races on PostgreSQL: many participants enrol in the last seats at the same instant (threads, one connection
each). The session row lock makes exactly `capacity` of them seated and the rest waitlisted in order."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.training import services
from apps.training.models import Enrollment
from tests.concurrency import race

from .conftest import make_session, staff_user

THREADS = 8




@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_never_overfill_the_session(world):
    a = world["A"]
    session = make_session(a, capacity=3)
    users = [staff_user(a, f"race{i}") for i in range(THREADS)]
    results = race([lambda u=u: services.enrollment_create(actor=u, session=session) for u in users])
    assert all(isinstance(r, Enrollment) for r in results), results
    with scopes_disabled():
        rows = Enrollment.objects.filter(session=session)
        assert rows.filter(status="enrolled").count() == 3
        waitlist = sorted(rows.filter(status="waitlisted").values_list("waitlist_position", flat=True))
    assert waitlist == list(range(1, THREADS - 3 + 1))  # distinct positions 1..5, no gaps


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_enrolment_of_one_user_keeps_one(world):
    a = world["A"]
    session = make_session(a, capacity=5)
    user = staff_user(a, "twice")
    results = race([lambda: services.enrollment_create(actor=user, session=session) for _ in range(4)])
    assert len([r for r in results if isinstance(r, Enrollment)]) == 1, results
    assert all(isinstance(r, DomainError) and r.code == "already_enrolled" for r in results
               if not isinstance(r, Enrollment)), results


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_each_waitlisted_once(world):
    a = world["A"]
    session = make_session(a, capacity=2)
    users = [staff_user(a, f"c{i}") for i in range(5)]
    with scopes_disabled():
        rows = [services.enrollment_create(actor=u, session=session) for u in users]
    seated = rows[:2]
    results = race([lambda e=e, u=u: services.enrollment_cancel(actor=u, enrollment=e)
                    for e, u in zip(seated, users[:2], strict=True)])
    assert all(isinstance(r, Enrollment) for r in results), results
    with scopes_disabled():
        statuses = {e.user_id: e.status for e in Enrollment.objects.filter(session=session)}
    assert [statuses[u.pk] for u in users] == ["cancelled", "cancelled", "enrolled", "enrolled", "waitlisted"]
