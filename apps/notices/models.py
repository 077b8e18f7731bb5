"""Notices and published documents (workflows.md §4).

A notice is drafted by the bureau (free text, or pre-filled from a published coefficient version,
statistics, settlement run or application results), published once — the PDF is rendered, stored
with its SHA-256 and never changes — and delivered to the addressed hospitals (`NoticeRecipient`,
resolved at publish), whose users acknowledge receipt once per hospital (`Acknowledgement`).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import TranslatedTitleBody
from apps.core.scoping import RegionScopedModel

from .enums import NoticeStatus, NoticeType


class Notice(RegionScopedModel, TranslatedTitleBody):
    type = models.CharField(_("type"), max_length=20, choices=NoticeType.choices, default=NoticeType.GENERAL)
    status = models.CharField(_("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    # A generated notice's title and body in every portal language (decision 0043, like notifications' 0039):
    # each reader sees their own; `title`/`body` keep the official Chinese the PDF prints. Empty for texts a
    # clerk typed (every reader sees them as typed).
    doc_number = models.CharField(_("document number"), max_length=60, blank=True)
    body = models.TextField(_("body"), blank=True)
    blocks = models.JSONField(_("tables and sections"), default=list, blank=True)
    addressees = models.JSONField(_("addressees"), default=dict, blank=True,
                                  help_text='{"all": true} | {"levels": [1, 2]} | {"hospitals": ["H001"]}')
    objection_days = models.PositiveIntegerField(_("objection period (working days)"), null=True, blank=True)
    objection_ends = models.DateField(_("objection period ends"), null=True, blank=True)
    source_kind = models.CharField(_("source"), max_length=30, blank=True)
    source_id = models.PositiveIntegerField(_("source id"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    pdf_path = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    pdf_pages = models.PositiveIntegerField(null=True, blank=True)
    render_error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("final since"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes",
                                      verbose_name=_("superseded by"))
    replaces = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="revisions",
                                 verbose_name=_("replaces"), help_text=_("published notice this draft supersedes"))

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status", "type"], name="notice_region_status_type"),
            models.Index(fields=["region", "type", "year"], name="notice_region_type_year"),
            models.Index(fields=["objection_ends"], condition=models.Q(status="published"), name="notice_open_objection"),
        ]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == NoticeStatus.DRAFT

    @property
    def pdf_ready(self) -> bool:
        return bool(self.pdf_path and self.sha256)


class NoticeRecipient(RegionScopedModel):
    """One addressed hospital of a published notice (resolved from `addressees` at publish)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))

    class Meta:
        ordering = ["notice", "hospital__code"]
        constraints = [models.UniqueConstraint(fields=["notice", "hospital"], name="uniq_notice_recipient")]
        indexes = [models.Index(fields=["hospital", "notice"], name="notice_recipient_hospital")]
        verbose_name = _("addressed hospital")
        verbose_name_plural = _("addressed hospitals")

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.hospital_id}"


class Acknowledgement(RegionScopedModel):
    """签收: recorded once per notice and hospital (who, when)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="acknowledgements")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                             verbose_name=_("acknowledged by"))
    at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        ordering = ["notice", "at"]
        constraints = [models.UniqueConstraint(fields=["notice", "hospital"], name="uniq_notice_acknowledgement")]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")

    def __str__(self) -> str:
        return f"{self.notice_id} ✓ {self.hospital_id}"


class NoticeRead(RegionScopedModel):
    """First opening of a notice by a hospital user (the inbox's unread count)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="uniq_notice_read")]
