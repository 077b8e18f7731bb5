"""Inpatient cases (医保结算清单 subset), their import jobs and the national code lists."""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.lifecycle import Lifecycle, LifecycleSpec
from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import Computed

from .enums import CaseWarning, DischargeMethod, Gender, GroupingScope, GroupingStatus, InsuranceType

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


class ImportJob(RegionScopedModel, Computed):
    """One upload of a settlement-list file; the file lives under PRIVATE_MEDIA_ROOT/case_imports."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("uploaded by"))
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("hospital"), help_text="set when a hospital user uploads: only its rows are accepted")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_file = models.CharField(_("stored file"), max_length=255, help_text="relative to PRIVATE_MEDIA_ROOT")
    dry_run = models.BooleanField(_("preview only"), default=False)
    language = models.CharField(max_length=10, blank=True, help_text="language of the error messages")
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
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

    # A worker that holds the job's advisory lock is alive whatever its heartbeat says (a long parse).
    lifecycle = LifecycleSpec(name="case_import", error="error_message", started="started_at",
                              finished="finished_at", alive=lambda pk: _import_lock_held(pk))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "-created_at"])]
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (Lifecycle.READY, Lifecycle.FAILED)


def _import_lock_held(job_id: int) -> bool:
    """Whether some session holds the import's advisory lock (apps.cases.services.IMPORT_LOCK)."""
    from django.db import connection

    from .services import IMPORT_LOCK

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                       "AND objsubid = 2 AND granted", [IMPORT_LOCK, job_id])
        return cursor.fetchone() is not None


class Case(RegionScopedModel):
    """One inpatient stay. `patient_hash` is a salted SHA-256 of 人员编号; the id is never stored."""

    # No SQL foreign keys from the case table (decision 0045 addendum): the import's own checks resolve every
    # region, hospital and import job before a row is written, and the deferred per-row checks cost 8-11 s at
    # commit of a 1M-row upload. Django keeps on_delete (PROTECT / SET_NULL), as for case results (settlement 0003).
    # No single-column region or hospital index either: the table is partitioned by region (decision 0044), every
    # query names the region, and (region, hospital, discharge date) serves a hospital's cases; each index cost
    # about a tenth of the import's write.
    region = models.ForeignKey("tenants.Region", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                               db_index=False)
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("hospital"), db_constraint=False, db_index=False)
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
    # The portal grouper (apps.groups.grouper). `drg_code` stays the group settlement uses; the grouper fills it
    # only when the upload declared none (`declared_drg_code` = what the hospital uploaded).
    declared_drg_code = models.CharField(_("declared DRG code"), max_length=10, blank=True, db_default="", default="")
    grouping_status = models.CharField(_("grouping status"), max_length=12, choices=GroupingStatus.choices,
                                       blank=True, db_default="", default="")
    grouper_drg_code = models.CharField(_("grouper DRG code"), max_length=10, blank=True, db_default="", default="")
    grouper_mdc = models.CharField(_("grouper MDC"), max_length=10, blank=True, db_default="", default="")
    grouper_adrg = models.CharField(_("grouper ADRG"), max_length=10, blank=True, db_default="", default="")
    grouper_version = models.CharField(_("grouper version"), max_length=30, blank=True, db_default="", default="")
    grouping_trace = models.JSONField(_("grouping trace"), null=True, blank=True,
                                      help_text="the grouper's whole answer: status, groups, MCC/CC and the trace steps")
    grouping_mismatch = models.BooleanField(_("grouper disagrees"), db_default=False, default=False)
    grouped_at = models.DateTimeField(_("grouped at"), null=True, blank=True)
    content_hash = models.CharField(max_length=32)
    import_job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases",
                                   verbose_name=_("import"), db_constraint=False)
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

    @property
    def diagnoses(self) -> list[str]:
        """Principal diagnosis first, then the secondary ones (for pages listing codes with names)."""
        return [d for d in [self.principal_dx, *self.secondary_dx] if d]

    @property
    def procedures(self) -> list[str]:
        """Main procedure first, then the others (the grouper's order)."""
        return [p for p in [self.principal_proc, *self.other_procs] if p]


class GroupingJob(RegionScopedModel, Computed):
    """One run of the grouper over a region's cases, split into chunks (Celery tasks) that report progress."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("started by"))
    version = models.CharField(_("grouper version"), max_length=30)
    scope = models.CharField(_("cases"), max_length=10, choices=GroupingScope.choices, default=GroupingScope.PENDING)
    period = models.CharField(_("period"), max_length=7, blank=True)
    import_job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("import"))
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
    total = models.PositiveIntegerField(_("cases"), default=0)
    done = models.PositiveIntegerField(_("grouped"), default=0)
    chunks = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    n_ok = models.PositiveIntegerField("ok", default=0)
    n_ambiguous = models.PositiveIntegerField("ambiguous", default=0)
    n_ungroupable = models.PositiveIntegerField("ungroupable", default=0)
    n_invalid = models.PositiveIntegerField("invalid", default=0)
    n_mismatch = models.PositiveIntegerField(_("differ from declared"), default=0)
    n_filled = models.PositiveIntegerField(_("DRG code filled"), default=0)
    error_message = models.TextField(_("error message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # progress is counted from the chunks (done / total); each applied chunk is the heartbeat
    lifecycle = LifecycleSpec(name="grouping", error="error_message", progress=None, started="started_at",
                              finished="finished_at")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("grouping run")
        verbose_name_plural = _("grouping runs")

    def __str__(self) -> str:
        return f"{self.region} {self.version} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        if self.status == Lifecycle.READY:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (Lifecycle.READY, Lifecycle.FAILED)

    def summary(self) -> dict:
        return {"job_id": self.pk, "region": self.region.code, "version": self.version, "status": self.status,
                "cases": self.done, "ok": self.n_ok, "ambiguous": self.n_ambiguous,
                "ungroupable": self.n_ungroupable, "invalid": self.n_invalid, "differ_from_declared": self.n_mismatch,
                "drg_code_filled": self.n_filled}


class GroupingChunk(models.Model):
    """A chunk of a grouping run that has been applied: written in the same transaction as the chunk's case
    rows and the run's counters, so a chunk delivered twice (a worker node killed after its commit but before
    the broker's acknowledgement) is applied once."""

    job = models.ForeignKey(GroupingJob, on_delete=models.CASCADE, related_name="applied_chunks")
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    cases = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "lo"], name="cases_groupingchunk_once")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.lo}-{self.hi}"

