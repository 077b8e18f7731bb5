"""Demo hooks called by `seed_demo` (apps/core): catalogue per region, then statistics."""
from __future__ import annotations

from django_scopes import scopes_disabled

from apps.tenants.models import PolicyYear, Region
from apps.tenants.services import policy_get_or_create, policy_set

from .catalogue import SHIPPED_VERSION
from .enums import StatsStatus
from .models import Group
from .selectors import published_stats
from .services import catalogue_activate, catalogue_load_shipped, group_stats_compute, group_stats_publish


def _payment_year() -> int:
    from apps.core.demo_data import DEMO_PAYMENT_YEAR

    return DEMO_PAYMENT_YEAR


def seed_region(region: Region, year: int | None = None) -> dict:
    """The region's payment catalogue, named in every demo policy year with the grouper version. Idempotent.

    A region paying on a portal grouper version gets that version's DRG list as its (active) catalogue and
    `grouper_version` set; Liaoyuan (DIP, declared codes) keeps the shipped CHS-DRG 2.0 list and no version."""
    from .grouper_demo import ensure_loaded, region_version, version_catalogue

    year = year or _payment_year()
    version = region_version(region.code)
    if version is None:
        summary = catalogue_load_shipped(actor=None, region=region)
        values = {"catalogue": SHIPPED_VERSION}
    else:
        with scopes_disabled():
            groups_before = Group.objects.filter(region=region).count()
        ensure_loaded(version, region)
        catalogue = version_catalogue(region, version)
        if not catalogue.is_active:
            catalogue_activate(actor=None, catalogue=catalogue)
        with scopes_disabled():
            groups = Group.objects.filter(region=region, catalogue=catalogue).count()
            groups_created = Group.objects.filter(region=region).count() - groups_before
        # the same keys as catalogue_load_shipped's summary: a second call creates nothing
        summary = {"region": region.code, "version": catalogue.version, "grouper_version": version,
                   "catalogue_id": catalogue.pk, "groups": groups, "groups_created": groups_created}
        values = {"catalogue": catalogue.version, "grouper_version": version}
    with scopes_disabled():
        for policy in PolicyYear.objects.filter(region=region, year__lte=year):
            if any(getattr(policy, k) != v for k, v in values.items()):
                policy_set(actor=None, region=region, year=policy.year, values=values,
                           reason="demo: the payment catalogue and its grouper version")
        policy = policy_get_or_create(region=region, year=year)
        if any(getattr(PolicyYear.objects.get(pk=policy.pk), k) != v for k, v in values.items()):
            policy_set(actor=None, region=region, year=year, values=values, reason="demo: payment catalogue")
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
