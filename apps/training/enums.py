from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenants.roles import TRAINING_AUDIENCE


class Category(models.TextChoices):
    POLICY = "policy", _("Payment policy")
    CODING = "coding", _("Medical coding")
    GROUPING = "grouping", _("DRG/DIP grouping")
    SETTLEMENT_LIST = "settlement_list", _("Settlement list quality")
    SYSTEM_USE = "system_use", _("System use")


class Mode(models.TextChoices):
    ONLINE = "online", _("Online")
    VENUE = "venue", _("On site")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Open for enrolment")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class EnrollmentStatus(models.TextChoices):
    """The state names of interfaces.md §3 (training)."""

    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


# Roles a course can be addressed to (the audience); an empty audience means every one of them.
AUDIENCE_ROLES = TRAINING_AUDIENCE  # the group is apps/tenants/roles.py
AUDIENCE_CHOICES = [(r.value, r.label) for r in AUDIENCE_ROLES]
# An enrolment that holds a seat (counts against the capacity).
SEATED = (EnrollmentStatus.ENROLLED, EnrollmentStatus.ATTENDED, EnrollmentStatus.ABSENT)
ACTIVE = (*SEATED, EnrollmentStatus.WAITLISTED)
