from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.dashboard import register_widget
        from apps.core.navigation import ALL, NavItem
        from apps.core.workflow import NOTIFIERS

        from .services import notify
        from .views import unread_widget

        if notify not in NOTIFIERS:  # core's workflow.tell delivers through it
            NOTIFIERS.append(notify)

        navigation.register(NavItem("notifications:inbox", _("Inbox"), ALL, 5))
        register_widget("notifications_unread", ALL, "notifications/widgets/unread.html", unread_widget, order=3)
