"""Grouper rule sets as versioned data (national, not region-owned) and regional subdivision rules.

Imported at the end of `apps/groups/models.py` so the models belong to the `groups` app.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionScopedModel


class GrouperRuleSet(models.Model):
    """One version of the grouping rules (e.g. `chs-drg-1.1`), for one catalogue version.

    `stamp` grows on every change of the rules, so each process can tell that its cached copy is stale.
    """

    version = models.CharField(_("version"), max_length=50, unique=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=255, blank=True)
    licences = models.JSONField(_("licence notices"), default=list, blank=True)
    sha256 = models.CharField(_("content hash"), max_length=64, blank=True)
    stamp = models.PositiveIntegerField(_("revision"), default=1)
    mdc_count = models.PositiveIntegerField(default=0)
    adrg_count = models.PositiveIntegerField(default=0)
    drg_count = models.PositiveIntegerField(default=0)
    code_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(_("loaded at"))

    class Meta:
        ordering = ["version"]
        verbose_name = _("grouper rule set")
        verbose_name_plural = _("grouper rule sets")

    def __str__(self) -> str:
        return self.version


class GrouperMdcRule(models.Model):
    ruleset = models.ForeignKey(GrouperRuleSet, on_delete=models.CASCADE, related_name="mdc_rules")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField()
    entry = models.JSONField(default=list)  # clauses, see apps/groups/grouper/rules.py
    adrgs = models.JSONField(default=list)  # try order
    # the ambiguous-group (QY) test: {} older data, {"off": true}, or {"before": ADRG, "rule": [clauses]}
    qy = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["ruleset", "order"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="uniq_grouper_mdc")]

    def __str__(self) -> str:
        return self.code


class GrouperAdrgRule(models.Model):
    ruleset = models.ForeignKey(GrouperRuleSet, on_delete=models.CASCADE, related_name="adrg_rules")
    code = models.CharField(max_length=10)
    mdc = models.CharField(max_length=10)
    name = models.CharField(max_length=200, blank=True)
    label = models.CharField(max_length=100, blank=True)
    rule = models.JSONField(default=list)  # clauses
    drgs = models.JSONField(default=list)  # DRG codes in severity order

    class Meta:
        ordering = ["ruleset", "code"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="uniq_grouper_adrg")]

    def __str__(self) -> str:
        return self.code


class GrouperDrgRule(models.Model):
    ruleset = models.ForeignKey(GrouperRuleSet, on_delete=models.CASCADE, related_name="drg_rules")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=200, blank=True)
    adrg = models.CharField(max_length=10)
    severity = models.CharField(max_length=10)  # always | mcc | mcc_or_cc | cc

    class Meta:
        ordering = ["ruleset", "code"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="uniq_grouper_drg")]

    def __str__(self) -> str:
        return self.code


class GrouperCode(models.Model):
    """One code of one list: MDC/ADRG lists, MCC/CC/exclusion tables, valid procedures, code maps, names.

    `kind` is one of apps.groups.grouper.files.CODE_KINDS; `owner` the MDC/ADRG for lists that have
    one; `value` the table number, body region, list position, mapped code or name.
    """

    ruleset = models.ForeignKey(GrouperRuleSet, on_delete=models.CASCADE, related_name="codes")
    kind = models.CharField(max_length=12)
    owner = models.CharField(max_length=10, blank=True)
    code = models.CharField(max_length=40)
    value = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["ruleset", "kind", "code"], name="grouper_code_lookup")]

    def __str__(self) -> str:
        return self.code


class LocalGroupRule(RegionScopedModel):
    """A regional subdivision of a national ADRG or DRG (本地细分), applied after the national DRG.

    Conditions that are set must all hold: any procedure in `procedures`, the principal diagnosis in
    `diagnoses`, age (years) and length of stay within the bounds. Lower `priority` is tried first.
    """

    ruleset_version = models.CharField(_("grouper version"), max_length=50)
    base_code = models.CharField(_("national ADRG or DRG"), max_length=10)
    local_code = models.CharField(_("local group code"), max_length=20)
    local_name = models.CharField(_("local group name"), max_length=200)
    procedures = models.JSONField(_("procedures"), default=list, blank=True)
    diagnoses = models.JSONField(_("principal diagnoses"), default=list, blank=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    los_min = models.PositiveIntegerField(_("minimum length of stay"), null=True, blank=True)
    los_max = models.PositiveIntegerField(_("maximum length of stay"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["region", "ruleset_version", "base_code", "priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "ruleset_version", "local_code"], name="uniq_local_group_rule"),
        ]
        indexes = [models.Index(fields=["region", "ruleset_version"], name="local_rule_region_version")]
        verbose_name = _("local group rule")
        verbose_name_plural = _("local group rules")

    def __str__(self) -> str:
        return f"{self.base_code} → {self.local_code} {self.local_name}"
