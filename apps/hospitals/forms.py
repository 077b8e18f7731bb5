"""Screen forms; they only collect input, the services validate and write."""
from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from .models import Hospital

MODEL_FIELDS = ["code", "name", "level", "grade", "type", "drg_enabled_from"]


class HospitalForm(forms.Form):
    """Create (with a region among those the user manages) or edit (with `active` and a required reason)."""

    def __init__(self, *args, regions: QuerySet | None = None, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"] = forms.ModelChoiceField(queryset=regions, label=_("Region"), empty_label=None)
            if regions.count() == 1:
                self.fields["region"].widget = forms.HiddenInput()
                self.fields["region"].initial = regions.first()
        self.fields.update(fields_for_model(Hospital, fields=MODEL_FIELDS))
        # the model's code pattern is not copied onto the form field by Django
        pattern = [v for v in Hospital._meta.get_field("code").validators if isinstance(v, RegexValidator)]
        self.fields["code"].validators = [*self.fields["code"].validators, *pattern]
        self.fields["drg_enabled_from"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["drg_enabled_from"].help_text = _("Empty = not paid by DRG/DIP.")
        if edit:
            self.fields["active"] = forms.BooleanField(label=_("Active"), required=False)
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Kept in the audit trail."),
            )

    def hospital_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("region", "reason")}


class ImportUploadForm(forms.Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Region"), empty_label=None)
    file = forms.FileField(label=_("Hospitals file"), help_text=_(
        "CSV (UTF-8) or XLSX with the columns code,name,level,grade,type,drg_enabled_from (Chinese headers accepted)."))

    def __init__(self, *args, regions: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if regions.count() == 1:
            self.fields["region"].widget = forms.HiddenInput()
            self.fields["region"].initial = regions.first()
