"""Celery tasks of the settlement app; each re-enters its region's scope through RegionTask."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, name="settlement.compute_coefficients")
def compute_coefficients_task(*, region_id: int, version_id: int) -> dict:
    from .services import coefficient_version_run

    version = coefficient_version_run(version_id)
    return {"id": version.pk, "status": version.status, "error": version.error}


@shared_task(base=RegionTask, name="settlement.run_settlement")
def run_settlement_task(*, region_id: int, run_id: int) -> dict:
    from .services import settlement_run_compute

    run = settlement_run_compute(run_id)
    return {"id": run.pk, "status": run.status, "point_value": str(run.point_value), "error": run.error}
