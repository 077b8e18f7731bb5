"""Inpatient cases (医保结算清单 subset), their import jobs and the national code lists."""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionScopedModel

from .enums import CaseWarning, DischargeMethod, Gender, ImportStatus, InsuranceType

MONEY = {"max_digits": 12, "decimal_places": 2}


class DiagnosisCode(models.Model):
    """ICD-10 医保版 2.0 diagnosis code (national, shared by every region)."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("diagnosis code")
        verbose_name_plural = _("diagnosis codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProcedureCode(models.Model):
    """ICD-9-CM-3 医保版 2.0 procedure code (national)."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("procedure code")
        verbose_name_plural = _("procedure codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ImportJob(RegionScopedModel):
    """One upload of a settlement-list file; the file lives under PRIVATE_MEDIA_ROOT/case_imports."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("uploaded by"))
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("hospital"), help_text="set when a hospital user uploads: only its rows are accepted")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_file = models.CharField(_("stored file"), max_length=255, help_text="relative to PRIVATE_MEDIA_ROOT")
    dry_run = models.BooleanField(_("preview only"), default=False)
    language = models.CharField(max_length=10, blank=True, help_text="language of the error messages")
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_file = models.CharField(_("error file"), max_length=255, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "-created_at"])]
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class Case(RegionScopedModel):
    """One inpatient stay. `patient_hash` is a salted SHA-256 of 人员编号; the id is never stored."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="cases", verbose_name=_("hospital"))
    settlement_id = models.CharField(_("settlement id"), max_length=50)
    patient_hash = models.CharField(_("patient hash"), max_length=64)
    insurance_type = models.CharField(_("insurance type"), max_length=3, choices=InsuranceType.choices)
    gender = models.SmallIntegerField(_("gender"), choices=Gender.choices)
    age = models.SmallIntegerField(_("age"))
    age_days = models.IntegerField(_("age in days"), null=True, blank=True)
    admission_date = models.DateField(_("admission date"))
    discharge_date = models.DateField(_("discharge date"))
    los_days = models.IntegerField(_("length of stay"))
    discharge_method = models.CharField(_("discharge method"), max_length=1, choices=DischargeMethod.choices)
    principal_dx = models.CharField(_("principal diagnosis"), max_length=20)
    secondary_dx = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("secondary diagnoses"))
    principal_proc = models.CharField(_("principal procedure"), max_length=20, blank=True)
    other_procs = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("other procedures"))
    drg_code = models.CharField(_("DRG code"), max_length=10, blank=True)
    total_cost = models.DecimalField(_("total cost"), **MONEY)
    drug_cost = models.DecimalField(_("drug cost"), **MONEY)
    consumable_cost = models.DecimalField(_("consumable cost"), **MONEY)
    exam_cost = models.DecimalField(_("examination cost"), **MONEY)
    self_pay = models.DecimalField(_("self pay"), **MONEY)
    fund_paid = models.DecimalField(_("fund paid"), **MONEY)
    department = models.CharField(_("department"), max_length=50, blank=True)
    birth_weight_g = models.IntegerField(_("birth weight (g)"), null=True, blank=True)
    ventilation_hours = models.IntegerField(_("ventilation hours"), null=True, blank=True)
    warnings = ArrayField(models.CharField(max_length=20, choices=CaseWarning.choices), default=list, blank=True, verbose_name=_("warnings"))
    content_hash = models.CharField(max_length=32)
    import_job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("import"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-discharge_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["region", "settlement_id"], name="uniq_case_region_settlement")]
        indexes = [
            models.Index(fields=["region", "discharge_date"], name="case_region_discharge"),
            models.Index(fields=["region", "hospital", "discharge_date"], name="case_region_hosp_discharge"),
            models.Index(fields=["region", "drg_code"], name="case_region_drg"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.settlement_id

    @property
    def is_death(self) -> bool:
        return self.discharge_method == DischargeMethod.DEATH
