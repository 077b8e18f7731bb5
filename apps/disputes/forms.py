from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import Outcome, SubjectType

APP_OUTCOMES = (("approve", _("Approve")), ("partial", _("Partially approve")), ("reject", _("Reject")))


class DisputeForm(forms.Form):
    subject_type = forms.ChoiceField(label=_("Subject"), choices=SubjectType.choices)
    subject_ref = forms.CharField(label=_("Subject reference"), max_length=60, required=False,
                                  help_text=_("settlement id, run id, hospital code, application id or group code"))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    claim = forms.CharField(label=_("Claim (facts and grounds)"), widget=forms.Textarea(attrs={"rows": 5}))
    requested_outcome = forms.CharField(label=_("Requested outcome"), widget=forms.Textarea(attrs={"rows": 2}),
                                        required=False)
    # optional here: the service decides when evidence is required (a case in no published run)
    evidence = forms.FileField(label=_("Evidence (PDF, JPEG or PNG, at most 10 MB)"), required=False,
                               help_text=_("Required for a case that is in no published settlement run."))


class EditForm(forms.Form):
    claim = forms.CharField(label=_("Claim (facts and grounds)"), widget=forms.Textarea(attrs={"rows": 5}))
    requested_outcome = forms.CharField(label=_("Requested outcome"), widget=forms.Textarea(attrs={"rows": 2}),
                                        required=False)


class OpinionForm(forms.Form):
    suggestion = forms.ChoiceField(label=_("Suggested outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 4}))


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    drg_code = forms.CharField(label=_("New group (DRG code)"), max_length=10, required=False)
    coefficient = forms.DecimalField(label=_("New coefficient"), max_digits=8, decimal_places=4, min_value=0,
                                     required=False)
    app_outcome = forms.ChoiceField(label=_("New application outcome"), choices=(("", "—"), *APP_OUTCOMES),
                                    required=False)
    unreasonable_cost = forms.DecimalField(label=_("Unreasonable cost (yuan)"), max_digits=12, decimal_places=2,
                                           min_value=0, required=False)
    adjustment_text = forms.CharField(label=_("Adjustment"), widget=forms.Textarea(attrs={"rows": 2}),
                                      required=False)

    def __init__(self, *args, subject_type: str = SubjectType.OTHER, **kwargs):
        super().__init__(*args, **kwargs)
        keep = {SubjectType.CASE: ["drg_code"], SubjectType.COEFFICIENT: ["coefficient"],
                SubjectType.APPLICATION: ["app_outcome", "unreasonable_cost"]}.get(subject_type, ["adjustment_text"])
        for name in ("drg_code", "coefficient", "app_outcome", "unreasonable_cost", "adjustment_text"):
            if name not in keep:
                del self.fields[name]
        self.subject_type = subject_type

    def adjustment(self):
        data = self.cleaned_data
        if "drg_code" in self.fields:
            return {"drg_code": data.get("drg_code") or ""}
        if "coefficient" in self.fields:
            value = data.get("coefficient")
            return {"coefficient": str(value) if value is not None else ""}
        if "app_outcome" in self.fields:
            cost = data.get("unreasonable_cost")
            return {"outcome": data.get("app_outcome") or "", "unreasonable_cost": str(cost) if cost is not None else None}
        return data.get("adjustment_text") or ""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"))
