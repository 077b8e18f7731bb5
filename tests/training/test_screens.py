"""Screens per role: lists, session detail with roster, bulk scores, coverage + XLSX, public verification."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from apps.training import services

from .conftest import fresh, make_course, make_session, staff_user, start_now

pytestmark = pytest.mark.django_db


def test_every_screen_answers_for_its_roles(world, client):
    a = world["A"]
    session = make_session(a, capacity=3)
    with scopes_disabled():
        enrollment = services.enrollment_create(actor=a.users[Role.HOSPITAL_STAFF], session=session)
    client.force_login(a.users[Role.BUREAU_STAFF])
    for name in ("training:session_list", "training:course_list", "training:course_new", "training:session_new",
                 "training:coverage", "training:mine", "dashboard"):
        assert client.get(reverse(name)).status_code == 200, name
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert 'id="roster"' in page and a.users[Role.HOSPITAL_STAFF].name in page
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    assert client.get(reverse("training:index")).url == reverse("training:browse")
    page = client.get(reverse("training:browse")).content.decode()
    assert session.course.title in page
    page = client.get(reverse("training:mine")).content.decode()
    assert session.course.title in page and f'data-id="{enrollment.pk}"' in page
    assert 'id="roster"' not in client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert client.get(reverse("training:coverage")).status_code == 403
    assert client.get(reverse("training:course_new")).status_code == 403
    assert client.get(reverse("dashboard")).status_code == 200
    client.force_login(a.users[Role.EXPERT])
    assert client.get(reverse("training:browse")).status_code == 200


def test_bureau_creates_course_and_session_through_the_forms(world, client):
    a = world["A"]
    client.force_login(a.users[Role.BUREAU_ADMIN])
    r = client.post(reverse("training:course_new"), {"title": "结算清单填报规范", "category": "settlement_list",
                                                     "hours": "4", "audience": ["hospital_staff"], "active": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    with scopes_disabled():
        from apps.training.models import Course, Session

        course = Course.objects.get(region=a.region, title="结算清单填报规范")
    r = client.post(reverse("training:session_new"), {
        "course": course.pk, "mode": "venue", "venue": "会议室", "starts_at": "2030-03-01T09:00",
        "ends_at": "2030-03-01T12:00", "enrol_deadline": "2030-02-25T17:00", "capacity": "30", "pass_mark": "60"})
    assert r.status_code == 302
    with scopes_disabled():
        session = Session.objects.get(course=course)
    r = client.post(reverse("training:session_action", args=[session.pk, "publish"]), {"send_notice": "on"})
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.status == "published"


def test_roster_marking_bulk_scores_and_certificate_download(world, client):
    a = world["A"]
    session = make_session(a, capacity=5, pass_mark="60")
    users = [staff_user(a, n) for n in ("张三", "李四")]
    with scopes_disabled():
        rows = [services.enrollment_create(actor=u, session=session) for u in users]
    start_now(session)
    client.force_login(a.users[Role.BUREAU_STAFF])
    for e in rows:
        assert client.post(reverse("training:enrollment_action", args=[e.pk, "attend"])).status_code == 302
    r = client.post(reverse("training:session_action", args=[session.pk, "scores"]),
                    {f"score_{rows[0].pk}": "72", f"score_{rows[1].pk}": "59.5"})
    assert r.status_code == 302
    ok, ko = fresh(rows[0]), fresh(rows[1])
    assert ok.passed and not ko.passed
    client.force_login(users[0])
    r = client.get(reverse("training:certificate", args=[ok.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    client.force_login(users[1])
    assert client.get(reverse("training:certificate", args=[ko.pk])).status_code == 404
    assert client.get(reverse("training:certificate", args=[ok.pk])).status_code == 404  # not theirs
    # the public check: name, course, date; no login needed, nothing else shown
    client.logout()
    page = client.get(reverse("training:verify", args=[ok.verification_code])).content.decode()
    assert "张三" in page and session.course.title in page and ok.certificate_number in page
    assert a.hospital.name not in page and "72" not in page.split('id="verified"')[1]
    assert client.get(reverse("training:verify", args=["XXXXXXXXXXXX"])).status_code == 404
    assert client.get(reverse("training:verify_form") + f"?code={ok.verification_code}").status_code == 302


def test_coverage_screen_and_xlsx_export(world, client):
    from openpyxl import load_workbook

    a = world["A"]
    make_course(a, title="系统操作培训", category="system_use")
    client.force_login(a.users[Role.BUREAU_ADMIN])
    page = client.get(reverse("training:coverage")).content.decode()
    assert 'id="coverage-chart"' in page and a.hospital.name in page and world["B"].hospital.name not in page
    r = client.get(reverse("training:coverage_export") + "?region=340100")  # not theirs: falls back to their own
    book = load_workbook(io.BytesIO(r.content))
    sheet = book.active
    assert [c.value for c in sheet[1]][:4] == ["hospital_code", "hospital_name", "level", "staff"]
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert a.hospital.code in codes and world["B"].hospital.code not in codes


def test_course_materials_are_checked_and_served_only_in_scope(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.core.errors import ValidationFailed

    a = world["A"]
    course = make_course(a, title="编码规范讲义")
    with scopes_disabled():
        material = services.material_add(actor=a.users[Role.BUREAU_STAFF], course=course,
                                         upload=SimpleUploadedFile("讲义.pdf", b"%PDF-1.4\n%%EOF\n"))
        with pytest.raises(ValidationFailed):
            services.material_add(actor=a.users[Role.BUREAU_STAFF], course=course,
                                  upload=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00binary"))
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    r = client.get(reverse("training:material", args=[material.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    client.force_login(world["B"].users[Role.BUREAU_ADMIN])
    assert client.get(reverse("training:material", args=[material.pk])).status_code == 404
