"""The Celery task base that re-enters a region's scope."""
from __future__ import annotations

from celery import Task
from django_scopes import scope


class RegionTask(Task):
    """A task whose first keyword argument `region_id` opens the region scope for its whole run."""

    abstract = True

    def __call__(self, *args, **kwargs):
        region_id = kwargs.get("region_id")
        if region_id is None:
            raise TypeError(f"{self.name} needs region_id=… to open its region scope")
        with scope(region=[int(region_id)]):
            return super().__call__(*args, **kwargs)
