from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    """Dispute handling (workflows.md §3)."""

    name = "apps.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        pass
