"""Periodic work of disputes: the daily digest (Celery beat "disputes.daily_digest", 07:30).

`disputes.daily_digest` (no arguments) dispatches one `disputes.region_digest` per region that has an open
or decided dispute; each runs in its region scope, stores the overdue flags (set-based), closes decisions
whose appeal period passed and notifies the region's bureau staff of items overdue or due within two working
days. Idempotent: running it twice on a day flags nothing new (the digest notification is sent again).
"""
from __future__ import annotations

from celery import shared_task
from django_scopes import scopes_disabled

from apps.core.tasks import RegionTask
from apps.tenants.models import Region


@shared_task(base=RegionTask, name="disputes.region_digest")
def region_digest_task(*, region_id: int) -> dict:
    from .services import daily_digest

    return daily_digest(Region.objects.get(pk=region_id))


@shared_task(name="disputes.daily_digest")
def daily_digest_task() -> list[int]:
    from .enums import Status
    from .models import Dispute

    with scopes_disabled():
        regions = sorted(set(Dispute.objects.filter(status__in=(Status.SUBMITTED, Status.ACCEPTED,
                                                                Status.UNDER_REVIEW, Status.APPEALED,
                                                                Status.DECIDED))
                             .values_list("region_id", flat=True)))
    for region_id in regions:
        region_digest_task.delay(region_id=region_id)
    return regions
