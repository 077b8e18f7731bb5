"""Background work: render a passed participant's certificate PDF (eager in tests and the embedded default)."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, name="training.render_certificate")
def render_certificate_task(*, region_id: int, enrollment_id: int) -> dict:
    from .models import Enrollment
    from .services import certificate_store

    enrollment = Enrollment.objects.with_scope(region=[region_id]).filter(pk=enrollment_id, passed=True).first()
    if enrollment is None:
        return {"region_id": region_id, "enrollment_id": enrollment_id, "rendered": False}
    enrollment = certificate_store(enrollment=enrollment)
    return {"region_id": region_id, "enrollment_id": enrollment_id, "rendered": True,
            "sha256": enrollment.certificate_sha256}
