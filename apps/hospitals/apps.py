from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    name = "apps.hospitals"
    label = "hospitals"
    verbose_name = _("Hospitals")
