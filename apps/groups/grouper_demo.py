"""Demo hook (called by `seed_demo` after the applications): load the CHS-DRG 1.1 grouper once and group the
region's cases that the portal has not grouped yet. Idempotent: a second run finds nothing to group."""
from __future__ import annotations

from django_scopes import scope

from apps.tenants.models import Region

DEMO_VERSION = "chs-drg-1.1"


def seed_region(region: Region) -> dict:
    from apps.cases import grouping
    from apps.cases.services import grouping_job_start

    if DEMO_VERSION not in grouping.version_names():
        from apps.groups.grouper.loader import load_shipped

        load_shipped(DEMO_VERSION, regions=[region])  # the rules once, and the 1.1 catalogue (not activated)
    else:
        from apps.groups.grouper.services import grouper_catalogue_load

        with scope(region=[region.pk]):
            grouper_catalogue_load(actor=None, region=region, version=DEMO_VERSION)
    with scope(region=[region.pk]):
        job = grouping_job_start(actor=None, region=region, version=DEMO_VERSION, scope="pending", sync=True)
        return job.summary()
