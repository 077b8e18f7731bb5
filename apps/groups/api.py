"""API of the groups app (interfaces.md §3): catalogue groups, catalogue import, group statistics.

Region codes in URLs resolve only within the caller's scope (else 404); the services check roles (403).
"""
from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import HTTP_202, ScopedAPIMixin
from apps.core.errors import InvalidTransition, ValidationFailed
from apps.tenants.models import Region

from . import rules
from .models import Group, GroupStat, StatsVersion
from .selectors import latest_stats, published_stats, stats_rows, stats_versions
from .services import catalogue_import, group_stats_compute, group_stats_publish

MAX_UPLOAD = 10 * 1024 * 1024


def scoped_region(request, code: str) -> Region:
    """The region by code if the caller may see it; anything else is 404 (never 403)."""
    region = Region.objects.filter(code=code).first()
    if region is None or region.pk not in request.access.region_ids:
        raise NotFound()
    return region


class GroupSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    catalogue = serializers.CharField(source="catalogue.version", read_only=True)
    mdc = serializers.CharField(source="mdc_code", read_only=True)
    adrg = serializers.CharField(source="adrg_code", read_only=True)

    class Meta:
        model = Group
        fields = ["id", "region", "catalogue", "code", "name", "mdc", "adrg", "severity"]


@extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)]))
class GroupViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Groups of the active catalogue (or `?version=`) of the regions the caller belongs to.

    Filters: `region` (code), `version`, `mdc`, `adrg`, `search` (code or name).
    """

    serializer_class = GroupSerializer
    filter_backends: list = []

    def get_queryset(self):
        qs = Group.objects.select_related("region", "catalogue").order_by("region__code", "code")
        params = self.request.query_params
        if params.get("region"):
            qs = qs.filter(region=scoped_region(self.request, params["region"]))
        qs = qs.filter(catalogue__version=params["version"]) if params.get("version") else qs.filter(catalogue__is_active=True)
        if params.get("mdc"):
            qs = qs.filter(mdc_code=params["mdc"].upper())
        if params.get("adrg"):
            qs = qs.filter(adrg_code=params["adrg"].upper())
        if params.get("search"):
            term = params["search"].strip()
            qs = qs.filter(Q(code__istartswith=term) | Q(name__icontains=term))
        return qs


class CatalogueImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    activate = serializers.BooleanField(required=False, default=False)


class CatalogueImportView(ScopedAPIMixin, APIView):
    """`POST /regions/{code}/catalogues/{version}/import/` (multipart `file`): per-row errors in the answer."""

    parser_classes = [MultiPartParser, FormParser]
    serializer_class = CatalogueImportSerializer

    def post(self, request, code: str, version: str):
        region = scoped_region(request, code)
        form = CatalogueImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > MAX_UPLOAD:
            raise ValidationFailed("file: larger than 10 MB")
        summary = catalogue_import(actor=request.user, region=region, version=version, data=upload.read(),
                                   filename=upload.name, name=form.validated_data["name"],
                                   activate=form.validated_data["activate"])
        return Response(summary, status=200)


class StatsVersionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    catalogue = serializers.CharField(source="catalogue.version", read_only=True)

    class Meta:
        model = StatsVersion
        fields = ["id", "region", "year", "number", "status", "catalogue", "base_start", "base_end", "min_cases",
                  "cv_max", "lln_cases", "all_avg", "n_cases", "n_groups", "progress", "error", "computed_at",
                  "published_at"]


class GroupStatSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="group_code")
    name = serializers.CharField(source="group_name")

    class Meta:
        model = GroupStat
        fields = ["code", "name", "n", "mean_cost", "sd", "cv", "stable", "base_points", "mean_los", "deaths",
                  "death_rate"]


class RowsPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class GroupStatsView(ScopedAPIMixin, APIView):
    """`GET` the latest version (or `?version=N`) with its rows, paginated; `POST` computes → 202 `{id, status}`.

    Region-wide readers see every version; hospital users and experts only the published one.
    """

    serializer_class = StatsVersionSerializer

    def get(self, request, code: str, year: int):
        region = scoped_region(request, code)
        if rules.reads_stats_versions(request.access, region.pk):
            number = request.query_params.get("version")
            version = (get_object_or_404(stats_versions(region, year), number=number) if number and number.isdigit()
                       else latest_stats(region, year))
        else:
            version = published_stats(region, year)
        if version is None:
            raise NotFound()
        paginator = RowsPagination()
        page = paginator.paginate_queryset(stats_rows(version), request, view=self)
        body = StatsVersionSerializer(version).data
        body.update(count=paginator.page.paginator.count, next=paginator.get_next_link(),
                    previous=paginator.get_previous_link(), results=GroupStatSerializer(page, many=True).data)
        return Response(body)

    def post(self, request, code: str, year: int):
        region = scoped_region(request, code)
        version = group_stats_compute(actor=request.user, region=region, year=year)
        return Response({"id": version.pk, "status": version.status}, status=HTTP_202)


class GroupStatsPublishView(ScopedAPIMixin, APIView):
    """`POST …/group-stats/publish/` `{version?: N}`: publish version N (default the latest)."""

    serializer_class = StatsVersionSerializer

    def post(self, request, code: str, year: int):
        region = scoped_region(request, code)
        number = request.data.get("version") if hasattr(request.data, "get") else None
        versions = stats_versions(region, year)
        if number not in (None, ""):
            try:
                version = versions.filter(number=int(number)).first()
            except (TypeError, ValueError):
                raise ValidationFailed("version: a version number")
        else:
            version = versions.first()
        if version is None:
            raise InvalidTransition("There is no computed version to publish.")
        version = group_stats_publish(actor=request.user, version=version)
        return Response(StatsVersionSerializer(version).data)


ROUTES = [("groups", GroupViewSet, "group")]
URLPATTERNS = [
    path("regions/<str:code>/catalogues/<str:version>/import/", CatalogueImportView.as_view(), name="api-catalogue-import"),
    path("regions/<str:code>/years/<int:year>/group-stats/", GroupStatsView.as_view(), name="api-group-stats"),
    path("regions/<str:code>/years/<int:year>/group-stats/publish/", GroupStatsPublishView.as_view(),
         name="api-group-stats-publish"),
]
