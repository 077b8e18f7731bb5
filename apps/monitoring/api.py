"""API of monitoring (interfaces.md §3): indicators, indicator periods (compute), rankings.

Scope first: a region code, hospital code or id outside what the caller may read answers 404; inside the
region a role that may not act answers 403 (the services check the acting roles). Hospital users read their
own hospital's indicators and published rankings, where the other hospitals of their tier are anonymised.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core.api import HTTP_202, ScopedAPIMixin
from apps.core.errors import ValidationFailed
from apps.hospitals.models import Hospital

from . import selectors
from .enums import RankingStatus, Scope
from .models import Indicator, IndicatorPeriod, Ranking

ERROR = inline_serializer("MonitoringError", {"detail": serializers.CharField(), "code": serializers.CharField()})
ERRORS = {400: OpenApiResponse(ERROR), 403: OpenApiResponse(ERROR), 404: OpenApiResponse(ERROR)}


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


def services():
    from . import services as module

    return module


class IndicatorSerializer(serializers.ModelSerializer):
    hospital = serializers.SerializerMethodField()
    hospital_name = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["id", "period", "scope", "hospital", "hospital_name", "level", "cases", "cmi", "cost_index",
                  "time_index", "group_count", "alos", "avg_cost", "drug_share", "consumable_share", "exam_share",
                  "lowrisk_mortality", "deaths", "risk_cases", "risk_deaths"]

    def get_hospital(self, obj) -> str | None:
        return obj.hospital.code if obj.hospital_id else None

    def get_hospital_name(self, obj) -> str | None:
        return obj.hospital.name if obj.hospital_id else None

    def get_period(self, obj) -> str:
        return self.context["period"].period


class IndicatorPeriodSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    coverage = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorPeriod
        fields = ["id", "region", "period", "kind", "status", "progress", "error", "cases", "coverage",
                  "computed_at"]

    def get_coverage(self, obj) -> dict:
        def s(v):
            return None if v is None else str(v)

        return {
            "hospitals": {"covered": obj.hospitals_covered, "total": obj.hospitals_total,
                          "share": s(obj.hospitals_share), "target": s(obj.target_hospitals)},
            "cases": {"covered": obj.cases_covered, "total": obj.cases_total, "share": s(obj.cases_share),
                      "target": s(obj.target_cases)},
            "fund": {"covered": s(obj.fund_covered), "total": s(obj.fund_total), "share": s(obj.fund_share),
                     "target": s(obj.target_fund)},
        }


class PeriodStartSerializer(serializers.Serializer):
    region = serializers.CharField()
    period = serializers.CharField(help_text="YYYY, YYYY-Qn or YYYY-MM")


class RankingStartSerializer(serializers.Serializer):
    region = serializers.CharField()
    quarter = serializers.CharField(help_text="YYYY-Qn")


class RankingRowOut(serializers.Serializer):
    """A ranked hospital; for a hospital user the others of its tier have no code and an anonymous name."""

    hospital = serializers.CharField(allow_null=True)
    hospital_name = serializers.CharField()
    own = serializers.BooleanField()
    level = serializers.IntegerField()
    type = serializers.CharField()
    tier_size = serializers.IntegerField()
    rank = serializers.IntegerField()
    composite = serializers.DecimalField(max_digits=8, decimal_places=4)
    cmi = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True, required=False)
    cost_index = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True, required=False)
    time_index = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True, required=False)
    lowrisk_mortality = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True, required=False)
    group_count = serializers.IntegerField(required=False)
    cases = serializers.IntegerField(required=False)


class RankingOut(serializers.Serializer):
    id = serializers.IntegerField()
    region = serializers.CharField()
    quarter = serializers.CharField()
    status = serializers.CharField()
    weights = serializers.DictField()
    notice = serializers.IntegerField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    rows = RankingRowOut(many=True)


def ranking_json(ranking: Ranking, own: set[int] | None) -> dict:
    """A ranking with its rows; for a hospital user (own = its hospital ids) the others of its tier anonymised."""
    if own is None:
        rows = [{"hospital": r.hospital.code, "hospital_name": r.hospital.name, "own": False, "row": r}
                for r in selectors.ranking_rows(ranking)]
    else:
        rows = [{"hospital": item["code"] or None, "hospital_name": item["label"], "own": item["own"],
                 "row": item["row"]} for item in selectors.anonymised_ranking_rows(ranking, own)]
    full = own is None

    def row(item):
        r = item["row"]
        body = {"hospital": item["hospital"], "hospital_name": item["hospital_name"], "own": item["own"],
                "level": r.level, "type": r.type, "tier_size": r.tier_size, "rank": r.rank,
                "composite": str(r.composite)}
        if full or item["own"]:
            body.update({k: (None if getattr(r, k) is None else str(getattr(r, k)))
                         for k in ("cmi", "cost_index", "time_index", "lowrisk_mortality")})
            body["group_count"] = r.group_count
            body["cases"] = r.cases
        return body

    return {"id": ranking.pk, "region": ranking.region.code, "quarter": ranking.quarter, "status": ranking.status,
            "weights": ranking.weights, "notice": ranking.notice_id,
            "published_at": ranking.published_at.isoformat() if ranking.published_at else None,
            "rows": [row(i) for i in rows]}


@extend_schema(responses={**ERRORS})
class IndicatorViewSet(ScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /indicators/?region=&period=&hospital=&scope=` — per hospital (default; `scope=level|region` for the
    aggregates) of one region and period (default: the latest computed year)."""

    serializer_class = IndicatorSerializer
    pagination_class = Pages
    queryset = Indicator.objects.none()
    filterset_class = None

    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("period", str),
                               OpenApiParameter("hospital", str), OpenApiParameter("scope", str)],
                   responses={200: IndicatorSerializer(many=True), **ERRORS})
    def list(self, request, *args, **kwargs):
        access = request.access
        region = selectors.region_for(access, request.query_params.get("region"))
        period = selectors.period_get(region, request.query_params.get("period"))
        if period is None:
            raise NotFound("No computed indicators for this period.")
        scope = request.query_params.get("scope") or Scope.HOSPITAL
        if scope not in Scope.values:
            raise ValidationFailed(f"scope: one of {', '.join(Scope.values)}")
        own = None if selectors.reads_all(access, region.pk) else selectors.own_hospitals(access, region.pk)
        if own is not None and scope == Scope.LEVEL:
            raise PermissionDenied()
        if scope == Scope.HOSPITAL:
            rows = selectors.hospital_rows(period, own)
            code = request.query_params.get("hospital")
            if code:
                hospital = Hospital.objects.filter(region=region, code=code).first()
                if hospital is None or (own is not None and hospital.pk not in own):
                    raise NotFound()
                rows = rows.filter(hospital=hospital)
        elif scope == Scope.LEVEL:
            rows = selectors.level_rows(period)
        else:
            rows = Indicator.objects.filter(period=period, scope=Scope.REGION)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(IndicatorSerializer(page, many=True, context={"period": period}).data)


@extend_schema(responses={**ERRORS})
class IndicatorPeriodViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    """Indicator computations: `POST {region, period}` → 202 `{id, status}`; `GET …/{id}/` its progress and the
    period's reform coverage against the year's targets."""

    serializer_class = IndicatorPeriodSerializer
    queryset = IndicatorPeriod.objects.none()
    filterset_class = None

    def get_queryset(self):
        access = self.request.access
        wide = [r for r in access.region_ids if selectors.reads_all(access, r)]
        return IndicatorPeriod.objects.filter(region_id__in=wide).select_related("region").order_by("-start", "kind")

    @extend_schema(request=PeriodStartSerializer, responses={202: IndicatorPeriodSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        form = PeriodStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        region = selectors.region_for(request.access, form.validated_data["region"])
        item = services().indicators_compute(actor=request.user, region=region, period=form.validated_data["period"])
        return Response(IndicatorPeriodSerializer(item).data, status=HTTP_202)


@extend_schema(responses={**ERRORS})
class RankingViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly rankings (赛马). `GET /rankings/?region=&quarter=` lists them with their rows; `POST {region,
    quarter}` computes (or re-computes) the draft; `POST …/{id}/publish/` publishes it by notice."""

    serializer_class = RankingOut  # answers are built by ranking_json
    queryset = Ranking.objects.none()
    filterset_class = None

    def get_queryset(self):
        access = self.request.access
        wide = [r for r in access.region_ids if selectors.reads_all(access, r)]
        hospital = [r for r in access.region_ids if r not in wide and selectors.own_hospitals(access, r)]
        qs = Ranking.objects.filter(region_id__in=wide) | Ranking.objects.filter(
            region_id__in=hospital, status=RankingStatus.PUBLISHED)
        return qs.select_related("region").order_by("-quarter", "region__code")

    def _own(self, ranking: Ranking) -> set[int] | None:
        access = self.request.access
        return None if selectors.reads_all(access, ranking.region_id) else selectors.own_hospitals(
            access, ranking.region_id)

    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("quarter", str),
                               OpenApiParameter("status", str)], responses={200: RankingOut(many=True), **ERRORS})
    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        code = request.query_params.get("region")
        if code:
            region = selectors.region_for(request.access, code)
            qs = qs.filter(region=region)
        quarter = request.query_params.get("quarter")
        if quarter:
            qs = qs.filter(quarter=quarter.strip().upper())
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([ranking_json(r, self._own(r)) for r in page])

    @extend_schema(responses={200: RankingOut, **ERRORS})
    def retrieve(self, request, *args, **kwargs):
        ranking = self.get_object()
        return Response(ranking_json(ranking, self._own(ranking)))

    @extend_schema(request=RankingStartSerializer, responses={201: RankingOut, **ERRORS})
    def create(self, request, *args, **kwargs):
        form = RankingStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        region = selectors.region_for(request.access, form.validated_data["region"])
        ranking = services().ranking_compute(actor=request.user, region=region,
                                             quarter=form.validated_data["quarter"])
        return Response(ranking_json(ranking, None), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RankingOut, **ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        ranking = self.get_object()
        if self._own(ranking) is not None:
            raise PermissionDenied()
        ranking = services().ranking_publish(actor=request.user, ranking=ranking)
        return Response(ranking_json(ranking, None))


ROUTES = [
    ("indicators", IndicatorViewSet, "indicator"),
    ("indicator-periods", IndicatorPeriodViewSet, "indicator-period"),
    ("rankings", RankingViewSet, "ranking"),
]
URLPATTERNS: list = []
