from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Notices and published documents (workflows.md §4)."""

    name = "apps.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        pass
