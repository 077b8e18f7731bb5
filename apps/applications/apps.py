from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "apps.applications"
    label = "applications"
    verbose_name = _("Case applications")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import BUREAU, HOSPITAL, READERS, NavItem
        from apps.tenants.enums import Role
        from apps.tenants.services import MEMBERSHIP_ADDED_HOOKS

        from . import services, views

        if services.enlist_expert not in MEMBERSHIP_ADDED_HOOKS:
            MEMBERSHIP_ADDED_HOOKS.append(services.enlist_expert)

        navigation.register(NavItem("applications:list", _("Case applications"), READERS | HOSPITAL, 60))
        navigation.register(NavItem("applications:assignments", _("My expert reviews"), frozenset({Role.EXPERT}), 61))
        navigation.register(NavItem("applications:experts", _("Expert pool"), READERS, 62))
        register_widget("applications_bureau", BUREAU, "applications/widgets/bureau.html", views.bureau_widget, 25)
        register_widget("applications_expert", {Role.EXPERT}, "applications/widgets/expert.html",
                        views.expert_widget, 25)
        register_widget("applications_hospital", HOSPITAL, "applications/widgets/hospital.html",
                        views.hospital_widget, 25)
