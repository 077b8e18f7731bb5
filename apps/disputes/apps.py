from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _case_disputes(request, case) -> dict:
    """The case page's disputes (apps.cases.hooks.CASE_LINKS), through this app's visibility rule."""
    from .selectors import visible_disputes

    return {"case_disputes": list(visible_disputes(request.user).filter(case=case).order_by("-created_at"))}


class DisputesConfig(AppConfig):
    """Dispute handling (workflows.md §3)."""

    name = "apps.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from apps.cases import hooks as case_hooks
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import BUREAU, HOSPITAL, READERS, NavItem
        from apps.tenants.enums import Role

        from . import views

        case_hooks.register(case_hooks.CASE_LINKS, _case_disputes)

        navigation.register(NavItem("disputes:list", _("Disputes"), READERS | HOSPITAL, 65))
        navigation.register(NavItem("disputes:assignments", _("My dispute reviews"), frozenset({Role.EXPERT}), 66))
        navigation.register(NavItem("disputes:stats", _("Dispute statistics"), READERS, 67))
        register_widget("disputes_bureau", BUREAU, "disputes/widgets/bureau.html", views.bureau_widget, 27, cached=True)
        register_widget("disputes_hospital", HOSPITAL, "disputes/widgets/hospital.html", views.hospital_widget, 27,
                        cached=True)
        register_widget("disputes_expert", {Role.EXPERT}, "disputes/widgets/expert.html", views.expert_widget, 27, cached=True)
