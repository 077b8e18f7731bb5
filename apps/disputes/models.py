"""Disputes (争议处理, workflows.md §3): a hospital's formal objection to a grouping, settlement result,
coefficient, application decision or group's base points, handled on working-day deadlines.

The disputed object is named by `subject_ref` as the API receives it (settlement id, run id, hospital
code, application id, group code) and resolved once, on creation, to the foreign key it points at.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import ExpertAssignment, StoredFile

from .enums import DECIDING, ClosedReason, Outcome, Status, SubjectType


class Dispute(RegionScopedModel):
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    subject_type = models.CharField(_("subject"), max_length=12, choices=SubjectType.choices)
    subject_ref = models.CharField(_("subject reference"), max_length=60, blank=True)
    # no SQL foreign key into the region-partitioned cases_case (decision 0044); Django keeps PROTECT
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("case"), db_constraint=False)
    run = models.ForeignKey("settlement.SettlementRun", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+", verbose_name=_("settlement run"))
    coefficient_version = models.ForeignKey("settlement.CoefficientVersion", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+", verbose_name=_("coefficient version"))
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("application"))
    group_code = models.CharField(_("group"), max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    subject_published_at = models.DateField(_("subject published on"), null=True, blank=True)
    window_ends = models.DateField(_("last day to raise"), null=True, blank=True)
    claim = models.TextField(_("claim"))
    requested_outcome = models.TextField(_("requested outcome"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accept_due = models.DateField(_("acceptance due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    adjustment = models.JSONField(_("adjustment"), null=True, blank=True)
    decision_round = models.PositiveSmallIntegerField(_("decision round"), default=0)
    first_decision = models.JSONField(_("first decision"), null=True, blank=True,
                                      help_text="outcome, reason, adjustment and date of the decision appealed")
    appeal_due = models.DateField(_("appeal due"), null=True, blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_reason = models.TextField(_("appeal reason"), blank=True)
    not_accept_reason = models.TextField(_("reason for not accepting"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_reason = models.CharField(_("closed because"), max_length=16, choices=ClosedReason.choices, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False, help_text="set by the daily sweep")
    letter_number = models.CharField(_("decision letter number"), max_length=40, blank=True)
    letter_seq = models.PositiveIntegerField(null=True, blank=True)
    letter_year = models.PositiveSmallIntegerField(null=True, blank=True)
    letter_path = models.CharField(max_length=200, blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "letter_year", "letter_seq"], name="uniq_dispute_letter_number",
                                    condition=models.Q(letter_seq__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["region", "status", "-created_at"], name="dispute_region_status"),
            models.Index(fields=["region", "-created_at"], name="dispute_region_created"),
            models.Index(fields=["hospital", "status"], name="dispute_hospital_status"),
        ]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_subject_type_display()}"

    @property
    def current_due(self):
        """The deadline running now: acceptance while submitted, decision while being decided."""
        if self.status == Status.SUBMITTED:
            return self.accept_due
        if self.status in DECIDING:
            return self.decision_due
        return None

    @property
    def is_overdue(self) -> bool:
        due = self.current_due
        return due is not None and due < timezone.localdate()

    @property
    def can_appeal(self) -> bool:
        return (self.status == Status.DECIDED and self.decision_round == 1 and self.appeal_due is not None
                and timezone.localdate() <= self.appeal_due)

    @property
    def subject_label(self) -> str:
        if self.subject_type == SubjectType.CASE and self.case_id:
            return self.case.settlement_id
        if self.subject_type == SubjectType.SETTLEMENT and self.run_id:
            return str(self.run)
        if self.subject_type == SubjectType.COEFFICIENT:
            return f"{self.hospital.code} · {self.year}"
        if self.subject_type == SubjectType.APPLICATION and self.application_id:
            return f"#{self.application_id}"
        if self.subject_type == SubjectType.GROUP:
            return f"{self.group_code} · {self.year}"
        return self.subject_ref or "—"


class Assignment(ExpertAssignment):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="assignments")

    class Meta(ExpertAssignment.Meta):
        constraints = [models.UniqueConstraint(fields=["dispute", "expert"], name="uniq_dispute_assignment")]
        verbose_name = _("dispute expert assignment")
        verbose_name_plural = _("dispute expert assignments")

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.expert}"


class Opinion(RegionScopedModel):
    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="opinion")
    suggestion = models.CharField(_("suggested outcome"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("opinion"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("dispute expert opinion")
        verbose_name_plural = _("dispute expert opinions")

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.suggestion}"


class Comment(RegionScopedModel):
    """A remark at any step, by anyone acting on the dispute; `step` is the status when it was written."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    step = models.CharField(_("step"), max_length=12, choices=Status.choices)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispute comment")
        verbose_name_plural = _("dispute comments")

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.text[:30]}"


class Attachment(StoredFile):
    """A file under PRIVATE_MEDIA_ROOT/disputes with a random name; served only through a scoped view."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    step = models.CharField(_("step"), max_length=12, choices=Status.choices)

    class Meta(StoredFile.Meta):
        verbose_name = _("dispute attachment")
        verbose_name_plural = _("dispute attachments")
