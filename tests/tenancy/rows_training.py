"""Isolation rows of the training app (API and screens): another region's course, session, enrolment,
material or certificate is 404; another hospital's enrolment is 404 for hospital roles."""
from __future__ import annotations


def rows() -> list:
    import datetime as dt

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from apps.tenants.enums import Role
    from tests.tenancy.test_isolation import Row, _api, _create, _hospital_row, _url

    def course(rw):
        return _create("training.Course", {"region": rw.region, "title": "隔离测试课程"}, category="policy",
                       hours="2.0", audience=[])

    def session(rw):
        now = timezone.now()
        return _create("training.Session", {"region": rw.region, "course": course(rw)}, mode="venue",
                       starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=3, hours=2),
                       capacity=10, enrol_deadline=now + dt.timedelta(days=2), pass_mark="60", status="published")

    def material(rw):
        return _create("training.Material", {"region": rw.region, "course": course(rw)},
                       stored_name="missing.pdf", original_name="讲义.pdf", content_type="application/pdf", size=10,
                       sha256="0" * 64)

    def enrollment(hospital):
        from apps.tenants.models import Region, User
        from apps.tenants.services import user_create

        with scopes_disabled():
            region = Region.objects.get(pk=hospital.region_id)
            name = f"iso_train_{hospital.code}"
            user = User.objects.filter(username=name).first() or user_create(
                actor=None, username=name, password="Iso-pass-2026", name="隔离学员",
                memberships=[{"role": Role.HOSPITAL_STAFF, "region": region, "hospital": hospital}])

        class RW:  # the row helpers take a region world; only .region is used
            pass

        rw = RW()
        rw.region = region
        return _create("training.Enrollment", {"region_id": hospital.region_id, "session": session(rw), "user": user},
                       hospital=hospital, role=Role.HOSPITAL_STAFF, status="enrolled")

    admin = Role.HOSPITAL_ADMIN
    return [
        Row("api training course detail", lambda w, rw: _api(f"/api/v1/courses/{course(rw).pk}/"),
            api_basename="training-course"),
        Row("api training session detail", lambda w, rw: _api(f"/api/v1/sessions/{session(rw).pk}/"),
            api_basename="training-session"),
        Row("api training session close", lambda w, rw: _api(f"/api/v1/sessions/{session(rw).pk}/close/"),
            method="post", control=False),
        _hospital_row("api training enrollment detail", lambda w, h: _api(f"/api/v1/enrollments/{enrollment(h).pk}/"),
                      api_basename="training-enrollment", owner=admin),
        _hospital_row("api training enrollment cancel",
                      lambda w, h: _api(f"/api/v1/enrollments/{enrollment(h).pk}/cancel/"), method="post", owner=admin),
        _hospital_row("api training certificate",
                      lambda w, h: _api(f"/api/v1/enrollments/{enrollment(h).pk}/certificate/"), control=False),
        Row("screen training course", lambda w, rw: _url("training:course_detail", pk=course(rw).pk)),
        Row("screen training session", lambda w, rw: _url("training:session_detail", pk=session(rw).pk)),
        Row("screen training session enrol", lambda w, rw: _url("training:session_action", pk=session(rw).pk,
                                                                action="enrol"), method="post", control=False),
        Row("screen training material", lambda w, rw: _url("training:material", pk=material(rw).pk), control=False),
        _hospital_row("screen training certificate",
                      lambda w, h: _url("training:certificate", pk=enrollment(h).pk), control=False),
        _hospital_row("screen training enrollment cancel",
                      lambda w, h: _url("training:enrollment_action", pk=enrollment(h).pk, action="cancel"),
                      method="post", owner=admin),
    ]
