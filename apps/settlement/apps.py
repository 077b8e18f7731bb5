from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "apps.settlement"
    label = "settlement"
    verbose_name = _("Coefficients and settlement")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import HOSPITAL, READERS, NavItem
        from apps.tenants.roles import BUREAU_ROLES

        from .views import deadlines_widget, latest_run_widget

        navigation.register(NavItem("settlement:coefficients", _("Hospital coefficients"), READERS | HOSPITAL, 50))
        navigation.register(NavItem("settlement:run_list", _("Settlement runs"), READERS | HOSPITAL, 51))
        register_widget("settlement_latest_run", READERS | HOSPITAL, "settlement/widgets/latest_run.html",
                        latest_run_widget, order=20)
        navigation.register(NavItem("settlement:month_status", _("Monthly list declarations"), READERS | HOSPITAL, 52))
        register_widget("settlement_deadlines", BUREAU_ROLES,
                        "settlement/widgets/deadlines.html", deadlines_widget, order=21)
