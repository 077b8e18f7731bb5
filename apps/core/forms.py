"""Forms of the core screens: audit-trail filters and the working-day calendar."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    """Filters of the audit trail; the choices are what the user's visible events contain."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, actions=(), object_types=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["action"].choices = everything + [(a, a) for a in actions]
        self.fields["object_type"].choices = everything + [(t, t) for t in object_types]
        self.fields["region"].choices = everything + [(r.code, f"{r.name} {r.code}") for r in regions]
        if len(regions) < 2:
            del self.fields["region"]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        return data


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=50,
                           help_text=_("For example 春节 or 国庆节调休上班."))


class WorkingDaysForm(forms.Form):
    """The deadline calculator: N working days after a date, on this region's calendar."""

    start = forms.DateField(label=_("Start date"), widget=DateInput)
    days = forms.IntegerField(label=_("Working days"), min_value=0, max_value=366)
