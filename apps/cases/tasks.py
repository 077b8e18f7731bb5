"""Celery tasks of the cases app."""
from __future__ import annotations

from celery import shared_task

from apps.core.lifecycle import Lifecycle
from apps.core.tasks import RegionTask


@shared_task(base=RegionTask, bind=True, acks_late=True)
def case_import_task(self, *, job_id: int, region_id: int) -> dict:
    """Run a queued import inside the region's scope; re-delivery of a finished job is a no-op."""
    from .models import ImportJob
    from .services import case_import_run

    job = ImportJob.objects.select_related("region", "uploaded_by").get(pk=job_id, region_id=region_id)
    job = case_import_run(job)
    if job.status in (Lifecycle.QUEUED, Lifecycle.RUNNING):
        # Another session holds the job: a live worker, or one whose node just died and whose database session
        # is still closing. Ask again shortly; once the lock is free the job is finished or taken over here.
        raise self.retry(countdown=3, max_retries=100)
    return {"status": job.status, "created": job.created, "updated": job.updated, "rejected": job.rejected}


@shared_task(base=RegionTask, bind=True, acks_late=True)
def grouping_chunk_task(self, *, region_id: int, job_id: int, lo: int, hi: int) -> dict:
    """One id range of a grouping run (chunks of one run execute in parallel on the workers)."""
    from .services import grouping_chunk_run

    return grouping_chunk_run(job_id=job_id, lo=lo, hi=hi, worker=self.request.hostname or "")


@shared_task(name="cases.purge_import_files")
def purge_import_files_task(days: int | None = None) -> dict:
    """Daily (beat): delete stored uploads and error reports past the retention period."""
    from .services import purge_import_files

    return purge_import_files(days=days)
