"""The hook the cases app calls at the end of an upload and of a grouping run: screen the touched years."""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from apps.cases import grouping
from apps.cases.models import Case
from apps.core import jobs

logger = logging.getLogger(__name__)


def years_of_import(job) -> list[int]:
    from django.db.models.functions import ExtractYear

    return sorted(set(Case.objects.with_scope(region=[job.region_id]).filter(import_job_id=job.pk)
                      .annotate(y=ExtractYear("discharge_date")).values_list("y", flat=True).distinct()))


def after_cases_changed(region, years: list[int], *, sync: bool = False) -> None:
    """Screen `years` of `region` now (`sync`, eager Celery) or in a task after the commit; never raises."""
    years = sorted({int(y) for y in years if y})
    if not years:
        return
    try:
        if sync or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            from .services import screen_after_upload

            screen_after_upload(region, years)
            return
        transaction.on_commit(lambda: jobs.enqueue("apps.screening.tasks.screen_years_task", region_id=region.pk,
                                                   years=years), robust=True)
    except Exception:  # noqa: BLE001 - screening never fails an upload; `screen_cases` re-runs it
        logger.exception("screening after an upload of %s failed", region.code)


def after_import(job) -> None:
    """End of an upload: screen its years, unless the portal grouper runs over the new cases (then the
    grouping run's end screens them, with the grouper's answer in place)."""
    if job.dry_run or not (job.created or job.updated) or grouping.version_names():
        return
    after_cases_changed(job.region, years_of_import(job))


def after_grouping(job) -> None:
    """End of a grouping run: screen the years of the cases it grouped."""
    from django.db.models.functions import ExtractYear

    if job.import_job_id:
        years = years_of_import(job.import_job)
    elif job.period:
        years = [int(job.period[:4])]
    else:
        qs = Case.objects.with_scope(region=[job.region_id]).filter(region_id=job.region_id)
        if job.started_at:
            qs = qs.filter(grouped_at__gte=job.started_at)
        years = list(qs.annotate(y=ExtractYear("discharge_date")).values_list("y", flat=True).distinct())
    after_cases_changed(job.region, years)
