"""Filters of the run list and the case-result list, shared by the screens and the API."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.lifecycle import Lifecycle

from .enums import CaseType, RunKind
from .models import CaseResult, SettlementRun


class RunFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", label=_("Region"))
    kind = django_filters.ChoiceFilter(choices=RunKind.choices, label=_("Kind"))
    period = django_filters.CharFilter(field_name="period", lookup_expr="startswith", label=_("Period"))
    status = django_filters.ChoiceFilter(choices=Lifecycle.choices, label=_("Status"))

    class Meta:
        model = SettlementRun
        fields = ["region", "kind", "period", "status"]


class CaseResultFilter(django_filters.FilterSet):
    hospital = django_filters.CharFilter(field_name="hospital__code", label=_("Hospital code"))
    case_type = django_filters.ChoiceFilter(choices=CaseType.choices, label=_("Case type"))
    drg = django_filters.CharFilter(field_name="drg_code", lookup_expr="istartswith", label=_("DRG"))
    settlement_id = django_filters.CharFilter(field_name="settlement_id", label=_("Settlement id"))

    class Meta:
        model = CaseResult
        fields = ["hospital", "case_type", "drg", "settlement_id"]
