"""API of monitoring (interfaces.md §3): indicators, indicator periods (compute), rankings.

Scope first: a region code, hospital code or id outside what the caller may read answers 404; inside the
region a role that may not act answers 403 (the services check the acting roles). Hospital users read their
own hospital's indicators and published rankings, where the other hospitals of their tier are anonymised.
"""
from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core.api import HTTP_202, ScopedAPIMixin
from apps.core.errors import ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.hospitals.models import Hospital

from . import selectors
from .enums import Scope
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
        own = None if access.reads_region(region.pk) else access.own_hospitals(region.pk)
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
        wide = [r for r in access.region_ids if access.reads_region(r)]
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
        wide = [r for r in access.region_ids if access.reads_region(r)]
        hospital = [r for r in access.region_ids if r not in wide and access.own_hospitals(r)]
        qs = Ranking.objects.filter(region_id__in=wide) | Ranking.objects.filter(
            region_id__in=hospital, status=Lifecycle.PUBLISHED)
        return qs.select_related("region").order_by("-quarter", "region__code")

    def _own(self, ranking: Ranking) -> set[int] | None:
        access = self.request.access
        return None if access.reads_region(ranking.region_id) else access.own_hospitals(ranking.region_id)

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


# --- issue 20: the hospital's view and the data-quality scorecard -------------------------------------------------


def _jsonable(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _subject(request, region) -> tuple[Hospital, bool]:
    """The hospital of `?hospital=` (any of the region for region-wide readers, own ones for hospital users; 404
    otherwise) and whether the caller sees other hospitals' names."""
    access = request.access
    code = request.query_params.get("hospital")
    qs = Hospital.objects.filter(region=region).order_by("code")
    if access.reads_region(region.pk):
        found = qs.filter(code=code).first() if code else qs.first()
        names = True
    else:
        qs = qs.filter(pk__in=access.own_hospitals(region.pk))
        found = qs.filter(code=code).first() if code else qs.first()
        names = False
    if found is None:
        raise NotFound()
    return found, names


def _int_param(request, name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name}: a whole number") from None
    if not lo <= value <= hi:
        raise ValidationFailed(f"{name}: between {lo} and {hi}")
    return value


def _one(serializer):
    """A `list` action answering one object (a report, not a page of rows): drf-spectacular would otherwise
    describe its 200 as an array of it."""
    extend_schema_serializer(many=False)(type(serializer))
    return serializer


PNL_ROW = inline_serializer("PnlRow", {
    "group": serializers.CharField(required=False), "group_name": serializers.CharField(required=False),
    "department": serializers.CharField(required=False), "month": serializers.IntegerField(required=False),
    "cases": serializers.IntegerField(), "adjusted_points": serializers.DecimalField(max_digits=24, decimal_places=4),
    "fund_part": serializers.DecimalField(max_digits=18, decimal_places=2),
    "self_pay": serializers.DecimalField(max_digits=18, decimal_places=2),
    "payment": serializers.DecimalField(max_digits=18, decimal_places=2),
    "cost": serializers.DecimalField(max_digits=18, decimal_places=2),
    "profit": serializers.DecimalField(max_digits=18, decimal_places=2),
    "profit_per_case": serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True),
    "payment_ratio": serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True),
    "alos": serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)})
PNL_OUT = _one(inline_serializer("PnlOut", {
    "hospital": serializers.CharField(), "year": serializers.IntegerField(),
    "month": serializers.IntegerField(allow_null=True), "by": serializers.CharField(),
    "runs": serializers.ListField(child=serializers.DictField()), "rows": PNL_ROW.__class__(many=True),
    "total": PNL_ROW.__class__(allow_null=True)}))


class PnlViewSet(ScopedAPIMixin, viewsets.ViewSet):
    """病组盈亏 of one hospital: `GET /analysis/pnl/?region=&hospital=&year=&month=&by=group|department|month`.

    Payment = Σ adjusted points × the published monthly run's point value (fund part + self pay); profit = payment
    − Σ total cost; worst loss first; `total` over all rows. Hospital users: own hospital only (else 404)."""

    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("hospital", str),
                               OpenApiParameter("year", int), OpenApiParameter("month", int),
                               OpenApiParameter("by", str, enum=["group", "department", "month"]),
                               OpenApiParameter("losses", bool, description="only loss-making rows")],
                   responses={200: PNL_OUT, **ERRORS})
    def list(self, request):
        import datetime as dt

        from .analysis import DIMENSIONS, pnl

        region = selectors.region_for(request.access, request.query_params.get("region"))
        hospital, _names = _subject(request, region)
        year = _int_param(request, "year", dt.date.today().year, 2000, 2100)
        month = _int_param(request, "month", None, 1, 12)
        by = request.query_params.get("by") or "group"
        if by not in DIMENSIONS:
            raise ValidationFailed("by: group, department or month")
        data = pnl(region, hospital, year, (by,), month)
        rows = data["rows"]
        if request.query_params.get("losses") in ("1", "true", "yes"):
            rows = [r for r in rows if r["profit"] < 0]
        return Response(_jsonable({
            "hospital": hospital.code, "year": year, "month": month, "by": by,
            "runs": [{"id": r.pk, "period": r.period, "version": r.version, "point_value": r.point_value}
                     for r in data["runs"]],
            "rows": rows, "total": data["total"]}))


class PeersViewSet(ScopedAPIMixin, viewsets.ViewSet):
    """The same group across the region's hospitals of the hospital's level: `GET /analysis/peers/?region=
    &hospital=&group=&period=YYYY|YYYY-MM`. Hospital users see the others as 机构A, B … and nothing about them
    when fewer than three others treated the group (`suppressed`); region-wide readers see names."""

    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("hospital", str),
                               OpenApiParameter("group", str, required=True), OpenApiParameter("period", str)],
                   responses={200: _one(inline_serializer("PeersOut", {
                       "group": serializers.CharField(), "period": serializers.CharField(),
                       "level": serializers.IntegerField(), "peers": serializers.IntegerField(),
                       "suppressed": serializers.BooleanField(), "rows": serializers.ListField(
                           child=serializers.DictField()), "level_total": serializers.DictField(allow_null=True)})),
                       **ERRORS})
    def list(self, request):
        import datetime as dt

        from .analysis import peer_comparison
        from .formulas import parse_period

        region = selectors.region_for(request.access, request.query_params.get("region"))
        hospital, names = _subject(request, region)
        group = (request.query_params.get("group") or "").strip().upper()
        if not group:
            raise ValidationFailed("group: required")
        period = parse_period(request.query_params.get("period") or str(dt.date.today().year))
        if period.kind == "quarter":
            raise ValidationFailed("period: YYYY or YYYY-MM")
        return Response(_jsonable(peer_comparison(region, hospital, group, period, names)))


class ScorecardViewSet(ScopedAPIMixin, viewsets.ViewSet):
    """Data-quality scorecards per hospital and month: `GET /quality/scorecards/?region=&year=&month=&hospital=`.
    Region-wide readers: every hospital; hospital users: their own. Each row has its counts, rates and score."""

    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("year", int),
                               OpenApiParameter("month", int), OpenApiParameter("hospital", str)],
                   responses={200: _one(inline_serializer("ScorecardOut", {
                       "weights": serializers.DictField(), "results": serializers.ListField(
                           child=serializers.DictField())})), **ERRORS})
    def list(self, request):
        import datetime as dt

        from .quality import WEIGHTS, scorecards

        access = request.access
        region = selectors.region_for(access, request.query_params.get("region"))
        year = _int_param(request, "year", dt.date.today().year, 2000, 2100)
        month = _int_param(request, "month", None, 1, 12)
        ids = None
        if request.query_params.get("hospital") or not access.reads_region(region.pk):
            ids = {_subject(request, region)[0].pk}
        cards = scorecards(region, year, [month] if month else None, ids)
        codes = dict(Hospital.objects.filter(pk__in={c["hospital_id"] for c in cards}).values_list("pk", "code"))
        for c in cards:
            c["hospital"] = codes[c.pop("hospital_id")]
            c["period"] = f"{year}-{c['month']:02d}"
        return Response(_jsonable({"weights": WEIGHTS, "results": cards}))


class RectificationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    hospital = serializers.CharField(source="hospital.code", read_only=True)

    class Meta:
        from .models import Rectification

        model = Rectification
        fields = ["id", "region", "hospital", "month", "notice_id", "request_text", "scorecard", "status", "sent_at",
                  "acknowledged_at", "reply", "replied_at"]
        read_only_fields = fields


class RectificationIn(serializers.Serializer):
    region = serializers.CharField()
    hospital = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    text = serializers.CharField(max_length=4000)


class ReplyIn(serializers.Serializer):
    reply = serializers.CharField(max_length=4000)


@extend_schema(responses={**ERRORS})
class RectificationViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """整改通知: `POST {region, hospital, month, text}` (bureau administrator) sends one by a notice addressed to that
    hospital; the hospital `POST …/{id}/acknowledge/` and `POST …/{id}/reply/ {reply}`. Hospital users see their
    own hospital's requests; another hospital's id is 404."""

    serializer_class = RectificationSerializer
    pagination_class = Pages
    filterset_class = None

    def get_queryset(self):
        from django.db.models import Q

        from .models import Rectification

        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Rectification.objects.none()
        access = self.request.access
        q = Q(pk__in=[])
        for r in access.region_ids:
            if access.reads_region(r):
                q |= Q(region_id=r)
            elif own := access.own_hospitals(r):
                q |= Q(region_id=r, hospital_id__in=own)
        return Rectification.objects.filter(q).select_related("region", "hospital").order_by("-sent_at")

    @extend_schema(request=RectificationIn, responses={201: RectificationSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        form = RectificationIn(data=request.data)
        form.is_valid(raise_exception=True)
        region = selectors.region_for(request.access, form.validated_data["region"])
        hospital = Hospital.objects.filter(region=region, code=form.validated_data["hospital"]).first()
        if hospital is None:
            raise NotFound()
        rect = services().rectification_send(actor=request.user, region=region, hospital=hospital,
                                             month=form.validated_data["month"], text=form.validated_data["text"])
        return Response(RectificationSerializer(rect).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RectificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        rect = services().rectification_acknowledge(actor=request.user, rect=self.get_object())
        return Response(RectificationSerializer(rect).data)

    @extend_schema(request=ReplyIn, responses={200: RectificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        rect = self.get_object()  # scope first: another hospital's id is 404 whatever the body
        form = ReplyIn(data=request.data)
        form.is_valid(raise_exception=True)
        rect = services().rectification_reply(actor=request.user, rect=rect, text=form.validated_data["reply"])
        return Response(RectificationSerializer(rect).data)


ROUTES = [
    ("indicators", IndicatorViewSet, "indicator"),
    ("indicator-periods", IndicatorPeriodViewSet, "indicator-period"),
    ("rankings", RankingViewSet, "ranking"),
    ("analysis/pnl", PnlViewSet, "analysis-pnl"),
    ("analysis/peers", PeersViewSet, "analysis-peers"),
    ("quality/scorecards", ScorecardViewSet, "quality-scorecard"),
    ("rectifications", RectificationViewSet, "rectification"),
]
URLPATTERNS: list = []
