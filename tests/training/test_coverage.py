"""Coverage arithmetic on worked numbers (docs/decisions/0012): the share of a hospital's staff who passed
(and, beside it, attended) at least one session of the region that started in the calendar year."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from apps.tenants.models import User
from apps.training import selectors, services
from apps.training.models import Enrollment, Session

from .conftest import make_session, staff_user, start_now

pytestmark = pytest.mark.django_db


def _run(session, users_scores: dict):
    """Enrol everybody, mark attended (score given) or absent (None), enter scores."""
    with scopes_disabled():
        rows = {u: services.enrollment_create(actor=None, session=session, user=u) for u in users_scores}
    session = start_now(session)
    with scopes_disabled():
        for user, score in users_scores.items():
            if score is None:
                services.enrollment_absent(actor=None, enrollment=rows[user])
            else:
                services.enrollment_attend(actor=None, enrollment=rows[user])
                if score != "attend-only":
                    services.enrollment_score(actor=None, enrollment=rows[user], score=score)
    return rows


def test_share_arithmetic():
    assert selectors.share(1, 3) == Decimal("0.3333")
    assert selectors.share(2, 3) == Decimal("0.6667")
    assert selectors.share(0, 0) is None


def test_coverage_per_hospital_and_region(world):
    a, b = world["A"], world["B"]
    h0, h1 = a.hospitals[0], a.hospitals[1]
    # hospital 0: the fixture's admin + staff and 3 more coders = 5 people; hospital 1: 2 coders
    h0_coders = [staff_user(a, f"h0c{i}") for i in range(3)]
    h1_coders = [staff_user(a, f"h1c{i}", hospital=h1) for i in range(2)]
    inactive = staff_user(a, "gone")
    User.objects.filter(pk=inactive.pk).update(is_active=False)  # left the hospital: not counted
    first = make_session(a, capacity=20, pass_mark="60")
    _run(first, {h0_coders[0]: "90", h0_coders[1]: "50", h0_coders[2]: None,
                 a.users[Role.HOSPITAL_ADMIN]: "attend-only", h1_coders[0]: "75", a.users[Role.EXPERT]: "80"})
    second = make_session(a, capacity=20)  # passing twice counts once
    _run(second, {h0_coders[0]: "88"})
    # last year's pass does not count for this year
    old = make_session(a, capacity=5)
    rows = _run(old, {h1_coders[1]: "99"})
    with scopes_disabled():
        Session.objects.filter(pk=old.pk).update(starts_at=timezone.now() - dt.timedelta(days=400),
                                                 ends_at=timezone.now() - dt.timedelta(days=399))
        assert Enrollment.objects.get(pk=rows[h1_coders[1]].pk).passed
    # region B trains everyone: nothing of it may show in A
    b_session = make_session(b, capacity=5)
    _run(b_session, {b.users[Role.HOSPITAL_STAFF]: "100"})

    with scopes_disabled():
        data = selectors.coverage(a.region, timezone.localdate().year)
    rows = {r["hospital"].pk: r["row"] for r in data.hospitals}
    # h0: 5 staff (admin, staff, 3 coders); attended: c0, c1, admin = 3; passed: c0 = 1
    assert (rows[h0.pk].staff, rows[h0.pk].attended, rows[h0.pk].passed) == (5, 3, 1)
    assert rows[h0.pk].passed_share == Decimal("0.2000") and rows[h0.pk].attended_share == Decimal("0.6000")
    # h1: 2 coders, one passed this year (the other passed last year)
    assert (rows[h1.pk].staff, rows[h1.pk].attended, rows[h1.pk].passed) == (2, 1, 1)
    assert rows[h1.pk].passed_share == Decimal("0.5000")
    assert rows[a.hospitals[2].pk].staff == 0 and rows[a.hospitals[2].pk].passed_share is None
    # region: 7 hospital staff, 2 passed → 0.2857; experts 1/1; bureau 0/2
    assert (data.hospital_staff.staff, data.hospital_staff.passed) == (7, 2)
    assert data.hospital_staff.passed_share == Decimal("0.2857")
    assert data.hospital_staff.attended_share == Decimal("0.5714")
    assert (data.experts.staff, data.experts.passed, data.experts.passed_share) == (1, 1, Decimal("1.0000"))
    assert (data.bureau.staff, data.bureau.passed, data.bureau.passed_share) == (2, 0, Decimal("0.0000"))
    assert data.sessions == 2 and data.certificates == 4
