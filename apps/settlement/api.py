"""API of coefficients and settlement runs (interfaces.md §3).

Scope first: a region code or run id outside the caller's regions is 404; inside the region a
role that may not read or act is 403 (the services check the acting roles). Hospital users read
published runs and coefficients only, and only their own hospital's rows.
"""
from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import HTTP_202, ScopedAPIMixin
from apps.core.errors import InvalidTransition, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.hospitals.models import Hospital
from apps.tenants.models import Region

from . import rules, selectors
from . import services as settlement_services
from .filters import CaseResultFilter, RunFilter
from .forms import period_error
from .models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun
from .serializers import (
    CaseResultSerializer,
    CoefficientsPublishSerializer,
    CoefficientVersionSerializer,
    HospitalCoefficientSerializer,
    HospitalResultSerializer,
    MonthHospitalSerializer,
    MonthSubmitSerializer,
    RunCreatedSerializer,
    RunStartSerializer,
    SettlementRunSerializer,
)

ERROR = inline_serializer("SettlementError", {"detail": serializers.CharField(), "code": serializers.CharField()})
ERRORS = {400: OpenApiResponse(ERROR), 403: OpenApiResponse(ERROR), 404: OpenApiResponse(ERROR)}


class RowsPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def scoped_region(request, code: str) -> Region:
    """The region by code if the caller may see it; anything else is 404 (never 403)."""
    region = Region.objects.filter(code=code).first()
    if region is None or region.pk not in request.access.region_ids:
        raise NotFound()
    return region


def reader_or_raise(request, region_id: int, status: str) -> set[int] | None:
    """None = reads the whole region, else the caller's hospital ids; Http404/PermissionDenied otherwise (the
    settlement policy, apps/settlement/rules.py). The API exception handler turns them into 404/403."""
    return rules.reader_hospitals(request.access, region_id, status)


# --- coefficients ----------------------------------------------------------------------------------


CoefficientsBody = inline_serializer("CoefficientVersionWithRows", {
    "version": CoefficientVersionSerializer(), "rows": HospitalCoefficientSerializer(many=True)})


class CoefficientsView(ScopedAPIMixin, APIView):
    """`GET` the latest version (`?version=N` for another) with its rows; `POST` computes a new one → 202."""

    serializer_class = CoefficientVersionSerializer

    @extend_schema(parameters=[OpenApiParameter("version", int, required=False)],
                   responses={200: CoefficientsBody, **ERRORS})
    def get(self, request, code: str, year: int):
        region = scoped_region(request, code)
        versions = CoefficientVersion.objects.filter(region=region, year=year).order_by("-number")
        if request.access.reads_region(region.pk):
            number = request.query_params.get("version", "")
            version = versions.filter(number=int(number)).first() if number.isdigit() else versions.first()
        elif request.access.own_hospitals(region.pk):
            version = versions.filter(status=Lifecycle.PUBLISHED).first()
        else:
            raise PermissionDenied()
        if version is None:
            raise NotFound()
        own = reader_or_raise(request, region.pk, version.status)
        rows = HospitalCoefficient.objects.filter(version=version).select_related("hospital").order_by("hospital__code")
        if own is not None:
            rows = rows.filter(hospital_id__in=own)
        body = CoefficientVersionSerializer(version).data
        body["rows"] = HospitalCoefficientSerializer(rows, many=True).data
        return Response(body)

    @extend_schema(request=None, responses={202: RunCreatedSerializer, **ERRORS})
    def post(self, request, code: str, year: int):
        region = scoped_region(request, code)
        version = settlement_services.coefficients_compute(actor=request.user, region=region, year=year)
        return Response({"id": version.pk, "status": version.status}, status=HTTP_202)


class CoefficientsPublishView(ScopedAPIMixin, APIView):
    """`POST …/coefficients/publish/` `{version?: N}`: publish version N (default the latest)."""

    serializer_class = CoefficientVersionSerializer

    @extend_schema(request=CoefficientsPublishSerializer, responses={200: CoefficientVersionSerializer, **ERRORS})
    def post(self, request, code: str, year: int):
        region = scoped_region(request, code)
        if not request.access.reads_region(region.pk):
            raise PermissionDenied()
        form = CoefficientsPublishSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        versions = CoefficientVersion.objects.filter(region=region, year=year).order_by("-number")
        number = form.validated_data.get("version")
        version = versions.filter(number=number).first() if number else versions.first()
        if version is None:
            raise InvalidTransition("There is no computed version to publish.")
        version = settlement_services.coefficients_publish(actor=request.user, version=version)
        return Response(CoefficientVersionSerializer(version).data)


# --- settlement runs -------------------------------------------------------------------------------


@extend_schema(responses={**ERRORS})
class SettlementRunViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Settlement runs. Filters of the list: `region` (code), `kind`, `period` (prefix), `status`."""

    serializer_class = SettlementRunSerializer
    filterset_class = RunFilter
    queryset = SettlementRun.objects.none()

    def get_queryset(self):
        return selectors.runs_visible(self.request.access).select_related("region").order_by("-created_at", "-pk")

    def run(self) -> tuple[SettlementRun, set[int] | None]:
        """The run by id in the caller's regions (else 404), with the caller's reading rights."""
        return selectors.run_visible_get(self.request.access, self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        run, _own = self.run()
        return Response(SettlementRunSerializer(run).data)

    @extend_schema(request=RunStartSerializer, responses={202: RunCreatedSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        form = RunStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        region = scoped_region(request, data["region"])
        period = data["period"].strip()
        error = period_error(data["kind"], period)
        if error:
            raise ValidationFailed(f"period: {error}")
        run = settlement_services.settlement_run_start(actor=request.user, region=region, kind=data["kind"], period=period)
        return Response({"id": run.pk, "status": run.status}, status=HTTP_202)

    @extend_schema(request=None, responses={200: SettlementRunSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        run, own = self.run()
        if own is not None:
            raise PermissionDenied()
        run = settlement_services.settlement_run_publish(actor=request.user, run=run)
        return Response(SettlementRunSerializer(run).data)

    @extend_schema(responses={200: HospitalResultSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=RowsPagination, filterset_class=None)
    def hospitals(self, request, pk=None):
        run, own = self.run()
        rows = HospitalResult.objects.filter(run=run).select_related("hospital").order_by("hospital__code")
        if own is not None:
            rows = rows.filter(hospital_id__in=own)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HospitalResultSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[OpenApiParameter("hospital", str), OpenApiParameter("case_type", str),
                               OpenApiParameter("drg", str), OpenApiParameter("settlement_id", str)],
                   responses={200: CaseResultSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=RowsPagination, filterset_class=None)
    def cases(self, request, pk=None):
        run, own = self.run()
        rows = (CaseResult.objects.filter(run=run).with_inputs().select_related("hospital")
                .order_by("hospital_id", "id"))
        if own is not None:
            rows = rows.filter(hospital_id__in=own)
        filterset = CaseResultFilter(request.query_params, queryset=rows)
        if not filterset.is_valid():
            field, errors = next(iter(filterset.errors.items()))
            raise ValidationFailed(f"{field}: {errors[0]}")
        rows = filterset.qs
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(CaseResultSerializer(page, many=True).data)


# --- upload deadlines (domain §10) -------------------------------------------------------------------


class MonthStatusView(ScopedAPIMixin, APIView):
    """`GET /regions/{code}/months/{YYYY-MM}/`: per hospital {hospital, submitted_at, overdue, suspended}.

    Hospital users see their own hospitals; bureau and other region-wide readers every DRG hospital.
    """

    serializer_class = MonthHospitalSerializer

    @extend_schema(responses={200: MonthHospitalSerializer(many=True), **ERRORS})
    def get(self, request, code: str, period: str):
        region = scoped_region(request, code)
        rows = settlement_services.month_status(request.access, region, period)
        return Response(MonthHospitalSerializer(rows, many=True).data)


class MonthSubmitView(ScopedAPIMixin, APIView):
    """`POST /regions/{code}/months/{YYYY-MM}/submit/`: the caller's hospital declares the month's lists
    complete (提交). Another hospital is 404."""

    serializer_class = MonthSubmitSerializer

    @extend_schema(request=MonthSubmitSerializer, responses={201: MonthHospitalSerializer, **ERRORS})
    def post(self, request, code: str, period: str):
        region = scoped_region(request, code)
        form = MonthSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        hospital = None
        if form.validated_data.get("hospital"):
            hospital = Hospital.objects.filter(region=region, code=form.validated_data["hospital"]).first()
            if hospital is None:
                raise NotFound()
        row = settlement_services.month_submit(actor=request.user, region=region, period=period, hospital=hospital)
        status = next(r for r in settlement_services.month_status(request.access, region, period)
                      if r["hospital_id"] == row.hospital_id)
        return Response(MonthHospitalSerializer(status).data, status=201)


ROUTES = [("settlement-runs", SettlementRunViewSet, "settlement-run")]
URLPATTERNS = [
    path("regions/<str:code>/years/<int:year>/coefficients/", CoefficientsView.as_view(), name="api-coefficients"),
    path("regions/<str:code>/years/<int:year>/coefficients/publish/", CoefficientsPublishView.as_view(),
         name="api-coefficients-publish"),
    path("regions/<str:code>/months/<str:period>/", MonthStatusView.as_view(), name="api-month-status"),
    path("regions/<str:code>/months/<str:period>/submit/", MonthSubmitView.as_view(), name="api-month-submit"),
]
