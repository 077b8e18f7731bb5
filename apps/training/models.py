"""Training courses, sessions and certificates (workflows.md §5).

A course (category, audience roles, hours, materials) is given in sessions (online or on site, time,
capacity, enrolment deadline, pass mark). An enrolment holds a seat or a waitlist place; the bureau marks
attendance and enters the exam score; a pass (attended and score ≥ pass mark) earns a PDF certificate with
a public verification code. Every table carries `region` (scoped manager).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import StoredFile
from apps.tenants.enums import Role

from .enums import ACTIVE, AUDIENCE_CHOICES, Category, EnrollmentStatus, Mode, SessionStatus

SCORE = {"max_digits": 5, "decimal_places": 1,
         "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


class Course(RegionScopedModel):
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    audience = ArrayField(models.CharField(max_length=32, choices=AUDIENCE_CHOICES), default=list, blank=True,
                          verbose_name=_("audience roles"), help_text=_("empty: everyone in the region"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("200"))])
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region", "category", "title"]
        constraints = [models.UniqueConstraint(fields=["region", "title"], name="uniq_course_region_title")]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    @property
    def hours_text(self) -> str:
        """3 rather than 3.0; 1.5 stays."""
        return format(self.hours.normalize(), "f") if self.hours == self.hours.to_integral() else str(self.hours)

    @property
    def audience_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.audience if r in Role.values]


class Material(StoredFile):
    """A course file under PRIVATE_MEDIA_ROOT/training with a random name; served only through a scoped view."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    content_type = models.CharField(_("content type"), max_length=100)  # Office types are longer

    class Meta(StoredFile.Meta):
        verbose_name = _("course material")
        verbose_name_plural = _("course materials")


class Session(RegionScopedModel):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.VENUE)
    venue = models.CharField(_("venue or link"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    enrol_deadline = models.DateTimeField(_("enrolment deadline"))
    pass_mark = models.DecimalField(_("pass mark"), default=60, **SCORE)
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("trainer"),
                                help_text=_("an expert or bureau member who may mark attendance and scores"))
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    notice_id = models.PositiveIntegerField(_("training notice"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="session_capacity_ge_1"),
        ]
        indexes = [models.Index(fields=["region", "status", "starts_at"], name="training_session_region")]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.course.title} {self.starts_at:%Y-%m-%d}"


class Enrollment(RegionScopedModel):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrollments",
                                verbose_name=_("session"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("participant"))
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("hospital"))
    role = models.CharField(_("role"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=EnrollmentStatus.choices,
                              default=EnrollmentStatus.ENROLLED)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    score = models.DecimalField(_("score"), null=True, blank=True, **SCORE)
    passed = models.BooleanField(_("passed"), default=False)
    certificate_number = models.CharField(_("certificate number"), max_length=30, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=16, blank=True)
    certificate_issued_at = models.DateTimeField(_("certificate issued at"), null=True, blank=True)
    certificate_path = models.CharField(max_length=200, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "status", "waitlist_position", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], condition=models.Q(status__in=list(ACTIVE)),
                                    name="uniq_active_enrollment"),
            models.UniqueConstraint(fields=["verification_code"], condition=~models.Q(verification_code=""),
                                    name="uniq_training_verification_code"),
            models.CheckConstraint(condition=~models.Q(passed=True) | models.Q(status=EnrollmentStatus.ATTENDED,
                                                                              score__isnull=False),
                                   name="enrollment_passed_needs_attendance"),
        ]
        indexes = [
            models.Index(fields=["region", "user", "passed"], name="training_enrol_user"),
            models.Index(fields=["session", "status"], name="training_enrol_session"),
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"{self.user} · {self.session}"

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role

    @property
    def has_certificate(self) -> bool:
        return bool(self.passed and self.certificate_number)
