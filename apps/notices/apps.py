from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Notices and published documents (workflows.md §4)."""

    name = "apps.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import BUREAU, HOSPITAL, READERS, NavItem
        from apps.settlement.services import RUN_SUPERSEDED_HOOKS

        from . import views
        from .generate import withdraw_superseded_statements

        if withdraw_superseded_statements not in RUN_SUPERSEDED_HOOKS:
            RUN_SUPERSEDED_HOOKS.append(withdraw_superseded_statements)

        navigation.register(NavItem("notices:list", _("Notices"), READERS, 70))
        navigation.register(NavItem("notices:inbox", _("Notice inbox"), HOSPITAL, 70))
        register_widget("notices_bureau", BUREAU, "notices/widgets/bureau.html", views.bureau_widget, 40, cached=True)
        register_widget("notices_hospital", HOSPITAL, "notices/widgets/hospital.html", views.hospital_widget, 20)
