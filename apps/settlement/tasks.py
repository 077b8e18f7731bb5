"""Celery tasks of the settlement app; each re-enters its region's scope through RegionTask."""
from __future__ import annotations

from celery import shared_task

from apps.core.scoping import region_scope, scopes_disabled
from apps.core.tasks import RegionTask
from apps.tenants.models import Region


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


@shared_task(name="settlement.flag_overdue_uploads")
def flag_overdue_uploads() -> dict:
    """Daily (beat): flag 逾期 the hospitals of every region that have not declared the latest month past its
    upload deadline (domain §10); idempotent, so a repeated or late beat changes nothing."""
    from .deadlines import months_flag_overdue

    with scopes_disabled():
        regions = list(Region.objects.order_by("code"))
    flagged = {}
    for region in regions:
        with region_scope(region.pk):
            rows = months_flag_overdue(region=region)
        if rows:
            flagged[region.code] = [r.hospital_id for r in rows]
    return flagged
