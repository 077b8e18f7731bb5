"""API shapes for regions, policy years and users (interfaces.md §3). Writes go through services."""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.errors import ValidationFailed
from apps.hospitals.models import Hospital

from .enums import PaymentMethod, Role
from .models import Membership, PolicyYear, Region, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class RegionSerializer(serializers.ModelSerializer):
    province_code = serializers.CharField(source="province.code", max_length=6)
    province_name = serializers.CharField(source="province.name", max_length=50)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.DRG)
    bureau_name = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "province_code", "province_name", "payment_method", "bureau_name"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness is the service's rule (one message)


class PolicySerializer(serializers.ModelSerializer):
    """Every parameter of domain.md by its `set_policy` name; `id` is null for an unsaved default year."""

    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = PolicyYear
        fields = ["id", "region", "year", *PolicyYear.PARAMETERS, "updated_at"]
        read_only_fields = fields


class PolicyWriteSerializer(serializers.ModelSerializer):
    """The PUT body, for the schema: any subset of the parameters, plus an optional reason."""

    reason = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = PolicyYear
        fields = [*PolicyYear.PARAMETERS, "reason"]
        extra_kwargs = {name: {"required": False} for name in PolicyYear.PARAMETERS}


class MembershipSerializer(serializers.ModelSerializer):
    """One membership; region, hospital and province are named by their codes."""

    role = serializers.ChoiceField(choices=Role.choices)
    region = serializers.CharField(source="region.code", required=False, allow_null=True, default=None)
    hospital = serializers.CharField(source="hospital.code", required=False, allow_null=True, default=None)
    province = serializers.CharField(source="province.code", required=False, allow_null=True, default=None)

    class Meta:
        model = Membership
        fields = ["id", "role", "region", "hospital", "province"]
        read_only_fields = ["id"]


class UserSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "is_active", "memberships"]

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        visible = self.context.get("visible_membership")
        rows = [m for m in user.memberships.all() if visible is None or visible(m)]
        return MembershipSerializer(rows, many=True).data


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    memberships = MembershipSerializer(many=True, required=False, default=list)

    def validate_memberships(self, value):
        if len(value) > 20:
            raise serializers.ValidationError(_("At most 20 memberships."))
        return value


def resolve_membership(access, data: dict[str, Any]) -> dict[str, Any]:
    """Turn `{role, region, hospital, province}` codes into instances the caller may name.

    A region outside the caller's scope reads as unknown, so its existence is not revealed.
    """
    from .models import Province

    def code(key: str) -> str | None:
        value = data.get(key)
        if isinstance(value, dict):  # nested source="region.code" shape
            value = value.get("code")
        return str(value).strip() if value not in (None, "") else None

    out: dict[str, Any] = {"role": data["role"], "region": None, "hospital": None, "province": None}
    if region_code := code("region"):
        region = Region.objects.filter(code=region_code, pk__in=access.region_ids).first()
        if region is None:
            raise ValidationFailed(f"unknown region {region_code!r}")
        out["region"] = region
    if hospital_code := code("hospital"):
        if out["region"] is None:
            raise ValidationFailed("a hospital needs its region")
        hospital = Hospital.objects.with_scopes_disabled().filter(region=out["region"], code=hospital_code).first()
        if hospital is None:
            raise ValidationFailed(f"unknown hospital {hospital_code!r} in region {out['region'].code}")
        out["hospital"] = hospital
    if province_code := code("province"):
        province = Province.objects.filter(code=province_code).first()
        if province is None:
            raise ValidationFailed(f"unknown province {province_code!r}")
        out["province"] = province
    return out
