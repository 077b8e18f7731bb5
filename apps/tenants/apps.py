from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = _("Regions and users")

    def ready(self) -> None:
        from . import tokens  # noqa: F401 - connects the token rotation signals
