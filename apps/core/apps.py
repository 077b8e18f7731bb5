from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from apps.tenants.roles import REGION_ADMINS

        from . import navigation, security  # noqa: F401 - security connects the database-outage signal

        navigation.register(navigation.NavItem("core:lockout_list", _("Locked-out accounts"),
                                               REGION_ADMINS, 92))
