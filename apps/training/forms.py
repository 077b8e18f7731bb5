from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.hospitals.enums import Level

from .enums import AUDIENCE_CHOICES, Category, Mode

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_value=200, decimal_places=1)
    audience = forms.MultipleChoiceField(label=_("Audience roles (none ticked: everyone)"), choices=AUDIENCE_CHOICES,
                                         required=False, widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class MaterialForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, PPTX, DOCX, XLSX, PNG or JPEG, at most 20 MB)"))


class SessionForm(forms.Form):
    course = forms.ChoiceField(label=_("Course"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    venue = forms.CharField(label=_("Venue or link"), max_length=300, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    enrol_deadline = forms.DateTimeField(label=_("Enrolment deadline"), widget=DATETIME,
                                         input_formats=DATETIME_FORMATS)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10000)
    pass_mark = forms.DecimalField(label=_("Pass mark"), min_value=0, max_value=100, decimal_places=1, initial=60)
    trainer = forms.ChoiceField(label=_("Trainer"), required=False)

    def __init__(self, *args, courses=(), trainers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [(c.pk, f"{c.title}（{c.get_category_display()}）") for c in courses]
        self.fields["trainer"].choices = [("", "—")] + [(u.pk, u.name or u.username) for u in trainers]


class PublishForm(forms.Form):
    send_notice = forms.BooleanField(label=_("Send a training notice to the hospitals"), required=False,
                                     initial=True)
    levels = forms.MultipleChoiceField(label=_("Only hospitals of level (none ticked: all hospitals)"),
                                       choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
