"""Group catalogues (分组方案: MDC → ADRG → DRG/DIP group) and versioned group statistics (domain §2)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import InvalidTransition
from apps.core.lifecycle import ACTIVE, IMMUTABLE, Lifecycle, LifecycleSpec
from apps.core.scoping import RegionManager, RegionScopedModel
from apps.core.workflow_models import Computed, PublishedGuard
from apps.tenants.enums import PaymentMethod

from .enums import Severity


class Catalogue(RegionScopedModel):
    """A versioned list of groups for one region; at most one is active per region."""

    version = models.CharField(_("version"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    method = models.CharField(_("method"), max_length=3, choices=PaymentMethod.choices, default=PaymentMethod.DRG)
    is_active = models.BooleanField(_("active"), default=False)
    source = models.CharField(_("source"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["region", "-is_active", "version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="uniq_catalogue_region_version"),
            models.UniqueConstraint(fields=["region"], condition=models.Q(is_active=True), name="uniq_catalogue_region_active"),
        ]
        verbose_name = _("group catalogue")
        verbose_name_plural = _("group catalogues")

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class CatalogueItem(RegionScopedModel):
    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="+", verbose_name=_("catalogue"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Mdc(CatalogueItem):
    """Major diagnostic category (主要诊断大类), e.g. MDCA."""

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="uniq_mdc_catalogue_code")]
        verbose_name = _("MDC")
        verbose_name_plural = _("MDCs")


class Adrg(CatalogueItem):
    """Core group (核心疾病诊断相关组), e.g. AA1."""

    mdc_code = models.CharField(_("MDC"), max_length=20, blank=True)

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="uniq_adrg_catalogue_code")]
        verbose_name = _("ADRG")
        verbose_name_plural = _("ADRGs")


class Group(CatalogueItem):
    """A payable group (DRG or DIP disease type); the 4th character of a DRG code is its severity."""

    mdc_code = models.CharField(_("MDC"), max_length=20, blank=True)
    adrg_code = models.CharField(_("ADRG"), max_length=20, blank=True)
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices, blank=True)

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="uniq_group_catalogue_code")]
        indexes = [models.Index(fields=["catalogue", "adrg_code"], name="group_catalogue_adrg")]
        verbose_name = _("group")
        verbose_name_plural = _("groups")


class OfficialManager(models.Manager):
    """What-if scenario rows (apps.scenarios) are never official: every list, statement, monitoring and
    export reads through `objects`, which leaves them out; `scenario_objects` reads every row."""

    def get_queryset(self):
        return super().get_queryset().filter(scenario__isnull=True)


class StatsVersion(PublishedGuard, RegionScopedModel, Computed):
    """One computation of the group statistics of a region and payment year, with its parameters.

    Numbered 1, 2, … per region and year. A published version never changes; publishing a later
    one only moves it to `superseded`. A version of a what-if scenario (`scenario` set) is numbered
    within its scenario and never published.
    """

    scenario = models.ForeignKey("scenarios.Scenario", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("what-if scenario"))

    year = models.PositiveSmallIntegerField(_("payment year"))
    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="+", verbose_name=_("catalogue"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
    base_start = models.PositiveSmallIntegerField(_("base period start year"))
    base_end = models.PositiveSmallIntegerField(_("base period end year"))
    min_cases = models.PositiveIntegerField(_("minimum cases"))
    cv_max = models.DecimalField(_("maximum CV"), max_digits=6, decimal_places=4)
    lln_cases = models.PositiveIntegerField(_("large-number threshold"))
    all_avg = models.DecimalField(_("average cost of all cases"), max_digits=12, decimal_places=2, null=True, blank=True)
    n_cases = models.PositiveIntegerField(_("base-period cases"), default=0)
    n_groups = models.PositiveIntegerField(_("groups with statistics"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("computed by"))
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionManager(OfficialManager)
    scenario_objects = RegionManager()
    lifecycle = LifecycleSpec(name="group_stats", finished="computed_at", key=("region_id", "year"))

    class Meta:
        ordering = ["region", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "number"], condition=models.Q(scenario__isnull=True),
                                    name="uniq_statsversion_region_year_number"),
            models.UniqueConstraint(fields=["region", "year"], condition=models.Q(status="published"),
                                    name="uniq_statsversion_published"),
        ]
        verbose_name = _("group statistics version")
        verbose_name_plural = _("group statistics versions")

    def __str__(self) -> str:
        return f"{self.region} {self.year} v{self.number}"

    @property
    def is_running(self) -> bool:
        return self.status in ACTIVE


class GroupStat(RegionScopedModel):
    """Statistics of one group in one version; rows are written set-based by `compute_stats_sql`."""

    version = models.ForeignKey(StatsVersion, on_delete=models.CASCADE, related_name="rows", verbose_name=_("version"))
    group_code = models.CharField(_("group"), max_length=20)
    group_name = models.CharField(_("name"), max_length=200, blank=True)
    n = models.PositiveIntegerField(_("cases"))
    mean_cost = models.DecimalField(_("mean cost"), max_digits=12, decimal_places=2)
    sd = models.DecimalField(_("standard deviation"), max_digits=12, decimal_places=2)
    cv = models.DecimalField(_("coefficient of variation"), max_digits=8, decimal_places=4)
    stable = models.BooleanField(_("stable"))
    base_points = models.DecimalField(_("base points"), max_digits=12, decimal_places=4)
    mean_los = models.DecimalField(_("mean length of stay"), max_digits=8, decimal_places=2)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    death_rate = models.DecimalField(_("death rate"), max_digits=8, decimal_places=4)

    class Meta:
        ordering = ["version", "group_code"]
        constraints = [models.UniqueConstraint(fields=["version", "group_code"], name="uniq_groupstat_version_code")]
        verbose_name = _("group statistics")
        verbose_name_plural = _("group statistics")

    def __str__(self) -> str:
        return f"{self.group_code} n={self.n}"

    def save(self, *args, **kwargs):
        if StatsVersion._base_manager.filter(pk=self.version_id, status__in=IMMUTABLE).exists():
            raise InvalidTransition("A published statistics version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if StatsVersion._base_manager.filter(pk=self.version_id, status__in=IMMUTABLE).exists():
            raise InvalidTransition("A published statistics version cannot be changed.")
        return super().delete(*args, **kwargs)


# The grouper's rule sets and regional subdivision rules (apps/groups/grouper/models.py).
from .grouper.models import (  # noqa: E402,F401
    GrouperAdrgRule,
    GrouperCode,
    GrouperDrgRule,
    GrouperMdcRule,
    GrouperRuleSet,
    LocalGroupRule,
)
