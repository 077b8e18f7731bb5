from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CasesConfig(AppConfig):
    name = "apps.cases"
    label = "cases"
    verbose_name = _("Cases (settlement lists)")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.tenants.enums import Role
        from apps.tenants.roles import BUREAU_ROLES, CASE_READERS, UPLOADERS

        from .widgets import cases_overview_context

        readers, uploaders = CASE_READERS, UPLOADERS
        navigation.register(navigation.NavItem("cases:list", pgettext_lazy("menu", "Cases"), readers, 40))
        navigation.register(navigation.NavItem("cases:import_list", _("Case imports"), uploaders | {Role.AUDITOR}, 41))
        # the grouper screens (apps/cases/views_grouper.py), registered here next to the cases they group
        navigation.register(navigation.NavItem("grouper:page", _("Pre-grouping"), navigation.ALL, 42))
        navigation.register(navigation.NavItem("grouper:report", _("Grouper disagreement"), readers, 43))
        navigation.register(navigation.NavItem("grouper:local_rules", _("Local grouping rules"),
                                               BUREAU_ROLES, 44))
        register_widget("cases_overview", readers, "cases/widgets/overview.html", cases_overview_context, order=30,
                        cached=True)
