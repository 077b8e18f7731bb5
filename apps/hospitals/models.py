"""Designated hospitals (定点医疗机构) of a region."""
from __future__ import annotations

import datetime as dt

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.scoping import RegionScopedModel

from .enums import Grade, HospitalType, Level


class Hospital(RegionScopedModel):
    code = models.CharField(_("code"), max_length=20, validators=[RegexValidator(r"^[A-Za-z0-9]{4,20}$")])
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    grade = models.CharField(_("grade"), max_length=4, choices=Grade.choices, default=Grade.UNRATED)
    type = models.CharField(_("type"), max_length=10, choices=HospitalType.choices, default=HospitalType.GENERAL)
    drg_enabled_from = models.DateField(_("DRG/DIP payment from"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(inherit=False)

    class Meta:
        ordering = ["region", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="uniq_hospital_region_code")]
        indexes = [models.Index(fields=["region", "level", "type"])]
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_drg_paid_on(self, day: dt.date) -> bool:
        return self.active and self.drg_enabled_from is not None and self.drg_enabled_from <= day
