from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    """Dispute handling (workflows.md §3)."""

    name = "apps.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import BUREAU, HOSPITAL, READERS, NavItem
        from apps.tenants.enums import Role

        from . import views

        navigation.register(NavItem("disputes:list", _("Disputes"), READERS | HOSPITAL, 65))
        navigation.register(NavItem("disputes:assignments", _("My dispute reviews"), frozenset({Role.EXPERT}), 66))
        navigation.register(NavItem("disputes:stats", _("Dispute statistics"), READERS, 67))
        register_widget("disputes_bureau", BUREAU, "disputes/widgets/bureau.html", views.bureau_widget, 27)
        register_widget("disputes_hospital", HOSPITAL, "disputes/widgets/hospital.html", views.hospital_widget, 27)
        register_widget("disputes_expert", {Role.EXPERT}, "disputes/widgets/expert.html", views.expert_widget, 27)
