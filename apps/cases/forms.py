"""Forms of the cases screens."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.tenants.models import Region


class ImportUploadForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), empty_label=None)
    file = forms.FileField(label=_("Settlement-list file (CSV UTF-8 or XLSX)"))

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()
