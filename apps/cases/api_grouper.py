"""Grouper API (interfaces.md §3): `POST /grouper/{version}/group/` groups one case, `GET /grouper/versions/`.

`{version}` may be `default`: the version the caller's region names for this year (PolicyYear.grouper_version).
Codes the version does not know come back in `suggestions`, by name and with the version's codes under them.

Any authenticated user may call it (HIS systems pre-group at discharge). The region's local subdivision rules
apply when the caller belongs to exactly one region, or to the region named by `region` (in the body or the
query string: a code in the caller's scope; anything else is 404, like every out-of-scope id).
"""
from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ScopedAPIMixin
from apps.groups.grouper.files import SHIPPED
from apps.groups.grouper.loader import policy_version
from apps.groups.grouper.suggest import DX_CODES, PRINCIPAL_TABLE, unknown_codes
from apps.tenants.models import Region

from . import grouping


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


class GrouperCandidateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class GrouperSuggestionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="principal_dx | procedures")
    code = serializers.CharField(help_text="the code as entered")
    table = serializers.CharField(help_text="principal_dx_table | dx_codes | pr_codes")
    message = serializers.CharField(help_text="e.g. K35.800 不在 CHS-DRG 1.1 的主要诊断表中")
    candidates = GrouperCandidateSerializer(many=True)


class GroupAnswerSerializer(GroupResultSerializer):
    suggestions = GrouperSuggestionSerializer(many=True, help_text="codes the version does not know, with its codes under them")


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


def version_label(version: str) -> str:
    """How users name a version ("CHS-DRG 1.1", "盐城 2023"): the shipped label, else the code."""
    return SHIPPED.get(version, {}).get("label", version)


def _message(item, label: str) -> str:
    values = {"code": item.code, "version": label}
    if item.table == PRINCIPAL_TABLE:
        return _("%(code)s is not in the principal-diagnosis table of %(version)s") % values
    if item.table == DX_CODES:
        return _("%(code)s is not a diagnosis code of %(version)s") % values
    return _("%(code)s is not a procedure code of %(version)s") % values


def suggestions(case_input, ruleset, version: str) -> list[dict]:
    """The codes of the case that the version does not know, each with the version's codes under it."""
    label = version_label(version)
    return [{"field": u.field, "code": u.code, "table": u.table, "message": _message(u, label),
             "candidates": [{"code": c, "name": n} for c, n in u.candidates]}
            for u in unknown_codes(case_input, ruleset)]


def group_fields(version: str, region: Region | None, fields: dict) -> dict:
    """Group one case given as API fields; the answer of the API and of the grouping page."""
    ruleset = grouping.get_ruleset(version, region.pk if region else None)
    case_input = grouping.make_input(**{k: fields.get(k) for k in (
        "principal_dx", "secondary_dx", "procedures", "gender", "age", "age_days", "birth_weight_g", "los_days",
        "discharge_method", "ventilation_hours")})
    answer = grouping.result_dict(grouping.group_one(case_input, ruleset))
    try:
        answer["suggestions"] = suggestions(case_input, ruleset, version)
    except (AttributeError, TypeError):  # a stand-in rule set (tests) without code tables
        answer["suggestions"] = []
    return answer


def region_version(region: Region | None) -> str | None:
    """The version the region's policy year names when it is loaded, else the region's default."""
    names = grouping.version_names()
    if region is not None:
        named = policy_version(region.pk)
        if named and named in names:
            return named
    return grouping.default_version(region)


class GrouperGroupView(ScopedAPIMixin, APIView):
    """`POST /grouper/{version}/group/`: one case's fields → `{status, mdc, adrg, drg_code, drg_name, mcc, cc, trace}`."""

    serializer_class = GroupInputSerializer

    @extend_schema(request=GroupInputSerializer, responses=GroupAnswerSerializer,
                   parameters=[OpenApiParameter("version", str, OpenApiParameter.PATH,
                                                description="a loaded version, or `default`: the region's")])
    def post(self, request, version: str):
        body_region = request.data.get("region") if hasattr(request.data, "get") else None
        region = grouper_region(request, request.query_params.get("region") or body_region)
        if version == "default":
            version = region_version(region) or ""
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


URLPATTERNS = [
    path("grouper/versions/", GrouperVersionsView.as_view(), name="api-grouper-versions"),
    path("grouper/<str:version>/group/", GrouperGroupView.as_view(), name="api-grouper-group"),
]
