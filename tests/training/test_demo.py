"""The demo hook: a year of training, idempotent and quick."""
from __future__ import annotations

import time

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.training import demo, selectors, services
from apps.training.models import Course, Enrollment, Session

pytestmark = pytest.mark.django_db


def test_seed_region_builds_a_year_of_training_once(world):
    region = world["A"].region
    with scopes_disabled():
        started = time.perf_counter()
        assert demo.seed_region(region)["created"] is True
        elapsed = time.perf_counter() - started
        assert demo.seed_region(region)["created"] is False
        courses = Course.objects.filter(region=region)
        assert set(courses.values_list("category", flat=True)) == {"policy", "coding", "grouping", "settlement_list",
                                                                    "system_use"}
        sessions = Session.objects.filter(region=region)
        assert sessions.filter(status="closed").count() == len(demo.PAST)
        assert sessions.filter(status="published").count() == 2 and sessions.filter(status="draft").count() == 1
        rows = Enrollment.objects.filter(region=region)
        assert rows.filter(status="waitlisted").count() == 2
        passed = rows.filter(passed=True)
        assert passed.exists() and not passed.filter(certificate_number="").exists()
        assert rows.filter(status="absent").exists() and rows.filter(passed=False, status="attended").exists()
        data = selectors.coverage(region, timezone.localdate().year)
        assert data.hospital_staff.staff == 2 + 2 * len(world["A"].hospitals)
        assert 0 < data.hospital_staff.passed < data.hospital_staff.staff
        assert not Enrollment.objects.filter(region=world["B"].region).exists()
        # certificates are rendered lazily, on the first download
        first = passed.select_related("session", "session__course", "user", "region").first()
        assert first.certificate_path == ""
        assert services.certificate_pdf(enrollment=first).startswith(b"%PDF")
    assert elapsed < 20, elapsed
