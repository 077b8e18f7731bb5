"""Case applications (workflows §2): incentive, special case, bilateral and multi-site surgery.

An application belongs to one case and one hospital (denormalised from the case for the cap and the
hospital's lists); experts are assigned, give opinions, and the bureau administrator decides. The
settlement engine reads approved applications through `adjustments.approved_adjustments_sql`.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import ExpertAssignment, StoredFile

from .enums import (
    ApplicationType,
    AttachmentKind,
    CapKind,
    Outcome,
    Status,
    Verdict,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class ExpertProfile(RegionScopedModel):
    """A member of the region's expert pool; the affiliated hospital is never reviewed by them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profiles",
                             verbose_name=_("expert"))
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("affiliated hospital"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region", "user__username"]
        constraints = [models.UniqueConstraint(fields=["region", "user"], name="uniq_expert_region_user")]
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert pool")

    def __str__(self) -> str:
        return str(self.user)


class Application(RegionScopedModel):
    # cases_case is partitioned by region: `id` alone is no unique SQL target (decision 0044); Django keeps PROTECT
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="applications", verbose_name=_("case"),
                             db_constraint=False)
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    type = models.CharField(_("type"), max_length=20, choices=ApplicationType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    reason = models.TextField(_("reason for the application"))
    secondary_drg_code = models.CharField(_("secondary surgery group"), max_length=10, blank=True,
                                          help_text=_("multi-site surgery: the DRG of the secondary procedure"))
    secondary_group = models.CharField(_("secondary group without CC/MCC"), max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("discharge year"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    unreasonable_cost = models.DecimalField(_("unreasonable cost"), null=True, blank=True,
                                            validators=[MinValueValidator(0)], **MONEY)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    return_reason = models.TextField(_("return reason"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=~models.Q(status__in=["rejected", "withdrawn"]),
                                    name="uniq_active_application_per_case"),
            models.CheckConstraint(condition=models.Q(unreasonable_cost__isnull=True) | models.Q(unreasonable_cost__gte=0),
                                   name="application_unreasonable_cost_ge_0"),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="application_region_status"),
            models.Index(fields=["hospital", "year", "type", "status"], name="application_cap"),
            models.Index(fields=["case"], condition=models.Q(status="approved"), name="application_approved"),
        ]
        verbose_name = _("case application")
        verbose_name_plural = _("case applications")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_type_display()}"

    @property
    def is_overdue(self) -> bool:
        """Expert review past its due date (the bureau's queue highlights these)."""
        return (self.status == Status.UNDER_REVIEW and self.review_due is not None
                and self.review_due < timezone.localdate())

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN)


class Assignment(ExpertAssignment):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta(ExpertAssignment.Meta):
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="uniq_assignment_expert")]
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.expert}"


class Opinion(RegionScopedModel):
    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="opinion")
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    unreasonable_cost = models.DecimalField(_("unreasonable cost"), default=0, validators=[MinValueValidator(0)],
                                            **MONEY)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(unreasonable_cost__gte=0),
                                              name="opinion_unreasonable_cost_ge_0")]
        verbose_name = _("expert opinion")
        verbose_name_plural = _("expert opinions")

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.verdict}"


class Attachment(StoredFile):
    """A file under PRIVATE_MEDIA_ROOT/applications with a random name; served only through a scoped view."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=30, choices=AttachmentKind.choices)
    stored_name = models.CharField(max_length=100, help_text="file name under PRIVATE_MEDIA_ROOT/applications")

    class Meta(StoredFile.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    @property
    def neutral_name(self) -> str:
        """The name shown to experts: an uploaded file name may carry a patient's name."""
        ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(self.content_type, "")
        return f"{self.kind}-{self.pk}{ext}"


class CapLock(RegionScopedModel):
    """One row per (hospital, year, cap kind), locked with SELECT … FOR UPDATE before counting the cap,
    so two concurrent submissions cannot both take the last place (domain §6)."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=CapKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "year", "kind"], name="uniq_caplock")]

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.year} {self.kind}"
