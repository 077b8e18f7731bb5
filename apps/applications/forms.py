from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .enums import ApplicationType, AttachmentKind, Outcome, Verdict


class ApplicationForm(forms.Form):
    type = forms.ChoiceField(label=pgettext_lazy("application", "Type"), choices=ApplicationType.choices)
    reason = forms.CharField(label=_("Reason for the application"), widget=forms.Textarea(attrs={"rows": 4}))
    secondary_drg_code = forms.CharField(label=_("Secondary surgery group (multi-site only)"), max_length=10,
                                         required=False)


class EditForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the application"), widget=forms.Textarea(attrs={"rows": 4}))
    secondary_drg_code = forms.CharField(label=_("Secondary surgery group (multi-site only)"), max_length=10,
                                         required=False)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class OpinionForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices, widget=forms.RadioSelect)
    unreasonable_cost = forms.DecimalField(label=_("Unreasonable cost (yuan)"), max_digits=12, decimal_places=2,
                                           min_value=0, initial=0)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    unreasonable_cost = forms.DecimalField(label=_("Unreasonable cost (yuan, partial approval)"), max_digits=12,
                                           decimal_places=2, min_value=0, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ExpertProfileForm(forms.Form):
    user = forms.ChoiceField(label=_("Expert"))
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    hospital = forms.ChoiceField(label=_("Affiliated hospital"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, users=(), hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, f"{u} ({u.username})") for u in users]
        self.fields["hospital"].choices = [("", "—")] + [(h.pk, str(h)) for h in hospitals]
