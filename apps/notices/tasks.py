"""Celery tasks of notices: render a published notice's PDF once; finalize notices whose objection period ended."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, name="notices.render_pdf")
def render_notice_pdf_task(*, region_id: int, notice_id: int) -> dict:
    from .services import render_stored_pdf

    notice = render_stored_pdf(notice_id, region_id)
    return {"notice_id": notice.pk, "sha256": notice.sha256}


@shared_task(name="notices.finalize_expired")
def finalize_expired() -> int:
    """Beat (hourly): published → final once the objection period is over."""
    from .services import notice_finalize_expired

    return notice_finalize_expired()
