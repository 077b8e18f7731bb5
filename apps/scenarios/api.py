"""API of what-if scenarios (interfaces.md "what-if").

`POST /scenarios/` {region, year, name, parameters, period?, note?} → 202 {id}; `GET /scenarios/` (list,
`?region=&year=`); `GET /scenarios/{id}/` {status, point_value, point_values, hospitals: [{hospital, due,
published_due, difference}], …}; `POST /scenarios/{id}/adopt/` {reason}. A scenario outside the caller's
readable regions (another region, or a hospital/expert caller) is 404; bureau staff build, the bureau
administrator adopts (403 otherwise).
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.core.api import HTTP_202, ScopedAPIMixin
from apps.core.errors import ValidationFailed
from apps.tenants.models import Region

from . import services
from .models import Scenario
from .selectors import scenario_figures, scenario_get, visible_scenarios

ERROR = inline_serializer("ScenarioError", {"detail": serializers.CharField(), "code": serializers.CharField()})
ERRORS = {400: OpenApiResponse(ERROR), 403: OpenApiResponse(ERROR), 404: OpenApiResponse(ERROR)}


def _money(value) -> str | None:
    return None if value is None else str(value)


class ScenarioSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Scenario
        fields = ["id", "region", "year", "name", "note", "period", "parameters", "status", "progress", "error",
                  "baseline", "created_at", "computed_at", "seconds", "adopted_at", "adopt_reason"]


class ScenarioCreateSerializer(serializers.Serializer):
    region = serializers.CharField()
    year = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    parameters = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    period = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AdoptSerializer(serializers.Serializer):
    reason = serializers.CharField()


class HospitalRowSerializer(serializers.Serializer):
    hospital = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    cases = serializers.IntegerField()
    adjusted_points = serializers.CharField(allow_null=True)
    due = serializers.CharField(allow_null=True)
    published_due = serializers.CharField(allow_null=True)
    difference = serializers.CharField(allow_null=True)


class ScenarioDetailSerializer(ScenarioSerializer):
    """The scenario with its figures (documentation of `detail_body`)."""

    point_value = serializers.CharField(allow_null=True)
    published_point_value = serializers.CharField(allow_null=True)
    point_values = serializers.DictField(child=serializers.CharField())
    hospitals = HospitalRowSerializer(many=True)

    class Meta(ScenarioSerializer.Meta):
        fields = [*ScenarioSerializer.Meta.fields, "point_value", "published_point_value", "point_values", "hospitals"]


def detail_body(scenario: Scenario) -> dict:
    figures = scenario_figures(scenario)
    return {
        **ScenarioSerializer(scenario).data,
        "point_value": _money(figures.point_value), "published_point_value": _money(figures.baseline_point_value),
        "point_values": figures.point_values,
        "hospitals": [{"hospital": r["code"], "name": r["name"], "level": r["level"], "cases": r["cases"],
                       "adjusted_points": _money(r["adjusted_points"]), "due": _money(r["due"]),
                       "published_due": _money(r["published_due"]), "difference": _money(r["difference"])}
                      for r in figures.hospitals],
    }


@extend_schema(responses={**ERRORS})
class ScenarioViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What-if scenarios of the caller's regions (bureau, auditor, province and platform readers)."""

    serializer_class = ScenarioSerializer
    queryset = Scenario.objects.none()

    def get_queryset(self):
        qs = visible_scenarios(self.request.access).order_by("-created_at", "-pk")
        region, year = self.request.query_params.get("region"), self.request.query_params.get("year")
        if region:
            qs = qs.filter(region__code=region)
        if year:
            if not year.isdigit():
                raise ValidationFailed("year: not a year")
            qs = qs.filter(year=int(year))
        return qs

    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("year", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ScenarioDetailSerializer, **ERRORS})
    def retrieve(self, request, *args, **kwargs):
        return Response(detail_body(scenario_get(request.access, kwargs["pk"])))

    @extend_schema(request=ScenarioCreateSerializer,
                   responses={202: inline_serializer("ScenarioCreated", {"id": serializers.IntegerField(),
                                                                         "status": serializers.CharField()}), **ERRORS})
    def create(self, request, *args, **kwargs):
        form = ScenarioCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        region = Region.objects.filter(code=data["region"]).first()
        if region is None or region.pk not in request.access.region_ids:
            raise NotFound()
        scenario = services.scenario_create(actor=request.user, region=region, year=data["year"], name=data["name"],
                                            parameters=data["parameters"], period=data["period"] or None,
                                            note=data["note"])
        return Response({"id": scenario.pk, "status": scenario.status}, status=HTTP_202)

    @extend_schema(request=AdoptSerializer, responses={200: ScenarioDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        scenario = scenario_get(request.access, pk)
        form = AdoptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.scenario_adopt(actor=request.user, scenario=scenario, reason=form.validated_data["reason"])
        scenario.refresh_from_db()
        return Response(detail_body(scenario))

ROUTES = [("scenarios", ScenarioViewSet, "scenario")]
URLPATTERNS: list = []
