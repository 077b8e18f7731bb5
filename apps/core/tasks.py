"""The Celery task base that re-enters a region's scope."""
from __future__ import annotations

from celery import Task, shared_task
from django_scopes import scope

from apps.hospitals.models import Hospital
from apps.tenants.models import Region


class RegionTask(Task):
    """A task whose first keyword argument `region_id` opens the region scope for its whole run."""

    abstract = True

    def __call__(self, *args, **kwargs):
        region_id = kwargs.get("region_id")
        if region_id is None:
            raise TypeError(f"{self.name} needs region_id=… to open its region scope")
        with scope(region=[int(region_id)]):
            return super().__call__(*args, **kwargs)


@shared_task(base=RegionTask, bind=True, name="core.worker_ping")
def worker_ping(self, *, region_id: int) -> dict:
    """Health check a bureau can trigger: proves a worker reaches the database inside the region scope."""
    from .audit import record_event

    hospitals = Hospital.objects.count()  # scoped: only this region's rows are visible
    region = Region.objects.get(pk=region_id)
    record_event(actor=None, action="worker.ping", obj=region, new={"hospitals": hospitals, "worker": self.request.hostname})
    return {"region_id": region_id, "hospitals": hospitals}


@shared_task(name="core.reap_stale")
def reap_stale() -> dict:
    """Beat task: every lifecycle model's queued/running rows without a sign of life → failed (decision 0041).

    Runs outside any region scope on purpose: it reads through `_base_manager` and writes one audit event per
    reaped row in that row's region."""
    from .lifecycle import reap_all

    return {label: n for label, n in reap_all().items() if n}
