from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Training courses, sessions and certificates (workflows.md §5)."""

    name = "apps.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        pass
