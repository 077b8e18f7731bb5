"""In-portal notifications (站内消息): one row per recipient, also e-mailed when the user has an address."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import TranslatedTitleBody
from apps.core.scoping import RegionScopedModel


class Notification(RegionScopedModel, TranslatedTitleBody):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=50, blank=True, help_text="what happened, e.g. application.submitted")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # The same title and message in every portal language, when the sender gave them translatable (`notify`
    # with a callable): each reader sees their own language; `title`/`body` keep the sender's language.
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed = models.BooleanField(_("e-mailed"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
