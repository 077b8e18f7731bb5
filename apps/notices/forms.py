"""The draft form of the bureau: text fields and the addressee picker (all / levels / chosen hospitals)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.hospitals.enums import Level

from .enums import NoticeType


class NoticeForm(forms.Form):
    type = forms.ChoiceField(label=pgettext_lazy("notice", "Type"), choices=NoticeType.choices)
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))
    doc_number = forms.CharField(label=_("Document number"), max_length=60, required=False,
                                 help_text=_("Left empty, a number is assigned at publication, e.g. 宣医保发〔2026〕3号."))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    body = forms.CharField(label=_("Body"), required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
                           help_text=_("One paragraph per line."))
    mode = forms.ChoiceField(label=_("Addressees"), widget=forms.RadioSelect, initial="all",
                             choices=[("all", _("All hospitals of the region")), ("levels", _("Hospitals of levels")),
                                      ("hospitals", _("Chosen hospitals"))])
    levels = forms.TypedMultipleChoiceField(label=_("Levels"), choices=Level.choices, coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    hospitals = forms.MultipleChoiceField(label=_("Hospitals"), required=False, widget=forms.CheckboxSelectMultiple)
    objection_days = forms.IntegerField(label=_("Objection period (working days)"), required=False, min_value=0,
                                        max_value=60, help_text=_("Coefficient notices default to the policy year's period."))

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospitals"].choices = [(h.code, f"{h.code} {h.name}") for h in hospitals]

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "levels" and not data.get("levels"):
            self.add_error("levels", _("Choose at least one level."))
        if mode == "hospitals" and not data.get("hospitals"):
            self.add_error("hospitals", _("Choose at least one hospital."))
        return data

    def notice_fields(self) -> dict:
        data = self.cleaned_data
        mode = data["mode"]
        addressees = {"all": True} if mode == "all" else (
            {"levels": data["levels"]} if mode == "levels" else {"hospitals": data["hospitals"]})
        return {"type": data["type"], "title": data["title"], "doc_number": data.get("doc_number") or "",
                "body": data.get("body") or "", "addressees": addressees, "objection_days": data.get("objection_days"),
                "year": data.get("year")}

    @staticmethod
    def initial_from(notice) -> dict:
        a = notice.addressees or {}
        mode = "hospitals" if a.get("hospitals") else ("levels" if a.get("levels") else "all")
        return {"type": notice.type, "title": notice.title, "doc_number": notice.doc_number, "year": notice.year,
                "body": notice.body, "mode": mode, "levels": a.get("levels") or [], "hospitals": a.get("hospitals") or [],
                "objection_days": notice.objection_days}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
