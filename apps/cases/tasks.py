"""Celery tasks of the cases app."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, bind=True, acks_late=True)
def case_import_task(self, *, job_id: int, region_id: int) -> dict:
    """Run a queued import inside the region's scope; re-delivery of a finished job is a no-op."""
    from .models import ImportJob
    from .services import case_import_run

    job = ImportJob.objects.select_related("region", "uploaded_by").get(pk=job_id, region_id=region_id)
    job = case_import_run(job)
    return {"status": job.status, "created": job.created, "updated": job.updated, "rejected": job.rejected}
