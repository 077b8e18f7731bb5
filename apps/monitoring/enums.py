from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")



class Scope(models.TextChoices):
    """What an indicator row describes: one hospital, all hospitals of one level, or the whole region."""

    HOSPITAL = "hospital", _("Hospital")
    LEVEL = "level", _("Level")
    REGION = "region", _("Region")


class RiskClass(models.IntegerChoices):
    """Group mortality risk (domain §8) from the z-score of ln(base-period death rate)."""

    NONE = 0, _("No deaths in the base period")
    LOW = 1, _("Low risk")
    MID_LOW = 2, _("Mid-low risk")
    MID_HIGH = 3, _("Mid-high risk")
    HIGH = 4, _("High risk")

