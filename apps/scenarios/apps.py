from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenariosConfig(AppConfig):
    name = "apps.scenarios"
    label = "scenarios"
    verbose_name = _("What-if scenarios")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.navigation import NavItem
        from apps.tenants.enums import REGION_WIDE_READ_ROLES

        navigation.register(NavItem("scenarios:list", _("What-if scenarios"), frozenset(REGION_WIDE_READ_ROLES), 52))
