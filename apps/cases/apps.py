from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CasesConfig(AppConfig):
    name = "apps.cases"
    label = "cases"
    verbose_name = _("Cases (settlement lists)")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.tenants.enums import Role

        readers = frozenset({Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF,
                             Role.AUDITOR, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF})
        uploaders = frozenset({Role.PLATFORM_ADMIN, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF})
        navigation.register(navigation.NavItem("cases:list", pgettext_lazy("menu", "Cases"), readers, 40))
        navigation.register(navigation.NavItem("cases:import_list", _("Case imports"), uploaders | {Role.AUDITOR}, 41))
        # the grouper screens (apps/groups/views_grouper.py), registered here next to the cases they group
        navigation.register(navigation.NavItem("groups:grouper", _("Pre-grouping"), navigation.ALL, 42))
        navigation.register(navigation.NavItem("groups:grouper_report", _("Grouper disagreement"), readers, 43))
        navigation.register(navigation.NavItem("groups:local_rules", _("Local grouping rules"),
                                               frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF}), 44))
        try:
            from apps.core.dashboard import register_widget
        except ImportError:  # older core without widgets
            return
        from .widgets import cases_overview_context

        register_widget("cases_overview", readers, "cases/widgets/overview.html", cases_overview_context, order=30)
