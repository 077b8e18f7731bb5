from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Indicators, rankings and reform coverage (domain.md §8)."""

    name = "apps.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from apps.core.dashboard import register_widget
        from apps.core.navigation import HOSPITAL, READERS, NavItem, register
        from apps.tenants.roles import BUREAU_AND_AUDITORS, SUPERVISORS

        from .widgets import monitoring_overview

        register(NavItem("monitoring:dashboard", _("Monitoring"), READERS | HOSPITAL, 70))
        register(NavItem("monitoring:rankings", _("Rankings (赛马)"), READERS | HOSPITAL, 71))
        register(NavItem("monitoring:pnl", _("Group profit and loss"), READERS | HOSPITAL, 73))
        register(NavItem("monitoring:quality", _("Data quality"), READERS | HOSPITAL, 74))
        register(NavItem("monitoring:compare", _("Province comparison"),
                         SUPERVISORS, 72))
        register_widget("monitoring_overview", BUREAU_AND_AUDITORS,
                        "monitoring/widgets/overview.html", monitoring_overview, 40, cached=True)
