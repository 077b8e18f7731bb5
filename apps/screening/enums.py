"""Screening rules (domain §11) and the states of a suspect item (疑点)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Rule(models.TextChoices):
    SPLIT_ADMISSION = "split_admission", _("Split admission")
    UPCODING = "upcoding", _("Upcoding")
    LOW_STANDARD = "low_standard", _("Low-standard admission")
    COST_SHIFTING = "cost_shifting", _("Cost shifting")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("screening status", "Open")
    ANSWERED = "answered", pgettext_lazy("screening status", "Answered")
    CONFIRMED = "confirmed", pgettext_lazy("screening status", "Confirmed")
    CLEARED = "cleared", pgettext_lazy("screening status", "Cleared")


class Suggestion(models.TextChoices):
    CONFIRM = "confirm", _("Confirm (deduct)")
    CLEAR = "clear", _("Clear (false positive)")


# The Chinese rule names used in the deduction line of a case result ("扣减：分解住院，疑点 #12").
RULE_ZH = {Rule.SPLIT_ADMISSION: "分解住院", Rule.UPCODING: "高套", Rule.LOW_STANDARD: "低标入院",
           Rule.COST_SHIFTING: "费用转嫁"}
DECIDED = (Status.CONFIRMED, Status.CLEARED)
ALLOWED_CONTENT = ("application/pdf", "image/jpeg", "image/png")
