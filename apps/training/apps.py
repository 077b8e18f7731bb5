from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Training courses, sessions and certificates (workflows.md §5)."""

    name = "apps.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import BUREAU, HOSPITAL, READERS, NavItem
        from apps.tenants.enums import Role

        from . import views

        participants = HOSPITAL | {Role.EXPERT}
        navigation.register(NavItem("training:session_list", _("Training"), READERS, 70))
        navigation.register(NavItem("training:coverage", _("Training coverage"), READERS, 71))
        navigation.register(NavItem("training:browse", _("Training"), frozenset(participants), 70))
        navigation.register(NavItem("training:mine", _("My trainings"), frozenset(participants | BUREAU), 72))
        register_widget("training_bureau", BUREAU, "training/widgets/bureau.html", views.bureau_widget, 40, cached=True)
        register_widget("training_participant", participants, "training/widgets/participant.html",
                        views.participant_widget, 40, cached=True)
