"""Hospital coefficients (domain §3) and settlement runs with their per-case and per-hospital results (§4–5).

Every computed figure keeps the inputs that explain it ("路径公开"). A case result stores what is its
own (costs, group code, ratio, type, effective base, application, points); the inputs it shares with
its run are read through a join, never copied on each of a million rows (decision 0046): level and
coefficient from its hospital's result, the low/high ratios from the run's recorded parameters, the group
mean and base points from the run's (immutable) statistics version. `CaseResult.objects.with_inputs()`
adds them to a queryset; on a single object they load on first access.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, OuterRef, Subquery, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from apps.core.errors import InvalidTransition
from apps.core.lifecycle import IMMUTABLE, Lifecycle, LifecycleSpec
from apps.core.scoping import RegionManager, RegionScopedModel
from apps.core.workflow_models import Computed, PublishedGuard
from apps.groups.models import OfficialManager

from .enums import CaseType, RunKind

# "Full precision" columns (ratios, cost and level indices): numeric with 16 decimals.
FULL = {"max_digits": 32, "decimal_places": 16}


class ChildOfPublishedGuard(models.Model):
    """Rows of a published parent (coefficient version, run) never change through the ORM either."""

    parent_field = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._parent_is_immutable():
            raise InvalidTransition("A published version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._parent_is_immutable():
            raise InvalidTransition("A published version cannot be changed.")
        return super().delete(*args, **kwargs)

    def _parent_is_immutable(self) -> bool:
        parent = self._meta.get_field(self.parent_field).related_model
        return parent._base_manager.filter(pk=getattr(self, f"{self.parent_field}_id"), status__in=IMMUTABLE).exists()


def money(verbose: str, **kw) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=16, decimal_places=2, **kw)


def points_field(verbose: str, **kw) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=18, decimal_places=4, **kw)


class CoefficientVersion(PublishedGuard, RegionScopedModel, Computed):
    """One computation of the hospital coefficients for a payment year; published versions never change.

    A version of a what-if scenario (`scenario` set) is left out of `objects` and never published."""

    scenario = models.ForeignKey("scenarios.Scenario", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("what-if scenario"))

    year = models.PositiveSmallIntegerField(_("payment year"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
    stats_version = models.ForeignKey("groups.StatsVersion", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("group statistics used"))
    w_level = models.DecimalField(_("weight of the level index"), max_digits=6, decimal_places=4)
    w_cost = models.DecimalField(_("weight of the cost index"), max_digits=6, decimal_places=4)
    new_hospital_factor = models.DecimalField(_("new hospital factor"), max_digits=6, decimal_places=4)
    level_index_1 = models.DecimalField(_("level index, level 1"), null=True, blank=True, **FULL)
    level_index_2 = models.DecimalField(_("level index, level 2"), null=True, blank=True, **FULL)
    level_index_3 = models.DecimalField(_("level index, level 3"), null=True, blank=True, **FULL)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionManager(OfficialManager)
    scenario_objects = RegionManager()
    lifecycle = LifecycleSpec(name="coefficients", finished="computed_at", key=("region_id", "year"))

    class Meta:
        ordering = ["region", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "number"], condition=models.Q(scenario__isnull=True),
                                    name="uniq_coef_version"),
            models.UniqueConstraint(fields=["region", "year"], condition=models.Q(status="published"),
                                    name="uniq_coef_version_published"),
        ]
        verbose_name = _("coefficient version")
        verbose_name_plural = _("coefficient versions")

    def __str__(self) -> str:
        return f"{self.region} {self.year} v{self.number}"

    def level_index(self, level: int):
        return getattr(self, f"level_index_{level}")


class HospitalCoefficient(ChildOfPublishedGuard, RegionScopedModel):
    """coef_h = w_level × LI_L + w_cost × CI_h (4 decimals), or the new-hospital rule; a bureau override wins."""

    version = models.ForeignKey(CoefficientVersion, on_delete=models.CASCADE, related_name="rows")
    parent_field = "version"
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    n_cases = models.PositiveIntegerField(_("base-period cases in stable groups"), default=0)
    cost_index = models.DecimalField(_("cost index"), null=True, blank=True, **FULL)
    level_index = models.DecimalField(_("level index"), **FULL)
    is_new = models.BooleanField(_("new hospital"), default=False)
    computed = models.DecimalField(_("computed coefficient"), max_digits=8, decimal_places=4)
    override = models.DecimalField(_("override"), max_digits=8, decimal_places=4, null=True, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "hospital__code"]
        constraints = [models.UniqueConstraint(fields=["version", "hospital"], name="uniq_coef_row")]
        verbose_name = _("hospital coefficient")
        verbose_name_plural = _("hospital coefficients")

    def __str__(self) -> str:
        return f"{self.hospital_id}: {self.coefficient}"

    @property
    def coefficient(self):
        return self.override if self.override is not None else self.computed


class SettlementRun(PublishedGuard, RegionScopedModel, Computed):
    """A monthly, annual or simulation run for a period; versioned per (region, kind, period).

    A run of a what-if scenario (`scenario` set) is left out of `objects` and never published."""

    scenario = models.ForeignKey("scenarios.Scenario", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("what-if scenario"))

    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices)
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM or YYYY")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    stats_version = models.ForeignKey("groups.StatsVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    coefficient_version = models.ForeignKey(CoefficientVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    parameters = models.JSONField(_("policy parameters used"), default=dict)
    fund_budget = money(_("fund budget of the period"), null=True, blank=True)
    all_avg = models.DecimalField(_("average cost of all cases"), max_digits=12, decimal_places=2, null=True, blank=True)
    cases = models.PositiveIntegerField(_("cases"), default=0)
    total_points = points_field(_("points"), null=True, blank=True)
    total_adjusted_points = points_field(_("adjusted points"), null=True, blank=True)
    total_self_pay = money(_("self pay"), null=True, blank=True)
    point_value = models.DecimalField(_("point value"), max_digits=14, decimal_places=4, null=True, blank=True)
    # two funds (domain §10): {"310": "1.2345", "390": …} as stored on the run's FundResult rows; {} = one fund
    point_values = models.JSONField(_("point value per fund"), default=dict, db_default={}, blank=True)
    total_due = money(_("fund due"), null=True, blank=True)
    total_advance = money(_("advance"), null=True, blank=True)
    total_balance = money(_("balance"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionManager(OfficialManager)
    scenario_objects = RegionManager()
    lifecycle = LifecycleSpec(name="settlement", started="started_at", finished="finished_at",
                              key=("region_id", "kind", "period"), number="version",
                              publish_action="settlement.run_publish", supersede_action="settlement.run_supersede")

    class Meta:
        ordering = ["region", "-year", "-period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "period", "version"],
                                    condition=models.Q(scenario__isnull=True), name="uniq_run_version"),
            models.UniqueConstraint(fields=["region", "kind", "period"], condition=models.Q(status="published"),
                                    name="uniq_run_published"),
        ]
        indexes = [models.Index(fields=["region", "kind", "year", "status"])]
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} v{self.version}"


RATIO_FIELD = models.DecimalField(max_digits=6, decimal_places=4)


class CaseResultQuerySet(models.QuerySet):
    def with_inputs(self) -> CaseResultQuerySet:
        """Annotate the shared inputs of each row's points (names as the columns they replace, decision 0046):
        level and coefficient of the hospital's result in the run, low/high ratio of that level from the run's
        parameters (level 3 is the engine's ELSE), group mean and base points from the run's statistics."""
        from apps.groups.models import GroupStat

        def by_level(name: str):
            return Cast(Case(When(hospital_result__level=1, then=KeyTextTransform(f"{name}_1", "run__parameters")),
                             When(hospital_result__level=2, then=KeyTextTransform(f"{name}_2", "run__parameters")),
                             default=KeyTextTransform(f"{name}_3", "run__parameters")), RATIO_FIELD)

        stat = GroupStat._base_manager.filter(region_id=OuterRef("region_id"),
                                              version_id=OuterRef("run__stats_version_id"),
                                              group_code=OuterRef("drg_code")).order_by()  # the unique key, no sort
        return self.annotate(
            level=F("hospital_result__level"), coefficient=F("hospital_result__coefficient"),
            low_ratio=by_level("low_ratio"), high_ratio=by_level("high_ratio"),
            group_mean=Subquery(stat.values("mean_cost")[:1]), base_points=Subquery(stat.values("base_points")[:1]))


class RunInput(property):
    """An input a case result shares with its run (see `with_inputs`): the annotation when the row was read
    with it, else loaded on first access (one object: a detail page, a test)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(self._get, self._set)

    def _get(self, obj):
        if self.name not in obj.__dict__:
            obj.__dict__.update({k: v for k, v in obj.load_inputs().items() if k not in obj.__dict__})
        return obj.__dict__[self.name]

    def _set(self, obj, value) -> None:
        obj.__dict__[self.name] = value


class CaseResult(ChildOfPublishedGuard, RegionScopedModel):
    """One case in one run: its own figures; the inputs shared with the run are read through joins (domain §4)."""

    # (run, hospital) serves every lookup by run: no single-column run, region or hospital index (each cost
    # ~1 s of a 1M-case annual run to maintain; decision 0046).
    # The engine's own join guarantees these rows exist; declared in SQL, their per-row checks at
    # commit (and the key-share lock on every case) cost ~14 s of a 1M-case annual run
    # (docs/performance.md), the run's alone ~9 s (1M checks of the same row). Django still protects them
    # (on_delete=PROTECT / CASCADE).
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="case_results", db_index=False,
                            db_constraint=False)
    parent_field = "run"
    region = models.ForeignKey("tenants.Region", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                               db_index=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    # the hospital's statement in the same run: its level and coefficient explain this case's adjusted points
    # (null: read with a LEFT JOIN, so a case row never disappears from a list for want of it)
    hospital_result = models.ForeignObject("HospitalResult", on_delete=models.DO_NOTHING, from_fields=["run", "hospital"],
                                           to_fields=["run", "hospital"], related_name="+", null=True)
    settlement_id = models.CharField(max_length=50)
    insurance_type = models.CharField(_("fund"), max_length=3, blank=True, default="", db_default="")
    drg_code = models.CharField(max_length=10, blank=True)
    case_type = models.CharField(max_length=10, choices=CaseType.choices)
    total_cost = money(_("total cost"))
    self_pay = money(_("self pay"))
    fund_paid = money(_("fund paid (fee for service)"))
    ratio = models.DecimalField(null=True, blank=True, **FULL)
    effective_base = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    unreasonable_cost = money(_("unreasonable cost"), null=True, blank=True)
    application_id = models.BigIntegerField(null=True, blank=True)
    # screening (domain §11): the confirmed suspect item that set this case's points to 0 (apps.screening)
    screening_item_id = models.BigIntegerField(null=True, blank=True)
    points = points_field(_("points"))
    adjusted_points = points_field(_("adjusted points"))

    objects = RegionManager(models.Manager.from_queryset(CaseResultQuerySet))

    # the inputs shared with the run, read through joins (decision 0046)
    level = RunInput("level")
    coefficient = RunInput("coefficient")
    low_ratio = RunInput("low_ratio")
    high_ratio = RunInput("high_ratio")
    group_mean = RunInput("group_mean")
    base_points = RunInput("base_points")

    class Meta:
        # No unique key: the engine's one INSERT … SELECT reads each case once by its primary key, after deleting the
        # run's rows, under the run's claim, so (run, case) cannot repeat; checking it cost ~2 s of a 1M-case run
        # (decision 0046). (run, hospital) serves every lookup by run (lists, statements, sums), case_id a case's
        # results. Any unique key added here must hold region (the table is partitioned by region, decision 0044).
        indexes = [models.Index(fields=["run", "hospital"]), models.Index(fields=["run", "case_type"])]

    def __str__(self) -> str:
        return f"{self.settlement_id}: {self.adjusted_points}"

    def load_inputs(self) -> dict:
        """The shared inputs of this row, read as `with_inputs` reads them (None where there is nothing)."""
        from apps.groups.models import GroupStat

        hospital = (HospitalResult._base_manager.filter(run_id=self.run_id, hospital_id=self.hospital_id)
                    .values("level", "coefficient").first() or {"level": None, "coefficient": None})
        run = self.run
        level = hospital["level"]
        key = level if level in (1, 2) else 3
        params = run.parameters or {}

        def ratio(name: str) -> Decimal | None:
            raw = params.get(f"{name}_{key}")
            return Decimal(raw).quantize(Decimal("0.0001")) if raw not in (None, "") else None

        stat = (GroupStat._base_manager.filter(region_id=self.region_id, version_id=run.stats_version_id,
                                               group_code=self.drg_code).values("mean_cost", "base_points").first()
                or {"mean_cost": None, "base_points": None})
        return {"level": level, "coefficient": hospital["coefficient"], "low_ratio": ratio("low_ratio"),
                "high_ratio": ratio("high_ratio"), "group_mean": stat["mean_cost"], "base_points": stat["base_points"]}


class HospitalResult(ChildOfPublishedGuard, RegionScopedModel):
    """A hospital's statement in one run (domain §5)."""

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="hospital_results")
    parent_field = "run"
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    coefficient = models.DecimalField(max_digits=8, decimal_places=4)
    cases = models.PositiveIntegerField()
    points = points_field(_("points"))
    adjusted_points = points_field(_("adjusted points"))
    self_pay = money(_("self pay"))
    # empty when the run pays two funds: each fund has its own (HospitalFundResult)
    point_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    due = money(_("fund due"))
    advance = money(_("advance"), null=True, blank=True)
    balance = money(_("balance"), null=True, blank=True)
    fund_paid = money(_("fund paid (fee for service)"), null=True, blank=True)
    ffs_difference = money(_("difference to fee for service"), null=True, blank=True)
    # upload deadline (domain §10): the month's advance is 0 while the month's lists are not declared
    suspended = models.BooleanField(_("advance suspended"), default=False, db_default=False)
    suspension_reason = models.TextField(_("suspension reason"), blank=True, default="", db_default="")
    # surplus retention / overspend sharing of the annual clearing (domain §10): `due_before` is the points due,
    # `due` the amount after these lines; null where §10 does not apply (default parameters)
    due_before = money(_("due before retention/sharing"), null=True, blank=True)
    retained = money(_("surplus retained"), null=True, blank=True)
    shared = money(_("overspend shared by the fund"), null=True, blank=True)

    class Meta:
        ordering = ["run", "hospital__code"]
        constraints = [models.UniqueConstraint(fields=["run", "hospital"], name="uniq_hospital_result")]

    def __str__(self) -> str:
        return f"{self.hospital_id}: {self.due}"


class FundResult(ChildOfPublishedGuard, RegionScopedModel):
    """One fund (310 employees / 390 residents) of a two-fund run: the point value with its inputs (domain §10)."""

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="fund_results")
    parent_field = "run"
    insurance_type = models.CharField(_("fund"), max_length=3)
    fund_budget = money(_("annual fund budget"))
    cases = models.PositiveIntegerField(_("cases"), default=0)
    points = points_field(_("points"), default=0)
    adjusted_points = points_field(_("adjusted points"), default=0)
    self_pay = money(_("self pay"), default=0)
    point_value = models.DecimalField(_("point value"), max_digits=14, decimal_places=4, null=True, blank=True)
    due = money(_("fund due"), default=0)
    advance = money(_("advance"), null=True, blank=True)
    balance = money(_("balance"), null=True, blank=True)

    class Meta:
        ordering = ["run", "insurance_type"]
        constraints = [models.UniqueConstraint(fields=["run", "insurance_type"], name="uniq_fund_result")]

    def __str__(self) -> str:
        return f"{self.insurance_type}: {self.point_value}"


class HospitalFundResult(ChildOfPublishedGuard, RegionScopedModel):
    """A hospital's figures in one fund of a two-fund run; the hospital's HospitalResult holds their sums."""

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="hospital_fund_results")
    parent_field = "run"
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    insurance_type = models.CharField(_("fund"), max_length=3)
    cases = models.PositiveIntegerField(_("cases"))
    points = points_field(_("points"))
    adjusted_points = points_field(_("adjusted points"))
    self_pay = money(_("self pay"))
    fund_paid = money(_("fund paid (fee for service)"))
    point_value = models.DecimalField(_("point value"), max_digits=14, decimal_places=4, null=True, blank=True)
    due = money(_("fund due"))
    advance = money(_("advance"), null=True, blank=True)
    balance = money(_("balance"), null=True, blank=True)

    class Meta:
        ordering = ["run", "hospital__code", "insurance_type"]
        constraints = [models.UniqueConstraint(fields=["run", "hospital", "insurance_type"],
                                               name="uniq_hospital_fund_result")]

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.insurance_type}: {self.due}"


class MonthSubmission(RegionScopedModel):
    """A hospital's declaration that month M's settlement lists are complete (提交), or its 逾期 flag (domain §10).

    `overdue_at` is set when the deadline (day `upload_deadline_day` of M+1) passed without a declaration;
    a flagged hospital's advance in the monthly run of M is suspended until it declares and M is re-run.
    """

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("month"), max_length=7, help_text="YYYY-MM")
    deadline = models.DateField(_("deadline"))
    submitted_at = models.DateTimeField(_("declared complete at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["region", "-period", "hospital__code"]
        constraints = [models.UniqueConstraint(fields=["hospital", "period"], name="uniq_month_submission")]
        indexes = [models.Index(fields=["region", "period"])]
        verbose_name = _("month declaration")
        verbose_name_plural = _("month declarations")

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.period}"
