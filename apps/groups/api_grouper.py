"""Grouper API (interfaces.md §3): `POST /grouper/{version}/group/` groups one case, `GET /grouper/versions/`.

Any authenticated user may call it (HIS systems pre-group at discharge). The region's local subdivision rules
apply when the caller belongs to exactly one region, or to the region named by `region` (in the body or the
query string: a code in the caller's scope; anything else is 404, like every out-of-scope id).
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases import grouping
from apps.core.api import ScopedAPIMixin
from apps.tenants.models import Region


@extend_schema_field(serializers.ListField(child=serializers.CharField(max_length=20)))
class CodeListField(serializers.Field):
    """A JSON list of codes, or one string separated by | ; , or spaces."""

    def to_internal_value(self, data):
        if not isinstance(data, list | tuple | str):
            raise serializers.ValidationError("a list of codes")
        codes = grouping.split_codes(data)
        if len(codes) > 60:
            raise serializers.ValidationError("at most 60 codes")
        if any(len(c) > 20 for c in codes):
            raise serializers.ValidationError("a code has at most 20 characters")
        return codes

    def to_representation(self, value):
        return list(value)


class GroupInputSerializer(serializers.Serializer):
    principal_dx = serializers.CharField(max_length=20)
    secondary_dx = CodeListField(required=False, default=list)
    procedures = CodeListField(required=False, default=list, help_text="main procedure first")
    gender = serializers.ChoiceField(choices=[1, 2], required=False, allow_null=True, default=None)
    age = serializers.IntegerField(min_value=0, max_value=150, required=False, allow_null=True, default=None)
    age_days = serializers.IntegerField(min_value=0, max_value=366, required=False, allow_null=True, default=None)
    birth_weight_g = serializers.IntegerField(min_value=0, max_value=10000, required=False, allow_null=True,
                                              default=None)
    los_days = serializers.IntegerField(min_value=0, max_value=3650, required=False, allow_null=True, default=None)
    discharge_method = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    ventilation_hours = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True,
                                                 default=None)
    region = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                   help_text="region code whose local rules apply (default: the caller's only region)")


class TraceStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    message = serializers.CharField()
    codes = serializers.ListField(child=serializers.CharField())


class GroupResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(grouping.STATUSES))
    mdc = serializers.CharField()
    adrg = serializers.CharField()
    drg_code = serializers.CharField()
    drg_name = serializers.CharField()
    mcc = serializers.ListField(child=serializers.CharField())
    cc = serializers.ListField(child=serializers.CharField())
    trace = TraceStepSerializer(many=True)
    ruleset_version = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    version = serializers.CharField()


def grouper_region(request, code: str | None) -> Region | None:
    """The region whose local rules apply: the named one (in scope, else 404) or the caller's only region."""
    region_ids = request.access.region_ids
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None or region.pk not in region_ids:
            raise NotFound()
        return region
    if len(region_ids) == 1:
        return Region.objects.filter(pk=region_ids[0]).first()
    return None


def group_fields(version: str, region: Region | None, fields: dict) -> dict:
    """Group one case given as API fields; the answer of the API and of the grouping page."""
    ruleset = grouping.get_ruleset(version, region.pk if region else None)
    case_input = grouping.make_input(**{k: fields.get(k) for k in (
        "principal_dx", "secondary_dx", "procedures", "gender", "age", "age_days", "birth_weight_g", "los_days",
        "discharge_method", "ventilation_hours")})
    return grouping.result_dict(grouping.group_one(case_input, ruleset))


class GrouperGroupView(ScopedAPIMixin, APIView):
    """`POST /grouper/{version}/group/`: one case's fields → `{status, mdc, adrg, drg_code, drg_name, mcc, cc, trace}`."""

    serializer_class = GroupInputSerializer

    @extend_schema(request=GroupInputSerializer, responses=GroupResultSerializer,
                   parameters=[OpenApiParameter("version", str, OpenApiParameter.PATH)])
    def post(self, request, version: str):
        body_region = request.data.get("region") if hasattr(request.data, "get") else None
        region = grouper_region(request, request.query_params.get("region") or body_region)
        if version not in grouping.version_names():
            raise NotFound(f"no grouper rule set {version}")
        form = GroupInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(group_fields(version, region, form.validated_data))


class GrouperVersionsView(ScopedAPIMixin, APIView):
    """`GET /grouper/versions/`: the loaded grouper rule sets."""

    @extend_schema(responses=VersionSerializer(many=True))
    def get(self, request):
        return Response(grouping.available_versions())
