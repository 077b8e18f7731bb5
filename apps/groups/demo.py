"""Demo hooks called by `seed_demo` (apps/core): catalogue per region, then statistics."""
from __future__ import annotations

from django_scopes import scopes_disabled

from apps.tenants.models import PolicyYear, Region
from apps.tenants.services import policy_get_or_create, policy_set

from .catalogue import SHIPPED_VERSION
from .enums import StatsStatus
from .selectors import published_stats
from .services import catalogue_load_shipped, group_stats_compute, group_stats_publish


def _payment_year() -> int:
    from apps.core.demo_data import DEMO_PAYMENT_YEAR

    return DEMO_PAYMENT_YEAR


def seed_region(region: Region, year: int | None = None) -> dict:
    """Load the shipped CHS-DRG 2.0 catalogue and name it in the payment year's policy. Idempotent."""
    year = year or _payment_year()
    summary = catalogue_load_shipped(actor=None, region=region)
    with scopes_disabled():
        policy = policy_get_or_create(region=region, year=year)
        if not policy.catalogue:
            policy_set(actor=None, region=region, year=year, values={"catalogue": SHIPPED_VERSION},
                       reason="demo: CHS-DRG 2.0 catalogue")
        summary["policy_catalogue"] = PolicyYear.objects.get(pk=policy.pk).catalogue
    return summary


def compute_and_publish(region: Region, year: int) -> dict:
    """Compute and publish the year's statistics unless a published version exists already. Idempotent."""
    version = published_stats(region, year)
    if version is None:
        version = group_stats_compute(actor=None, region=region, year=year, sync=True)
        if version.status == StatsStatus.READY:
            version = group_stats_publish(actor=None, version=version)
    return {"version_id": version.pk, "number": version.number, "status": version.status,
            "all_avg": str(version.all_avg) if version.all_avg is not None else None,
            "cases": version.n_cases, "groups": version.n_groups, "error": version.error}
