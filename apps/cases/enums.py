"""Choices of the settlement list (医保结算清单) and of case imports."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class InsuranceType(models.TextChoices):
    EMPLOYEE = "310", _("Employee (职工)")
    RESIDENT = "390", _("Resident (居民)")


class Gender(models.IntegerChoices):
    MALE = 1, _("male")
    FEMALE = 2, _("female")


class DischargeMethod(models.TextChoices):
    ORDERED = "1", _("discharged on doctor's order")
    TRANSFER_HOSPITAL = "2", _("transferred to another hospital")
    TRANSFER_COMMUNITY = "3", _("transferred to community care")
    AGAINST_ADVICE = "4", _("left against medical advice")
    DEATH = "5", _("death")
    OTHER = "9", _("other")


class CaseWarning(models.TextChoices):
    LOS_LONG = "los_long", _("Length of stay over 60 days")
    LOS_SHORT = "los_short", _("Length of stay of 2 days or less")
    COST_OUTLIER = "cost_outlier", _("Cost over 10 times the group mean")



class GroupingStatus(models.TextChoices):
    """The portal grouper's answer for a case ('' = not grouped by the portal yet)."""

    PENDING = "", _("not grouped yet")
    OK = "ok", _("grouped")
    AMBIGUOUS = "ambiguous", _("ambiguous (QY)")
    UNGROUPABLE = "ungroupable", _("ungroupable (0000)")
    INVALID = "invalid", _("invalid input")


class GroupingScope(models.TextChoices):
    PENDING = "pending", _("cases without a portal grouping")
    ALL = "all", _("all cases")
    IMPORT = "import", _("the cases of one import")
