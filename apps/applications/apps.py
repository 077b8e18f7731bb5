from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _case_applications(request, case) -> dict:
    """The case page's applications (apps.cases.hooks.CASE_LINKS), through this app's visibility rule."""
    from .selectors import visible_applications

    return {"case_applications": list(visible_applications(request.user).filter(case=case).order_by("-created_at"))}


class ApplicationsConfig(AppConfig):
    name = "apps.applications"
    label = "applications"
    verbose_name = _("Case applications")

    def ready(self) -> None:
        from apps.cases import hooks as case_hooks
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import BUREAU, HOSPITAL, READERS, NavItem
        from apps.settlement import hooks as settlement_hooks
        from apps.tenants.enums import Role
        from apps.tenants.services import MEMBERSHIP_ADDED_HOOKS

        from . import services, views
        from .adjustments import approved_adjustments_sql

        case_hooks.register(case_hooks.CASE_LINKS, _case_applications)
        settlement_hooks.provide("adjustments_sql", approved_adjustments_sql)

        if services.enlist_expert not in MEMBERSHIP_ADDED_HOOKS:
            MEMBERSHIP_ADDED_HOOKS.append(services.enlist_expert)

        navigation.register(NavItem("applications:list", _("Case applications"), READERS | HOSPITAL, 60))
        navigation.register(NavItem("applications:assignments", _("My expert reviews"), frozenset({Role.EXPERT}), 61))
        navigation.register(NavItem("applications:experts", _("Expert pool"), READERS, 62))
        register_widget("applications_bureau", BUREAU, "applications/widgets/bureau.html", views.bureau_widget, 25, cached=True)
        register_widget("applications_expert", {Role.EXPERT}, "applications/widgets/expert.html",
                        views.expert_widget, 25, cached=True)
        register_widget("applications_hospital", HOSPITAL, "applications/widgets/hospital.html",
                        views.hospital_widget, 25, cached=True)
