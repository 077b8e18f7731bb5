from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _case_results(request, case) -> dict:
    """The case page's result in each published run (apps.cases.hooks.CASE_LINKS)."""
    from .selectors import case_published_results

    return {"results": list(case_published_results(case, include_superseded=True))}


class SettlementConfig(AppConfig):
    name = "apps.settlement"
    label = "settlement"
    verbose_name = _("Coefficients and settlement")

    def ready(self) -> None:
        from apps.cases import hooks as case_hooks
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import HOSPITAL, READERS, NavItem
        from apps.tenants.roles import BUREAU_ROLES

        from .selectors import cleared_years
        from .views import deadlines_widget, latest_run_widget

        case_hooks.register(case_hooks.CLEARED_YEARS, cleared_years)
        case_hooks.register(case_hooks.CASE_LINKS, _case_results)

        navigation.register(NavItem("settlement:coefficients", _("Hospital coefficients"), READERS | HOSPITAL, 50))
        navigation.register(NavItem("settlement:run_list", _("Settlement runs"), READERS | HOSPITAL, 51))
        register_widget("settlement_latest_run", READERS | HOSPITAL, "settlement/widgets/latest_run.html",
                        latest_run_widget, order=20, cached=True)
        navigation.register(NavItem("settlement:month_status", _("Monthly list declarations"), READERS | HOSPITAL, 52))
        register_widget("settlement_deadlines", BUREAU_ROLES,
                        "settlement/widgets/deadlines.html", deadlines_widget, order=21, cached=True)
