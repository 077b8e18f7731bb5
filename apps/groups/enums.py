"""Choices of the groups app."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """The 4th character of a CHS-DRG code."""

    MCC = "1", _("with MCC")
    CC = "3", _("with CC")
    NONE = "5", _("without CC/MCC")
    NOT_SPLIT = "9", _("not split")

