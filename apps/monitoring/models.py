"""Indicators, rankings and reform coverage (domain §8).

`IndicatorPeriod` is one computation for a region and a month, quarter or year; its rows are written
set-based by `engine.py`: `PeriodGroup` (the same-period group means every index is measured against,
with the group's base points and risk class), `Indicator` (per hospital, per level and for the whole
region, each with the sums that explain it). `GroupRiskClass` holds the mortality risk classes of a
payment year (from the base-period death rates). `Ranking`/`RankingRow` are the quarterly 赛马.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import InvalidTransition
from apps.core.lifecycle import Lifecycle, LifecycleSpec
from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import Computed

from .enums import PeriodKind, RiskClass, Scope

SUM = {"max_digits": 18, "decimal_places": 2}
RATIO_SUM = {"max_digits": 24, "decimal_places": 8}
INDEX = {"max_digits": 10, "decimal_places": 4}


class IndicatorPeriod(RegionScopedModel, Computed):
    """The indicators of one region and period ('2026', '2026-Q1', '2026-03'); re-computing replaces the rows."""

    period = models.CharField(_("period"), max_length=7)
    kind = models.CharField(_("kind"), max_length=7, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    start = models.DateField(_("first day"))
    end = models.DateField(_("first day after"))
    stats_version = models.ForeignKey("groups.StatsVersion", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("group statistics"))
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    cases = models.PositiveIntegerField(_("cases with a group"), default=0)
    # reform coverage (Jilin 3-year plan): all cases of the period, covered = hospital DRG/DIP-paid
    hospitals_total = models.PositiveIntegerField(_("hospitals with inpatient cases"), default=0)
    hospitals_covered = models.PositiveIntegerField(_("hospitals paid by DRG/DIP"), default=0)
    cases_total = models.PositiveIntegerField(_("all cases"), default=0)
    cases_covered = models.PositiveIntegerField(_("cases paid by DRG/DIP"), default=0)
    fund_total = models.DecimalField(_("fund paid, all cases"), default=0, **SUM)
    fund_covered = models.DecimalField(_("fund paid, DRG/DIP cases"), default=0, **SUM)
    target_hospitals = models.DecimalField(_("target: hospitals"), max_digits=5, decimal_places=4, null=True, blank=True)
    target_cases = models.DecimalField(_("target: cases"), max_digits=5, decimal_places=4, null=True, blank=True)
    target_fund = models.DecimalField(_("target: fund"), max_digits=5, decimal_places=4, null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("computed by"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    lifecycle = LifecycleSpec(name="monitoring", started="started_at", finished="computed_at",
                              key=("region_id", "period"), number="period")

    class Meta:
        ordering = ["region", "-start", "kind"]
        constraints = [models.UniqueConstraint(fields=["region", "period"], name="uniq_indicatorperiod_region_period")]
        verbose_name = _("indicator period")
        verbose_name_plural = _("indicator periods")

    def __str__(self) -> str:
        return f"{self.region} {self.period}"

    @staticmethod
    def _share(part, whole):
        from decimal import ROUND_HALF_UP, Decimal

        if not whole:
            return None
        return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def hospitals_share(self):
        return self._share(self.hospitals_covered, self.hospitals_total)

    @property
    def cases_share(self):
        return self._share(self.cases_covered, self.cases_total)

    @property
    def fund_share(self):
        return self._share(self.fund_covered, self.fund_total)


class GroupRiskClass(RegionScopedModel):
    """A group's mortality risk class for a payment year: z = (ln m_g − mean) / sd over groups with m_g > 0."""

    year = models.PositiveSmallIntegerField(_("payment year"))
    stats_version = models.ForeignKey("groups.StatsVersion", on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("group statistics"))
    group_code = models.CharField(_("group"), max_length=20)
    death_rate = models.DecimalField(_("base-period death rate"), max_digits=8, decimal_places=4)
    ln_rate = models.DecimalField(_("ln(death rate)"), max_digits=16, decimal_places=8, null=True, blank=True)
    ln_mean = models.DecimalField(_("mean of ln"), max_digits=16, decimal_places=8, null=True, blank=True)
    ln_sd = models.DecimalField(_("SD of ln"), max_digits=16, decimal_places=8, null=True, blank=True)
    z = models.DecimalField(_("z-score"), max_digits=16, decimal_places=8, null=True, blank=True)
    risk_class = models.PositiveSmallIntegerField(_("risk class"), choices=RiskClass.choices)

    class Meta:
        ordering = ["region", "-year", "group_code"]
        constraints = [models.UniqueConstraint(fields=["region", "year", "group_code"], name="uniq_riskclass_year_group")]
        verbose_name = _("group risk class")
        verbose_name_plural = _("group risk classes")

    def __str__(self) -> str:
        return f"{self.group_code} {self.year}: {self.risk_class}"


class PeriodGroup(RegionScopedModel):
    """One group in one period: the same-period means (2 decimals, as stored = the input of the indices)."""

    period = models.ForeignKey(IndicatorPeriod, on_delete=models.CASCADE, related_name="groups", verbose_name=_("period"))
    group_code = models.CharField(_("group"), max_length=20)
    cases = models.PositiveIntegerField(_("cases"))
    mean_cost = models.DecimalField(_("mean cost"), max_digits=12, decimal_places=2)
    mean_los = models.DecimalField(_("mean length of stay"), max_digits=8, decimal_places=2)
    deaths = models.PositiveIntegerField(_("deaths"))
    base_points = models.DecimalField(_("base points"), max_digits=12, decimal_places=4)
    risk_class = models.PositiveSmallIntegerField(_("risk class"), choices=RiskClass.choices)

    class Meta:
        ordering = ["period", "group_code"]
        constraints = [models.UniqueConstraint(fields=["period", "group_code"], name="uniq_periodgroup_code")]
        verbose_name = _("group of a period")
        verbose_name_plural = _("groups of a period")


class Indicator(RegionScopedModel):
    """Indicators of domain §8 for one hospital, one level or the region in one period, with their inputs."""

    period = models.ForeignKey(IndicatorPeriod, on_delete=models.CASCADE, related_name="rows", verbose_name=_("period"))
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("hospital"))
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    # inputs (sums over the population cases)
    cases = models.PositiveIntegerField(_("cases"))
    bp_sum = models.DecimalField(_("sum of base points"), **RATIO_SUM)
    cost_ratio_sum = models.DecimalField(_("sum of cost / group mean"), **RATIO_SUM)
    los_ratio_sum = models.DecimalField(_("sum of stay / group mean stay"), **RATIO_SUM)
    los_sum = models.PositiveBigIntegerField(_("bed days"))
    cost_sum = models.DecimalField(_("total cost"), **SUM)
    drug_sum = models.DecimalField(_("drug cost"), **SUM)
    consumable_sum = models.DecimalField(_("consumable cost"), **SUM)
    exam_sum = models.DecimalField(_("examination cost"), **SUM)
    deaths = models.PositiveIntegerField(_("deaths"))
    risk_cases = models.PositiveIntegerField(_("cases in low/mid-low risk groups"))
    risk_deaths = models.PositiveIntegerField(_("deaths in low/mid-low risk groups"))
    # indicators
    cmi = models.DecimalField(_("CMI"), **INDEX)
    cost_index = models.DecimalField(_("cost efficiency index"), null=True, blank=True, **INDEX)
    time_index = models.DecimalField(_("time efficiency index"), null=True, blank=True, **INDEX)
    group_count = models.PositiveIntegerField(_("DRG groups"))
    alos = models.DecimalField(_("average length of stay"), max_digits=8, decimal_places=2)
    avg_cost = models.DecimalField(_("cost per case"), max_digits=12, decimal_places=2)
    drug_share = models.DecimalField(_("drug share"), null=True, blank=True, **INDEX)
    consumable_share = models.DecimalField(_("consumable share"), null=True, blank=True, **INDEX)
    exam_share = models.DecimalField(_("examination share"), null=True, blank=True, **INDEX)
    lowrisk_mortality = models.DecimalField(_("low/mid-low risk mortality"), null=True, blank=True, **INDEX)

    class Meta:
        ordering = ["period", "scope", "level", "hospital"]
        constraints = [models.UniqueConstraint(fields=["period", "scope", "level", "hospital"],
                                               name="uniq_indicator_row", nulls_distinct=False)]
        indexes = [models.Index(fields=["period", "scope"], name="indicator_period_scope")]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")


class Ranking(RegionScopedModel):
    """The quarterly 赛马 of a region: hospitals ranked within their tier (level × type) by a weighted composite."""

    quarter = models.CharField(_("quarter"), max_length=7)
    period = models.ForeignKey(IndicatorPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicators"))
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.READY)
    weights = models.JSONField(_("weights"), default=dict)
    notice_id = models.PositiveBigIntegerField(_("notice"), null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("computed by"))
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # computed synchronously (ready at once), published by a notice; one per quarter, so nothing to supersede
    lifecycle = LifecycleSpec(name="monitoring", key=("region_id", "quarter"), number="quarter",
                              publish_action="monitoring.ranking_publish")

    class Meta:
        ordering = ["region", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["region", "quarter"], name="uniq_ranking_region_quarter")]
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")

    def __str__(self) -> str:
        return f"{self.region} {self.quarter}"

    def delete(self, *args, **kwargs):
        if self.status == Lifecycle.PUBLISHED:
            raise InvalidTransition("A published ranking cannot be deleted.")
        return super().delete(*args, **kwargs)


class RankingRow(RegionScopedModel):
    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="rows", verbose_name=_("ranking"))
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("hospital"))
    level = models.PositiveSmallIntegerField(_("level"))
    type = models.CharField(_("type"), max_length=10)
    tier_size = models.PositiveIntegerField(_("hospitals in the tier"))
    cases = models.PositiveIntegerField(_("cases"))
    cmi = models.DecimalField(_("CMI"), **INDEX)
    cost_index = models.DecimalField(_("cost efficiency index"), null=True, blank=True, **INDEX)
    time_index = models.DecimalField(_("time efficiency index"), null=True, blank=True, **INDEX)
    group_count = models.PositiveIntegerField(_("DRG groups"))
    lowrisk_mortality = models.DecimalField(_("low/mid-low risk mortality"), null=True, blank=True, **INDEX)
    score_cmi = models.DecimalField(_("score: CMI"), max_digits=8, decimal_places=4)
    score_cost = models.DecimalField(_("score: cost index"), max_digits=8, decimal_places=4)
    score_time = models.DecimalField(_("score: time index"), max_digits=8, decimal_places=4)
    score_groups = models.DecimalField(_("score: groups"), max_digits=8, decimal_places=4)
    score_mortality = models.DecimalField(_("score: mortality"), max_digits=8, decimal_places=4)
    # data quality (issue 20): the quarter's scorecard score (0–100) and its min–max score; weight rank_w_quality
    quality = models.DecimalField(_("data-quality score"), max_digits=8, decimal_places=4, null=True, blank=True)
    score_quality = models.DecimalField(_("score: data quality"), max_digits=8, decimal_places=4, default=0)
    composite = models.DecimalField(_("composite score"), max_digits=8, decimal_places=4)
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        ordering = ["ranking", "level", "type", "rank", "hospital__code"]
        constraints = [models.UniqueConstraint(fields=["ranking", "hospital"], name="uniq_rankingrow_hospital")]
        verbose_name = _("ranking row")
        verbose_name_plural = _("ranking rows")


class UploadRejection(RegionScopedModel):
    """Rejected rows of one hospital upload per rule (domain §9), read once from the import's error file.

    The importer stores rejected rows only in the job's error CSV (row, settlement_id, field, code, message); the
    scorecard needs them per rule, so each finished job of a hospital is summarised here (rows = distinct rows
    with that rule; a row failing two rules counts under both)."""

    job = models.ForeignKey("cases.ImportJob", on_delete=models.CASCADE, related_name="+", verbose_name=_("import"))
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("hospital"))
    month = models.CharField(_("upload month"), max_length=7)
    code = models.CharField(_("rule"), max_length=40)
    rows = models.PositiveIntegerField(_("rejected rows"))

    class Meta:
        ordering = ["region", "month", "hospital", "code"]
        constraints = [models.UniqueConstraint(fields=["job", "code"], name="uniq_uploadrejection_job_code")]
        indexes = [models.Index(fields=["region", "month"], name="uploadrejection_month")]
        verbose_name = _("rejected upload rows")
        verbose_name_plural = _("rejected upload rows")


class Rectification(RegionScopedModel):
    """整改通知: the bureau asks a hospital to correct its data of a month, by a notice addressed to that
    hospital; the hospital acknowledges the notice and answers here. Stores the scorecard it was based on."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ANSWERED = "answered", _("Answered")

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    month = models.CharField(_("month"), max_length=7)
    notice_id = models.PositiveBigIntegerField(_("notice"), null=True, blank=True)
    request_text = models.TextField(_("what to correct"))
    scorecard = models.JSONField(_("scorecard at sending"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("replied by"))
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        ordering = ["region", "-sent_at"]
        verbose_name = _("rectification request")
        verbose_name_plural = _("rectification requests")

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.month}: {self.status}"
