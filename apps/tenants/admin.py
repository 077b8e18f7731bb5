"""Django admin for platform administrators only (workflows.md §1); daily work uses the portal screens."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .access import get_access
from .models import Membership, PolicyYear, Province, Region, User


class PlatformAdminOnly:
    """Every permission of these admin pages requires a platform administrator (or superuser)."""

    def _platform(self, request) -> bool:
        return request.user.is_active and (request.user.is_superuser or get_access(request.user).is_platform_admin)

    def has_module_permission(self, request):
        return self._platform(request)

    def has_view_permission(self, request, obj=None):
        return self._platform(request)

    def has_add_permission(self, request, *args):
        return self._platform(request)

    def has_change_permission(self, request, obj=None):
        return self._platform(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class UnscopedForPlatform(PlatformAdminOnly):
    """Scoped models: a platform admin sees every row, including memberships without a region."""

    def get_queryset(self, request):
        if not self._platform(request):
            return self.model.objects.none()
        return self.model.objects.with_scopes_disabled().all()


class ReadOnlyAudited:
    """Policy parameters and memberships change only through services (which audit): view-only here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnlyAudited, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["role", "region", "province", "hospital", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return Membership.objects.with_scopes_disabled().all()


@admin.register(User)
class UserAdmin(PlatformAdminOnly, BaseUserAdmin):
    list_display = ["username", "name", "email", "is_active", "last_login"]
    search_fields = ["username", "name", "email"]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Portal"), {"fields": ("name",)}))
    inlines = [MembershipInline]


@admin.register(Province)
class ProvinceAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Region)
class RegionAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ["code", "name", "province", "payment_method", "bureau_name", "created_at"]
    list_filter = ["payment_method", "province"]
    search_fields = ["code", "name"]


@admin.register(PolicyYear)
class PolicyYearAdmin(ReadOnlyAudited, UnscopedForPlatform, admin.ModelAdmin):
    list_display = ["region", "year", "fund_budget", "catalogue", "updated_at"]
    list_filter = ["year"]
    search_fields = ["region__code", "region__name"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAudited, UnscopedForPlatform, admin.ModelAdmin):
    list_display = ["user", "role", "region", "province", "hospital", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "region__code"]
    raw_id_fields = ["user", "hospital"]
