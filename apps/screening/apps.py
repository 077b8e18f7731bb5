from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """Screening (监管, domain §11): rules, suspect items and their appeal loop."""

    name = "apps.screening"
    label = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.navigation import HOSPITAL, READERS, NavItem
        from apps.tenants.enums import Role

        navigation.register(NavItem("screening:list", _("Screening"), READERS | HOSPITAL, 68))
        navigation.register(NavItem("screening:opinions", _("My screening opinions"), frozenset({Role.EXPERT}), 69))
        navigation.register(NavItem("screening:stats", _("Screening statistics"), READERS, 70))
