"""What-if scenarios (issue 19): a named copy of a year's policy with changed parameters, computed into
statistics, coefficients and a simulation run that belong to the scenario and are never official.

The computed rows live in the ordinary tables (groups.StatsVersion, settlement.CoefficientVersion,
settlement.SettlementRun) with `scenario` set, so the one engine computes both; their `objects` managers
leave scenario rows out of every official list. Deleting a scenario deletes its rows (services.scenario_delete).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.lifecycle import ACTIVE, Lifecycle, LifecycleSpec
from apps.core.scoping import RegionScopedModel
from apps.core.workflow_models import Computed


class Baseline(models.TextChoices):
    PUBLISHED = "published", _("Published run")
    CURRENT = "current", _("Current policy (computed)")
    NONE = "", _("None")


class Scenario(RegionScopedModel, Computed):
    """A named what-if of one region's payment year; `parameters` holds only the changed policy values."""

    year = models.PositiveSmallIntegerField(_("payment year"))
    name = models.CharField(_("name"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    period = models.CharField(_("period"), max_length=7, help_text="YYYY or YYYY-MM")
    parameters = models.JSONField(_("changed parameters"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    stats_version = models.ForeignKey("groups.StatsVersion", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("group statistics used"))
    coefficient_version = models.ForeignKey("settlement.CoefficientVersion", on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="+", verbose_name=_("coefficients used"))
    run = models.ForeignKey("settlement.SettlementRun", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+", verbose_name=_("scenario run"))
    baseline_run = models.ForeignKey("settlement.SettlementRun", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("baseline run"))
    baseline = models.CharField(_("compared with"), max_length=10, choices=Baseline.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    seconds = models.DecimalField(_("compute time (s)"), max_digits=10, decimal_places=2, null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopt_reason = models.TextField(_("reason for adoption"), blank=True)

    lifecycle = LifecycleSpec(name="scenario", finished="computed_at", key=("region_id", "year", "name"),
                              number="name")

    class Meta:
        ordering = ["region", "-year", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["region", "year", "name"], name="uniq_scenario_name")]
        verbose_name = _("what-if scenario")
        verbose_name_plural = _("what-if scenarios")

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.name}"

    @property
    def is_busy(self) -> bool:
        return self.status in ACTIVE
