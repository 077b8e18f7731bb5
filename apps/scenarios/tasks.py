"""Celery task of the scenarios app; it re-enters its region's scope through RegionTask."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, name="scenarios.compute_scenario")
def compute_scenario_task(*, region_id: int, scenario_id: int) -> dict:
    from .services import scenario_compute

    scenario = scenario_compute(scenario_id)
    return {"id": scenario.pk, "status": scenario.status, "error": scenario.error}
