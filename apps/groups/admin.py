"""Read-only admin views: catalogues and statistics change only through the services (audited)."""
from django.contrib import admin

from .models import Catalogue, Group, GroupStat, StatsVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Catalogue)
class CatalogueAdmin(ReadOnlyAdmin):
    list_display = ("region", "version", "name", "method", "is_active", "created_at")
    list_filter = ("method", "is_active")


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ("region", "catalogue", "code", "name", "mdc_code", "adrg_code", "severity")
    search_fields = ("code", "name")


@admin.register(StatsVersion)
class StatsVersionAdmin(ReadOnlyAdmin):
    list_display = ("region", "year", "number", "status", "all_avg", "n_cases", "n_groups", "computed_at", "published_at")
    list_filter = ("status", "year")


@admin.register(GroupStat)
class GroupStatAdmin(ReadOnlyAdmin):
    list_display = ("version", "group_code", "n", "mean_cost", "sd", "cv", "stable", "base_points")
    search_fields = ("group_code",)
