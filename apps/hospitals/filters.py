"""List filters shared by the screen, the export and the API."""
from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import Grade, HospitalType, Level
from .models import Hospital
from .selectors import visible_regions

YES_NO = (("true", _("Yes")), ("false", _("No")))
ALL = _("All")


class BaseHospitalFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices, empty_label=ALL)
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Grade.choices, empty_label=ALL)
    type = django_filters.ChoiceFilter(label=_("Type"), choices=HospitalType.choices, empty_label=ALL)
    drg_enabled = django_filters.ChoiceFilter(label=_("DRG/DIP-paid today"), choices=YES_NO, empty_label=ALL,
                                              method="filter_drg_enabled")
    active = django_filters.ChoiceFilter(label=_("Active"), choices=YES_NO, empty_label=ALL, method="filter_active")
    q = django_filters.CharFilter(label=_("Code or name"), method="filter_q")

    class Meta:
        model = Hospital
        fields: list[str] = []

    def filter_drg_enabled(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Yes = a start date that has been reached; a future start date is not DRG-paid yet."""
        if not value:
            return queryset
        paid = Q(drg_enabled_from__isnull=False, drg_enabled_from__lte=timezone.localdate())
        return queryset.filter(paid) if value == "true" else queryset.exclude(paid)

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(active=value == "true") if value else queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset


class HospitalFilter(BaseHospitalFilter):
    """The screen's filter: the region is picked from the user's own regions."""

    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=lambda request: visible_regions(request.access),
                                              empty_label=ALL)


class HospitalAPIFilter(BaseHospitalFilter):
    """The API's filter: the region is named by its code."""

    region = django_filters.CharFilter(label=_("Region code"), field_name="region__code")
