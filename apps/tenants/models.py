"""Tenants: provinces, pooling regions (统筹区), their yearly policy parameters, users and memberships."""
from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import RegionManager, RegionScopedModel

from .enums import PaymentMethod, Role


class User(AbstractUser):
    """A portal user; what they may see comes only from their memberships."""

    name = models.CharField(_("name"), max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name or self.username


class Province(models.Model):
    code = models.CharField(_("code"), max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$")])
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A pooling region: the tenant. Its code is the 6-digit administrative division code."""

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$")])
    name = models.CharField(_("name"), max_length=50)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="regions", verbose_name=_("province"))
    payment_method = models.CharField(_("payment method"), max_length=3, choices=PaymentMethod.choices, default=PaymentMethod.DRG)
    bureau_name = models.CharField(_("issuing bureau"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def id_for_scope(self) -> int:
        return self.pk


D = Decimal


def _dec(max_digits: int = 8, places: int = 4, **kw) -> models.DecimalField:
    return models.DecimalField(max_digits=max_digits, decimal_places=places, validators=[MinValueValidator(D(0))], **kw)


class PolicyYear(RegionScopedModel):
    """Every policy parameter of domain.md for one region and payment year, with its default."""

    year = models.PositiveSmallIntegerField(_("year"))
    # budget
    fund_budget = _dec(16, 2, default=D("0"), verbose_name=_("annual fund budget (yuan)"))
    prepay_ratio = _dec(5, 4, default=D("0.95"), verbose_name=_("monthly prepayment ratio"))
    # base period and statistics (domain §2)
    base_start = models.PositiveSmallIntegerField(_("base period start year"), null=True, blank=True)
    base_end = models.PositiveSmallIntegerField(_("base period end year"), null=True, blank=True)
    catalogue = models.CharField(_("group catalogue version"), max_length=50, blank=True)
    min_cases = models.PositiveIntegerField(_("minimum cases for a stable group"), default=5)
    cv_max = _dec(6, 4, default=D("1.0"), verbose_name=_("maximum CV for a stable group"))
    lln_cases = models.PositiveIntegerField(_("large-number threshold (cases)"), default=100)
    # coefficients (domain §3)
    w_level = _dec(5, 4, default=D("0.8"), verbose_name=_("weight of the level index"))
    w_cost = _dec(5, 4, default=D("0.2"), verbose_name=_("weight of the cost index"))
    new_hospital_factor = _dec(5, 4, default=D("0.8"), verbose_name=_("new hospital factor"))
    # case types (domain §4)
    low_ratio_1 = _dec(6, 4, default=D("0.3"), verbose_name=_("low ratio, level 1"))
    low_ratio_2 = _dec(6, 4, default=D("0.4"), verbose_name=_("low ratio, level 2"))
    low_ratio_3 = _dec(6, 4, default=D("0.4"), verbose_name=_("low ratio, level 3"))
    high_ratio_1 = _dec(6, 4, default=D("2.0"), verbose_name=_("high ratio, level 1"))
    high_ratio_2 = _dec(6, 4, default=D("2.0"), verbose_name=_("high ratio, level 2"))
    high_ratio_3 = _dec(6, 4, default=D("3.0"), verbose_name=_("high ratio, level 3"))
    bilateral_factor = _dec(6, 4, default=D("1.5"), verbose_name=_("bilateral surgery factor"))
    multi_site_share = _dec(6, 4, default=D("0.5"), verbose_name=_("multi-site secondary share"))
    # caps (domain §6): incentive per mille per level, special cases percent
    incentive_rate_1 = _dec(6, 2, default=D("4"), verbose_name=_("incentive cap ‰, level 1"))
    incentive_rate_2 = _dec(6, 2, default=D("4"), verbose_name=_("incentive cap ‰, level 2"))
    incentive_rate_3 = _dec(6, 2, default=D("6"), verbose_name=_("incentive cap ‰, level 3"))
    special_case_pct = _dec(6, 2, default=D("5"), verbose_name=_("special case cap %"))
    # workflow parameters (workflows.md)
    application_deadline_days = models.PositiveIntegerField(_("application deadline (days after month end)"), default=60)
    experts_per_review = models.PositiveIntegerField(_("experts per review"), default=3)
    dispute_window_days = models.PositiveIntegerField(_("dispute window (days)"), default=30)
    dispute_accept_days = models.PositiveIntegerField(_("dispute acceptance (working days)"), default=5)
    dispute_decision_days = models.PositiveIntegerField(_("dispute decision (working days)"), default=20)
    dispute_appeal_days = models.PositiveIntegerField(_("dispute appeal (working days)"), default=10)
    objection_days = models.PositiveIntegerField(_("objection period (working days)"), default=5)
    # monitoring (domain §8): weights of the quarterly ranking's composite, reform coverage targets (shares 0–1;
    # defaults = the final year of Jilin's 2022–2024 plan: hospitals 100 %, cases 90 %, fund 70 %)
    rank_w_cmi = _dec(5, 4, default=D("0.30"), verbose_name=_("ranking weight: CMI"))
    rank_w_cost_index = _dec(5, 4, default=D("0.20"), verbose_name=_("ranking weight: cost efficiency index"))
    rank_w_time_index = _dec(5, 4, default=D("0.20"), verbose_name=_("ranking weight: time efficiency index"))
    rank_w_group_count = _dec(5, 4, default=D("0.15"), verbose_name=_("ranking weight: DRG group count"))
    rank_w_lowrisk_mortality = _dec(5, 4, default=D("0.15"), verbose_name=_("ranking weight: low-risk mortality"))
    rank_w_quality = _dec(5, 4, default=D("0"), verbose_name=_("ranking weight: data quality"))
    cover_hospitals_target = _dec(5, 4, default=D("1.00"), verbose_name=_("coverage target: hospitals"))
    cover_cases_target = _dec(5, 4, default=D("0.90"), verbose_name=_("coverage target: cases"))
    cover_fund_target = _dec(5, 4, default=D("0.70"), verbose_name=_("coverage target: fund"))
    # grouping (issue 15): the grouper version that groups this year's cases; its DRG list (plus the region's
    # local subdivisions) is the payment catalogue. Empty: the declared codes are used as they are.
    grouper_version = models.CharField(_("grouper version"), max_length=50, blank=True)
    # two funds, upload deadline, surplus retention (domain §10); empty fund budgets = one common fund
    fund_budget_310 = models.DecimalField(_("fund budget, employees (310)"), max_digits=16, decimal_places=2, null=True,
                                          blank=True, validators=[MinValueValidator(D(0))])
    fund_budget_390 = models.DecimalField(_("fund budget, residents (390)"), max_digits=16, decimal_places=2, null=True,
                                          blank=True, validators=[MinValueValidator(D(0))])
    upload_deadline_day = models.PositiveSmallIntegerField(_("upload deadline (day of the following month)"), default=10,
                                                           validators=[MinValueValidator(1), MaxValueValidator(28)])
    surplus_keep_share = _dec(5, 4, default=D("1.0"), verbose_name=_("surplus kept by the hospital (share)"))
    overspend_share = _dec(5, 4, default=D("0.0"), verbose_name=_("overspend shared by the fund (share)"))
    overspend_floor = _dec(5, 4, default=D("0.9"), verbose_name=_("overspend sharing corridor floor"))
    # screening (domain §11)
    readmit_days = models.PositiveIntegerField(_("split admission window (days)"), default=15)
    shift_factor = _dec(6, 4, default=D("2.0"), verbose_name=_("cost shifting factor"))
    screen_reply_days = models.PositiveIntegerField(_("screening reply period (working days)"), default=10)
    updated_at = models.DateTimeField(auto_now=True)

    # Parameters settable through `set_policy` and the API, in domain.md's names.
    PARAMETERS = (
        "fund_budget", "base_start", "base_end", "min_cases", "cv_max", "lln_cases", "w_level", "w_cost",
        "new_hospital_factor", "low_ratio_1", "low_ratio_2", "low_ratio_3", "high_ratio_1", "high_ratio_2",
        "high_ratio_3", "bilateral_factor", "multi_site_share", "prepay_ratio", "incentive_rate_1",
        "incentive_rate_2", "incentive_rate_3", "special_case_pct", "catalogue", "application_deadline_days",
        "experts_per_review", "dispute_window_days", "dispute_accept_days", "dispute_decision_days",
        "dispute_appeal_days", "objection_days",
        "rank_w_cmi", "rank_w_cost_index", "rank_w_time_index", "rank_w_group_count", "rank_w_lowrisk_mortality",
        "rank_w_quality",
        "cover_hospitals_target", "cover_cases_target", "cover_fund_target",
        "grouper_version",
        "fund_budget_310", "fund_budget_390", "upload_deadline_day", "surplus_keep_share", "overspend_share",
        "overspend_floor", "readmit_days", "shift_factor", "screen_reply_days",
    )
    # DIP defaults (domain §7): low 0.5 at all levels, high 2.0, special cases 5‰.
    DIP_DEFAULTS = {
        "low_ratio_1": D("0.5"), "low_ratio_2": D("0.5"), "low_ratio_3": D("0.5"),
        "high_ratio_1": D("2.0"), "high_ratio_2": D("2.0"), "high_ratio_3": D("2.0"),
        "special_case_pct": D("0.5"),
    }

    class Meta:
        ordering = ["region", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="uniq_policy_region_year")]
        verbose_name = _("policy year")
        verbose_name_plural = _("policy years")

    def __str__(self) -> str:
        return f"{self.region} {self.year}"

    @property
    def base_years(self) -> tuple[int, int]:
        """Base period (基期): default the three years before the payment year."""
        return (self.base_start or self.year - 3, self.base_end or self.year - 1)

    @property
    def split_funds(self) -> bool:
        """Two funds (domain §10): both fund budgets given; then each fund has its own point value."""
        return self.fund_budget_310 is not None and self.fund_budget_390 is not None

    def low_ratio(self, level: int) -> Decimal:
        return getattr(self, f"low_ratio_{level}")

    def high_ratio(self, level: int) -> Decimal:
        return getattr(self, f"high_ratio_{level}")

    def incentive_rate(self, level: int) -> Decimal:
        return getattr(self, f"incentive_rate_{level}")


class Membership(models.Model):
    """A user's role in a region (and, for hospital roles and experts, a hospital).

    A province supervisor's membership names a province instead of a region; a platform
    administrator's names neither.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("province"))
    hospital = models.ForeignKey("hospitals.Hospital", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("hospital"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "hospital"], name="uniq_membership", nulls_distinct=False),
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    models.Q(role=Role.PLATFORM_ADMIN, region__isnull=True, province__isnull=True, hospital__isnull=True)
                    | models.Q(role=Role.PROVINCE_SUPERVISOR, region__isnull=True, province__isnull=False, hospital__isnull=True)
                    | models.Q(role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR], region__isnull=False, province__isnull=True, hospital__isnull=True)
                    | models.Q(role=Role.EXPERT, region__isnull=False, province__isnull=True)
                    | models.Q(role__in=[Role.HOSPITAL_STAFF, Role.HOSPITAL_ADMIN], region__isnull=False, province__isnull=True, hospital__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.hospital or self.region or self.province or "*"
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiTokenActivity(models.Model):
    """When an API token was last used, for the idle expiry (settings.API_TOKEN_IDLE_HOURS); see apps/tenants/tokens.py."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="activity")
    last_used_at = models.DateTimeField()

    class Meta:
        verbose_name = _("API token activity")

    def __str__(self) -> str:
        return f"token of user {self.token_id}: {self.last_used_at:%Y-%m-%d %H:%M}"
