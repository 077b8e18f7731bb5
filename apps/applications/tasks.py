"""Periodic work: close expert reviews whose deadline has passed (workflows §2 "review deadline passed").

`applications.sweep_overdue_reviews` (no arguments, for Celery beat, e.g. daily at 01:00) dispatches one
`applications.mark_overdue_reviews` per region that has an overdue review; each runs in its region scope.
"""
from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.core.tasks import RegionTask
from apps.tenants.models import Region


@shared_task(base=RegionTask, name="applications.mark_overdue_reviews")
def mark_overdue_reviews_task(*, region_id: int) -> dict:
    from .services import mark_overdue_reviews

    return {"region_id": region_id, "reviewed": mark_overdue_reviews(Region.objects.get(pk=region_id))}


@shared_task(name="applications.sweep_overdue_reviews")
def sweep_overdue_reviews() -> list[int]:
    from .enums import Status
    from .models import Application

    with scopes_disabled():
        regions = sorted(set(Application.objects.filter(status=Status.UNDER_REVIEW,
                                                        review_due__lt=timezone.localdate())
                             .values_list("region_id", flat=True)))
    for region_id in regions:
        mark_overdue_reviews_task.delay(region_id=region_id)
    return regions
