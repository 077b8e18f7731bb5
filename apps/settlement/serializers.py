"""API representations of coefficients and settlement runs. Decimals are strings, exactly as stored."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .enums import RunKind
from .models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun


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


class SettlementRunSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    totals = serializers.SerializerMethodField()
    coefficient_version = serializers.PrimaryKeyRelatedField(read_only=True)
    stats_version = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = SettlementRun
        fields = ["id", "region", "kind", "period", "year", "month", "version", "status", "progress", "error",
                  "point_value", "totals", "stats_version", "coefficient_version", "started_at", "finished_at",
                  "published_at"]

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

    class Meta:
        model = HospitalResult
        fields = ["id", "hospital", "hospital_name", "level", "coefficient", "cases", "points", "adjusted_points",
                  "self_pay", "point_value", "due", "advance", "balance", "fund_paid", "ffs_difference"]


class CaseResultSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="hospital.code", read_only=True)

    class Meta:
        model = CaseResult
        fields = ["id", "settlement_id", "hospital", "drg_code", "level", "case_type", "total_cost", "self_pay",
                  "fund_paid", "group_mean", "base_points", "ratio", "low_ratio", "high_ratio", "effective_base",
                  "coefficient", "unreasonable_cost", "application_id", "points", "adjusted_points"]
