from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """Screening (监管, domain §11): rules, suspect items and their appeal loop."""

    name = "apps.screening"
    label = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from apps.cases import hooks as case_hooks
        from apps.core import navigation
        from apps.core.navigation import HOSPITAL, READERS, NavItem
        from apps.settlement import hooks as settlement_hooks
        from apps.tenants.enums import Role

        from . import hooks, selectors

        case_hooks.register(case_hooks.AFTER_IMPORT, hooks.after_import)
        case_hooks.register(case_hooks.AFTER_GROUPING, hooks.after_grouping)
        settlement_hooks.provide("deductions_sql", selectors.confirmed_deductions_sql)
        settlement_hooks.provide("deduction_line", selectors.deduction_line)

        navigation.register(NavItem("screening:list", _("Screening"), READERS | HOSPITAL, 68))
        navigation.register(NavItem("screening:opinions", _("My screening opinions"), frozenset({Role.EXPERT}), 69))
        navigation.register(NavItem("screening:stats", _("Screening statistics"), READERS, 70))
