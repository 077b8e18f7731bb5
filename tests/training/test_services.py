"""Enrolment, waitlist and promotion, deadline, audience, attendance, scores and certificates."""
from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.notices.models import Notice
from apps.notifications.models import Notification
from apps.tenants.enums import Role
from apps.training import services
from apps.training.models import Enrollment

from .conftest import fresh, make_course, make_session, staff_user, start_now

pytestmark = pytest.mark.django_db


def test_full_session_waitlists_and_cancellation_promotes_the_first(world):
    a = world["A"]
    session = make_session(a, capacity=2)
    users = [staff_user(a, f"coder{i}") for i in range(4)]
    with scopes_disabled():
        rows = [services.enrollment_create(actor=u, session=session) for u in users]
    assert [r.status for r in rows] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in rows] == [None, None, 1, 2]
    assert rows[0].hospital_id == a.hospital.pk and rows[0].role == Role.HOSPITAL_STAFF
    with scopes_disabled():
        services.enrollment_cancel(actor=users[0], enrollment=rows[0])
        assert fresh(rows[2]).status == "enrolled" and fresh(rows[2]).waitlist_position is None
        assert fresh(rows[3]).status == "waitlisted"
        assert Notification.objects.filter(user=users[2], kind="training.promoted").exists()
        # a waitlisted cancellation frees no seat
        services.enrollment_cancel(actor=users[3], enrollment=rows[3])
        assert Enrollment.objects.filter(session=session, status="enrolled").count() == 2


def test_one_active_enrolment_per_user_and_re_enrol_after_cancel(world):
    a = world["A"]
    session = make_session(a, capacity=5)
    user = a.users[Role.HOSPITAL_STAFF]
    with scopes_disabled():
        first = services.enrollment_create(actor=user, session=session)
        with pytest.raises(ValidationFailed) as err:
            services.enrollment_create(actor=user, session=session)
        assert err.value.code == "already_enrolled"
        services.enrollment_cancel(actor=user, enrollment=first)
        again = services.enrollment_create(actor=user, session=session)
    assert again.status == "enrolled"


def test_enrolment_after_the_deadline_is_refused(world):
    a = world["A"]
    session = make_session(a, capacity=5, starts_in=dt.timedelta(days=2), deadline_in=dt.timedelta(days=1))
    with scopes_disabled():
        from apps.training.models import Session

        Session.objects.filter(pk=session.pk).update(enrol_deadline=session.enrol_deadline - dt.timedelta(days=2))
        session.refresh_from_db()
        with pytest.raises(ValidationFailed) as err:
            services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=session)
    assert err.value.code == "deadline_passed"


def test_audience_roles_and_draft_sessions(world):
    a = world["A"]
    experts_only = make_course(a, title="评审专家培训", audience=[Role.EXPERT])
    session = make_session(a, course=experts_only)
    draft = make_session(a, publish=False)
    with scopes_disabled():
        with pytest.raises(ValidationFailed) as err:
            services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=session)
        assert err.value.code == "not_in_audience"
        assert services.enrollment_create(actor=a.users[Role.EXPERT], session=session).hospital_id is None
        with pytest.raises(NotFound):
            services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=draft)
        with pytest.raises(NotFound):  # another region's session
            services.enrollment_create(actor=world["B"].users[Role.HOSPITAL_STAFF], session=session)


def test_only_bureau_manages_and_others_only_enrol_themselves(world):
    a = world["A"]
    session = make_session(a)
    with scopes_disabled():
        with pytest.raises(Forbidden):
            services.course_create(actor=a.users[Role.HOSPITAL_ADMIN], region=a.region, title="x", category="policy",
                                   hours=1)
        with pytest.raises(NotFound):
            services.course_create(actor=world["B"].users[Role.BUREAU_ADMIN], region=a.region, title="x",
                                   category="policy", hours=1)
        with pytest.raises(Forbidden):
            services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=session,
                                       user=a.users[Role.HOSPITAL_ADMIN])
        # the hospital administrator enrols their coder; the bureau enrols anyone
        e = services.enrollment_create(actor=a.users[Role.HOSPITAL_ADMIN], session=session,
                                       user=a.users[Role.HOSPITAL_STAFF])
        assert e.status == "enrolled"
        with pytest.raises(Forbidden):
            services.enrollment_attend(actor=a.users[Role.HOSPITAL_ADMIN], enrollment=e)


def test_certificate_only_on_pass(world):
    a = world["A"]
    session = make_session(a, capacity=5, pass_mark="80")
    passer, failer, absentee = (staff_user(a, n) for n in ("甲", "乙", "丙"))
    with scopes_disabled():
        rows = [services.enrollment_create(actor=u, session=session) for u in (passer, failer, absentee)]
        with pytest.raises(InvalidTransition):  # before the session's day
            services.enrollment_attend(actor=a.users[Role.BUREAU_STAFF], enrollment=rows[0])
    session = start_now(session)
    staff = a.users[Role.BUREAU_STAFF]
    with scopes_disabled():
        services.enrollment_attend(actor=staff, enrollment=rows[0])
        services.enrollment_attend(actor=staff, enrollment=rows[1])
        services.enrollment_absent(actor=staff, enrollment=rows[2])
        with pytest.raises(InvalidTransition):  # absent: no score
            services.enrollment_score(actor=staff, enrollment=rows[2], score=95)
        done = services.scores_bulk(actor=staff, session=session, scores={rows[0].pk: "80", rows[1].pk: "79.5"})
    assert [(e.passed, bool(e.certificate_number)) for e in done] == [(True, True), (False, False)]
    ok, ko = fresh(rows[0]), fresh(rows[1])
    assert ok.certificate_number.startswith("PX341800") and len(ok.verification_code) == 12
    with scopes_disabled():
        with pytest.raises(NotFound):
            services.certificate_pdf(enrollment=ko)
        with pytest.raises(NotFound):
            services.certificate_pdf(enrollment=fresh(rows[2]))
        pdf = services.certificate_pdf(enrollment=ok)
        with pytest.raises(InvalidTransition):  # the score is final once certified
            services.enrollment_score(actor=staff, enrollment=ok, score=10)
    assert pdf.startswith(b"%PDF")
    ok = fresh(rows[0])
    assert ok.certificate_path and ok.certificate_sha256
    path = settings.PRIVATE_MEDIA_ROOT / ok.certificate_path
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    text = "".join(text.split())  # the title is letter-spaced
    for needle in ("培训合格证书", "甲", session.course.title, ok.certificate_number, ok.verification_code,
                   "宣城医疗保障局", "3学时", "病案编码"):
        assert needle in text, needle
    assert services.verify(ok.verification_code).pk == ok.pk
    assert services.verify(ok.verification_code.lower()).pk == ok.pk
    assert services.verify("NOPE") is None


def test_bulk_scores_are_all_or_nothing(world):
    a = world["A"]
    session = make_session(a, capacity=5)
    users = [staff_user(a, f"b{i}") for i in range(2)]
    with scopes_disabled():
        rows = [services.enrollment_create(actor=u, session=session) for u in users]
    session = start_now(session)
    staff = a.users[Role.BUREAU_ADMIN]
    with scopes_disabled():
        services.enrollment_attend(actor=staff, enrollment=rows[0])
        with pytest.raises(InvalidTransition):  # rows[1] did not attend
            services.scores_bulk(actor=staff, session=session, scores={rows[0].pk: 90, rows[1].pk: 90})
    assert fresh(rows[0]).score is None


def test_trainer_marks_attendance_of_their_session_only(world):
    a = world["A"]
    expert = a.users[Role.EXPERT]
    session = make_session(a, trainer=expert)
    other = make_session(a)
    with scopes_disabled():
        e1 = services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=session)
        e2 = services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=other)
    start_now(session)
    start_now(other)
    with scopes_disabled():
        assert services.enrollment_attend(actor=expert, enrollment=fresh(e1)).status == "attended"
        assert services.enrollment_score(actor=expert, enrollment=fresh(e1), score=Decimal("88")).passed
        with pytest.raises(Forbidden):
            services.enrollment_attend(actor=expert, enrollment=fresh(e2))


def test_publish_sends_the_training_notice_to_addressed_hospitals(world):
    a = world["A"]
    session = make_session(a, publish=False)
    with scopes_disabled():
        session = services.session_publish(actor=a.users[Role.BUREAU_STAFF], session=session, levels=[3])
        assert session.status == "published"
        notice = Notice.objects.get(pk=session.notice_id)
        assert notice.type == "training" and notice.region_id == a.region.pk


def test_session_cancel_releases_everyone(world):
    a = world["A"]
    session = make_session(a, capacity=1)
    with scopes_disabled():
        e1 = services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=session)
        e2 = services.enrollment_create(actor=a.users[Role.HOSPITAL_ADMIN], session=session)
        assert e2.status == "waitlisted"
        services.session_cancel(actor=a.users[Role.BUREAU_ADMIN], session=session, reason="场地调整")
    assert fresh(e1).status == fresh(e2).status == "cancelled"
