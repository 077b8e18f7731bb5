"""Celery tasks of the groups app; each re-enters its region's scope through RegionTask."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, name="groups.compute_group_stats")
def compute_group_stats_task(*, region_id: int, version_id: int) -> dict:
    from .services import stats_version_run

    version = stats_version_run(version_id)
    return {"id": version.pk, "status": version.status, "n_groups": version.n_groups}
