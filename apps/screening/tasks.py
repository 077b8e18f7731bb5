"""Celery task of screening: the rules over a region's year after an upload or a grouping run."""
from __future__ import annotations

from celery import shared_task

from apps.core.tasks import RegionTask
from apps.tenants.models import Region


@shared_task(base=RegionTask, bind=True, acks_late=True)
def screen_years_task(self, *, region_id: int, years: list[int]) -> dict:
    from .services import screen_after_upload

    region = Region.objects.get(pk=region_id)
    screen_after_upload(region, years)
    return {"region": region.code, "years": sorted(set(years))}
