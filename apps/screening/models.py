"""Suspect items (疑点) found by the screening rules, with the evidence and the appeal loop's record.

One row per (region, rule, case): re-screening refreshes an open item's evidence and never touches an item
the hospital answered or the bureau decided (decision 0028).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import StoredFile

from .enums import RULE_ZH, Rule, Status, Suggestion


class ScreeningItem(RegionScopedModel):
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    # no SQL foreign keys into the region-partitioned cases_case (decision 0044); Django keeps on_delete
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"),
                             db_constraint=False)
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    related_case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("related case"), db_constraint=False)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    screened_at = models.DateTimeField(_("last screened at"), default=timezone.now)
    reply_due = models.DateField(_("reply due"))
    answer_text = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("expert"))
    expert_suggestion = models.CharField(_("expert suggestion"), max_length=10, choices=Suggestion.choices,
                                         blank=True)
    expert_opinion = models.TextField(_("expert opinion"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["region", "rule", "case"], name="uniq_screening_rule_case")]
        indexes = [
            models.Index(fields=["region", "year", "month", "rule"], name="screen_region_period"),
            models.Index(fields=["region", "status"], name="screen_region_status"),
            models.Index(fields=["hospital", "status"], name="screen_hospital_status"),
            models.Index(fields=["case", "status"], name="screen_case_status"),
        ]
        verbose_name = _("screening item")
        verbose_name_plural = _("screening items")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_rule_display()}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_overdue(self) -> bool:
        return self.status == Status.OPEN and self.reply_due < timezone.localdate()

    @property
    def deduction_line(self) -> str:
        return f"扣减：{RULE_ZH[self.rule]}，疑点 #{self.pk}"


class Attachment(StoredFile):
    """Evidence a hospital attaches to its answer: PDF/JPEG/PNG under PRIVATE_MEDIA_ROOT/screening."""

    item = models.ForeignKey(ScreeningItem, on_delete=models.CASCADE, related_name="attachments")

    class Meta(StoredFile.Meta):
        verbose_name = _("screening attachment")
        verbose_name_plural = _("screening attachments")
