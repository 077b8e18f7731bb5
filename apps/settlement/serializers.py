"""API representations of coefficients and settlement runs. Decimals are strings, exactly as stored."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .enums import RunKind
from .models import (
    CaseResult,
    CoefficientVersion,
    FundResult,
    HospitalCoefficient,
    HospitalFundResult,
    HospitalResult,
    SettlementRun,
)


class CoefficientVersionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    stats_version = serializers.IntegerField(source="stats_version.number", read_only=True)

    class Meta:
        model = CoefficientVersion
        fields = ["id", "region", "year", "number", "status", "progress", "error", "stats_version", "w_level",
                  "w_cost", "new_hospital_factor", "level_index_1", "level_index_2", "level_index_3",
                  "computed_at", "published_at"]


class HospitalCoefficientSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="hospital.code", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    coefficient = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True)

    class Meta:
        model = HospitalCoefficient
        fields = ["id", "hospital", "hospital_name", "level", "n_cases", "cost_index", "level_index", "is_new",
                  "computed", "override", "override_reason", "coefficient"]


class CoefficientsPublishSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text="version number (default: the latest)")


class TotalsSerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    adjusted_points = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    self_pay = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    fund_budget = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    all_avg = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    due = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    advance = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    balance = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class FundResultSerializer(serializers.ModelSerializer):
    """One fund of a two-fund run (domain §10) with the inputs of its point value."""

    class Meta:
        model = FundResult
        fields = ["insurance_type", "fund_budget", "cases", "points", "adjusted_points", "self_pay", "point_value",
                  "due", "advance", "balance"]


class HospitalFundResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = HospitalFundResult
        fields = ["insurance_type", "cases", "points", "adjusted_points", "self_pay", "fund_paid", "point_value",
                  "due", "advance", "balance"]


class SettlementRunSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    totals = serializers.SerializerMethodField()
    point_values = serializers.SerializerMethodField(
        help_text='two funds (domain §10): {"310": "…", "390": "…"}; empty with one fund')
    funds = FundResultSerializer(source="fund_results", many=True, read_only=True)
    coefficient_version = serializers.PrimaryKeyRelatedField(read_only=True)
    stats_version = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = SettlementRun
        fields = ["id", "region", "kind", "period", "year", "month", "version", "status", "progress", "error",
                  "point_value", "point_values", "funds", "totals", "stats_version", "coefficient_version", "started_at", "finished_at",
                  "published_at"]

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_null=True)))
    def get_point_values(self, run: SettlementRun) -> dict:
        return dict(run.point_values or {})

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, run: SettlementRun) -> dict:
        return TotalsSerializer({
            "cases": run.cases, "points": run.total_points, "adjusted_points": run.total_adjusted_points,
            "self_pay": run.total_self_pay, "fund_budget": run.fund_budget, "all_avg": run.all_avg,
            "due": run.total_due, "advance": run.total_advance, "balance": run.total_balance,
        }).data


class RunStartSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=6, help_text="region code")
    kind = serializers.ChoiceField(choices=RunKind.choices)
    period = serializers.CharField(max_length=7, help_text="YYYY-MM or YYYY")


class RunCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class HospitalResultSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="hospital.code", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    funds = serializers.SerializerMethodField()

    class Meta:
        model = HospitalResult
        fields = ["id", "hospital", "hospital_name", "level", "coefficient", "cases", "points", "adjusted_points",
                  "self_pay", "point_value", "due", "advance", "balance", "fund_paid", "ffs_difference",
                  "suspended", "suspension_reason", "due_before", "retained", "shared", "funds"]

    @extend_schema_field(HospitalFundResultSerializer(many=True))
    def get_funds(self, row: HospitalResult) -> list:
        rows = HospitalFundResult.objects.filter(run_id=row.run_id, hospital_id=row.hospital_id) \
            .order_by("insurance_type")
        return HospitalFundResultSerializer(rows, many=True).data


class CaseResultSerializer(serializers.ModelSerializer):
    """Read from `CaseResult.objects.with_inputs()`: the run's shared inputs come through its joins (decision 0046)."""

    hospital = serializers.CharField(source="hospital.code", read_only=True)
    level = serializers.IntegerField(read_only=True)
    group_mean = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    base_points = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True, allow_null=True)
    low_ratio = serializers.DecimalField(max_digits=6, decimal_places=4, read_only=True)
    high_ratio = serializers.DecimalField(max_digits=6, decimal_places=4, read_only=True)
    coefficient = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True)

    class Meta:
        model = CaseResult
        fields = ["id", "settlement_id", "hospital", "insurance_type", "drg_code", "level", "case_type", "total_cost", "self_pay",
                  "fund_paid", "group_mean", "base_points", "ratio", "low_ratio", "high_ratio", "effective_base",
                  "coefficient", "unreasonable_cost", "application_id", "points", "adjusted_points"]


class MonthHospitalSerializer(serializers.Serializer):
    """One hospital's declaration of a month (domain §10)."""

    hospital = serializers.CharField()
    hospital_name = serializers.CharField()
    deadline = serializers.DateField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    suspended = serializers.BooleanField()
    run_id = serializers.IntegerField(allow_null=True)
    run_version = serializers.IntegerField(allow_null=True)


class MonthSubmitSerializer(serializers.Serializer):
    hospital = serializers.CharField(required=False, help_text="hospital code (only for a user of several hospitals)")
