"""Training fixtures: a course and open sessions in region A and B, participants per hospital."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from apps.tenants.services import user_create
from apps.training import services
from apps.training.models import Enrollment, Session
from tests.conftest import PASSWORD, RegionWorld

_SEQ = itertools.count(1)


def make_course(rw: RegionWorld, title: str = "DRG分组与编码培训", audience=(), category: str = "coding"):
    with scopes_disabled():
        return services.course_create(actor=None, region=rw.region, title=title, category=category,
                                      hours=Decimal("3"), audience=list(audience), description="培训说明")


def make_session(rw: RegionWorld, course=None, capacity: int = 2, publish: bool = True, starts_in=dt.timedelta(days=7),
                 deadline_in=dt.timedelta(days=5), pass_mark: str = "60", **kw) -> Session:
    course = course or make_course(rw, title=f"医保结算清单质量培训{next(_SEQ)}")
    now = timezone.now()
    with scopes_disabled():
        session = services.session_create(actor=None, course=course, mode="venue", venue="市医保局三楼会议室",
                                          starts_at=now + starts_in, ends_at=now + starts_in + dt.timedelta(hours=3),
                                          capacity=capacity, enrol_deadline=now + deadline_in,
                                          pass_mark=Decimal(pass_mark), **kw)
        if publish:
            session = services.session_publish(actor=None, session=session, send_notice=False)
    return session


def staff_user(rw: RegionWorld, name: str, hospital=None, role: str = Role.HOSPITAL_STAFF):
    with scopes_disabled():
        return user_create(actor=None, username=f"{rw.region.code}_{name}", password=PASSWORD, name=name,
                           memberships=[{"role": role, "region": rw.region, "hospital": hospital or rw.hospital}])


def start_now(session: Session) -> Session:
    """Move a session to today (attendance is marked from the session's day)."""
    now = timezone.now()
    with scopes_disabled():
        Session.objects.filter(pk=session.pk).update(starts_at=now - dt.timedelta(minutes=5),
                                                     ends_at=now + dt.timedelta(hours=2),
                                                     enrol_deadline=now - dt.timedelta(minutes=10))
        return Session.objects.select_related("course", "region").get(pk=session.pk)


def fresh(enrollment: Enrollment) -> Enrollment:
    with scopes_disabled():
        return Enrollment.objects.select_related("session", "session__course", "user", "region").get(pk=enrollment.pk)


@pytest.fixture
def course_a(world):
    return make_course(world["A"])
