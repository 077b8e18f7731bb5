from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "apps.groups"
    label = "groups"
    verbose_name = _("Group catalogue and statistics")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.navigation import ALL, NavItem

        navigation.register(NavItem("groups:catalogue_list", _("Group catalogue"), ALL, 40))
        navigation.register(NavItem("groups:stats_index", _("Group statistics"), ALL, 41))
