from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly pre-settlement")
    ANNUAL = "annual", _("Annual clearing")
    SIMULATION = "simulation", _("Simulation")


class CaseType(models.TextChoices):
    """Case classification of domain.md §4, in the order it is decided."""

    INCENTIVE = "incentive", _("Incentive case")
    SPECIAL = "special", _("Special case")
    UNGROUPED = "ungrouped", _("Ungrouped")
    UNSTABLE = "unstable", _("Unstable group")
    LOW = "low", _("Low-ratio case")
    HIGH = "high", _("High-ratio case")
    NORMAL = "normal", _("Normal case")


# Types paid by the case's own cost: never multiplied by the hospital coefficient (domain §4).
COST_BASED_TYPES = frozenset({CaseType.INCENTIVE, CaseType.SPECIAL, CaseType.UNGROUPED, CaseType.UNSTABLE, CaseType.LOW})
