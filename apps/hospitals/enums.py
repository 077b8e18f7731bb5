from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    LEVEL_1 = 1, _("Level 1 and below")
    LEVEL_2 = 2, _("Level 2")
    LEVEL_3 = 3, _("Level 3")


class Grade(models.TextChoices):
    A = "甲", _("Grade A (甲)")
    B = "乙", _("Grade B (乙)")
    C = "丙", _("Grade C (丙)")
    UNRATED = "未定级", _("Unrated (未定级)")


class HospitalType(models.TextChoices):
    GENERAL = "general", _("General")
    TCM = "tcm", _("Traditional Chinese medicine")
    SPECIALTY = "specialty", _("Specialty")
    MATERNAL = "maternal", _("Maternal and child")
    PRIMARY = "primary", _("Primary care")
