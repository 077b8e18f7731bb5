"""List filters (django-filter) and the rule for which users a caller manages."""
from __future__ import annotations

from collections.abc import Callable

import django_filters
from django.db.models import Q, QuerySet

from .access import Access
from .enums import HOSPITAL_ROLES, PaymentMethod, Role
from .models import Membership, Region, User


class RegionFilter(django_filters.FilterSet):
    code = django_filters.CharFilter()
    province_code = django_filters.CharFilter(field_name="province__code")
    payment_method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Region
        fields = ["code", "province_code", "payment_method", "name"]


class UserFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="icontains")
    name = django_filters.CharFilter(lookup_expr="icontains")
    role = django_filters.ChoiceFilter(field_name="memberships__role", choices=Role.choices, distinct=True)
    region = django_filters.CharFilter(field_name="memberships__region__code", distinct=True)
    hospital = django_filters.CharFilter(field_name="memberships__hospital__code", distinct=True)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["username", "name", "role", "region", "hospital", "is_active"]


def admin_region_ids(access: Access) -> list[int]:
    return [r for r in access.region_ids if access.has_role(r, Role.BUREAU_ADMIN)]


def admin_hospital_ids(access: Access) -> set[int]:
    return {h for r in access.region_ids if access.has_role(r, Role.HOSPITAL_ADMIN) for h in access.hospital_ids(r)}


def can_manage_users(access: Access) -> bool:
    """Platform admins, bureau admins (their region) and hospital admins (their hospital) manage users."""
    return access.is_platform_admin or bool(admin_region_ids(access)) or bool(admin_hospital_ids(access))


def managed_membership_q(access: Access, prefix: str = "") -> Q:
    """Memberships a caller manages: a bureau admin's region, a hospital admin's hospital roles."""
    if access.is_platform_admin:
        return Q()
    q = Q(**{f"{prefix}region_id__in": admin_region_ids(access)})
    hospitals = admin_hospital_ids(access)
    if hospitals:
        q |= Q(**{f"{prefix}hospital_id__in": hospitals, f"{prefix}role__in": list(HOSPITAL_ROLES)})
    return q


def managed_users(access: Access) -> QuerySet[User]:
    """Users with at least one membership the caller manages (everyone for a platform admin)."""
    if not can_manage_users(access):
        return User.objects.none()
    if access.is_platform_admin:
        return User.objects.all()
    ids = Membership.objects.with_scopes_disabled().filter(managed_membership_q(access)).values("user_id")
    return User.objects.filter(pk__in=ids)


def membership_visible(access: Access) -> Callable[[Membership], bool]:
    """Which of a user's memberships the caller may see (never another region's)."""
    if access.is_platform_admin:
        return lambda m: True
    regions = set(admin_region_ids(access))
    hospitals = admin_hospital_ids(access)
    return lambda m: m.region_id in regions or (m.hospital_id in hospitals and m.role in HOSPITAL_ROLES)


def user_in_scope(access: Access, user_id: int) -> bool:
    """Whether a user works where the caller may read (region-wide roles: the region; hospital roles: the
    hospital). Decides 403 (in scope, role missing) versus 404 (outside the caller's scope)."""
    return Membership.objects.with_scopes_disabled().filter(access.visible_q("hospital"), user_id=user_id).exists()
