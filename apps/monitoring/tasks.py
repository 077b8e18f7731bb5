"""Celery tasks of the monitoring app; each re-enters its region's scope through RegionTask."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, name="monitoring.compute_indicators")
def compute_indicators_task(*, region_id: int, period_id: int) -> dict:
    from .services import indicator_period_run

    item = indicator_period_run(period_id)
    return {"id": item.pk, "period": item.period, "status": item.status, "error": item.error}
