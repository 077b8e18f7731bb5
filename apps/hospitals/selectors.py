"""Reads: which hospitals a user may see, and where they may manage them."""
from __future__ import annotations

from django.db.models import QuerySet

from apps.tenants.access import Access
from apps.tenants.models import Region
from apps.tenants.roles import REGION_ADMINS

from .models import Hospital

MANAGER_ROLES = REGION_ADMINS


def hospitals_visible(access: Access) -> QuerySet[Hospital]:
    """Whole regions for region-wide roles and experts (master data), the own hospital for hospital roles.

    Anything else is simply absent, so a detail view built on this answers 404 for it.
    """
    return access.filter(Hospital.objects.select_related("region"), hospital_field="pk", include_experts=True)


def can_manage(access: Access, region_id: int | None) -> bool:
    return access.has_role(region_id, *MANAGER_ROLES)


def managed_regions(access: Access) -> QuerySet[Region]:
    """Regions where the user may create, edit and import hospitals."""
    ids = [r for r in access.region_ids if can_manage(access, r)]
    return Region.objects.filter(pk__in=ids).order_by("code")


def visible_regions(access: Access) -> QuerySet[Region]:
    return Region.objects.filter(pk__in=access.region_ids).order_by("code")
