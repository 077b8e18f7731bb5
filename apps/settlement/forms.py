"""Forms of the settlement screens. Validation of shape only; the services enforce roles and rules."""
from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.tenants.models import Region

from .enums import RunKind

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
YEAR = re.compile(r"^20\d\d$")


def period_error(kind: str, period: str) -> str | None:
    """Why a period does not fit the kind (monthly: YYYY-MM, annual: YYYY, simulation: either), or None."""
    if kind == RunKind.MONTHLY and not MONTH.match(period):
        return str(_("A monthly run needs a month, e.g. 2025-03."))
    if kind == RunKind.ANNUAL and not YEAR.match(period):
        return str(_("An annual run needs a year, e.g. 2025."))
    if kind == RunKind.SIMULATION and not (MONTH.match(period) or YEAR.match(period)):
        return str(_("A simulation needs a month (2025-03) or a year (2025)."))
    return None


class RegionChoiceMixin:
    """Limit the region field to the regions the user may act in."""

    def set_regions(self, regions) -> None:
        field = self.fields["region"]
        field.queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("code")
        if len(regions) == 1:
            field.initial = regions[0].pk


class RunStartForm(RegionChoiceMixin, forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=RunKind.choices)
    period = forms.CharField(label=_("Period"), max_length=7, help_text=_("YYYY-MM for a month, YYYY for a year"))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_regions(list(regions))

    def clean(self):
        data = super().clean()
        kind, period = data.get("kind"), (data.get("period") or "").strip()
        if kind and period:
            error = period_error(kind, period)
            if error:
                self.add_error("period", error)
            data["period"] = period
        return data


class CoefficientComputeForm(RegionChoiceMixin, forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    year = forms.IntegerField(label=_("Payment year"), min_value=2000, max_value=2100)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_regions(list(regions))


class OverrideForm(forms.Form):
    value = forms.DecimalField(label=_("Coefficient"), max_digits=8, decimal_places=4, min_value=Decimal("0.0001"),
                               max_value=Decimal("9999.9999"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("A reason is required.")})

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason
