"""API of the cases app (interfaces.md §3): case list/detail, settlement-list import and its status."""
from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import HTTP_202, ScopedAPIMixin
from apps.tenants.models import Region

from . import api_grouper
from .filters import capped_count, filter_cases
from .models import Case, ImportJob
from .selectors import visible_cases, visible_imports
from .services import case_import_start, private_path


def scoped_region(request, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or region.pk not in request.access.region_ids:
        raise NotFound()
    return region


class CappedPagination(PageNumberPagination):
    """`count` is exact up to 10,000 and then capped (`count_capped: true`): no COUNT(*) over a million rows."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.count, self.capped = capped_count(queryset)
        self.request = request
        raw = str(request.query_params.get(self.page_query_param, "1"))
        # 8+ digits is past any page (and would overflow the OFFSET): it answers "Invalid page." below
        self.page_number = (max(int(raw), 1) if len(raw) <= 7 else 10**7) if raw.isdigit() else 1
        size = self.get_page_size(request)
        start = (self.page_number - 1) * size
        rows = list(queryset[start: start + size + 1])
        self.has_next = len(rows) > size
        if start and not rows:
            raise NotFound("Invalid page.")
        return rows[:size]

    def get_paginated_response(self, data):
        url = self.request.build_absolute_uri()
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        nxt = replace_query_param(url, self.page_query_param, self.page_number + 1) if self.has_next else None
        prev = None
        if self.page_number > 1:
            prev = (remove_query_param(url, self.page_query_param) if self.page_number == 2
                    else replace_query_param(url, self.page_query_param, self.page_number - 1))
        return Response({"count": self.count, "count_capped": self.capped, "next": nxt, "previous": prev, "results": data})

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "properties": {
            "count": {"type": "integer"}, "count_capped": {"type": "boolean"},
            "next": {"type": "string", "nullable": True}, "previous": {"type": "string", "nullable": True},
            "results": schema}}


class CaseSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    hospital = serializers.CharField(source="hospital.code", read_only=True)
    import_id = serializers.IntegerField(source="import_job_id", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "region", "hospital", "settlement_id", "insurance_type", "gender", "age", "age_days",
                  "admission_date", "discharge_date", "los_days", "discharge_method", "principal_dx", "secondary_dx",
                  "principal_proc", "other_procs", "drg_code", "total_cost", "drug_cost", "consumable_cost",
                  "exam_cost", "self_pay", "fund_paid", "department", "birth_weight_g", "ventilation_hours",
                  "warnings", "declared_drg_code", "grouping_status", "grouper_drg_code", "grouper_mdc",
                  "grouper_adrg", "grouper_version", "grouping_mismatch", "grouped_at", "grouping_trace",
                  "import_id", "created_at", "updated_at"]


ID_PARAM = extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)]))


@ID_PARAM
class CaseViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases the caller may read. Filters: `region` (code), `hospital` (code), `period` (YYYY or YYYY-MM),
    `drg_code`, `insurance_type`, `warning` (los_long|los_short|cost_outlier|any), `grouping_status`
    (ok|ambiguous|ungroupable|invalid|pending), `grouping_mismatch=1` (the grouper disagrees with the declared
    group), `q` (settlement id)."""

    serializer_class = CaseSerializer
    pagination_class = CappedPagination
    lookup_value_converter = "int"  # honoured by routers that build path() URLs
    filter_backends: list = []

    def get_queryset(self):
        qs = visible_cases(self.access).select_related("region", "hospital").order_by("-discharge_date", "-id")
        if self.action == "list":
            qs = filter_cases(qs, self.request.query_params, self.access.region_ids)
        return qs


class ImportJobSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "region", "original_name", "dry_run", "status", "progress", "total", "created", "updated",
                  "unchanged", "rejected", "error_count", "errors_url", "error_message", "created_at", "started_at",
                  "finished_at"]

    def get_errors_url(self, job) -> str | None:
        if not job.error_file:
            return None
        url = reverse("case-import-errors", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CaseImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)


class CaseImportView(ScopedAPIMixin, APIView):
    """`POST /regions/{code}/cases/import/` (multipart `file`) → 202 `{import_id}`; poll `/imports/{id}/`."""

    parser_classes = [MultiPartParser, FormParser]
    serializer_class = CaseImportUploadSerializer

    def post(self, request, code: str):
        region = scoped_region(request, code)
        form = CaseImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        job = case_import_start(actor=request.user, region=region, file=upload, filename=upload.name,
                                dry_run=form.validated_data["dry_run"])
        return Response({"import_id": job.pk, "status": job.status}, status=HTTP_202)


@ID_PARAM
class ImportJobViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Case imports the caller may see (region-wide roles: the region's; hospital users: their hospital's)."""

    serializer_class = ImportJobSerializer
    filter_backends: list = []
    lookup_value_converter = "int"  # honoured by routers that build path() URLs

    def get_queryset(self):
        return visible_imports(self.access).order_by("-created_at", "-id")


class ImportErrorsView(ScopedAPIMixin, APIView):
    """`GET /imports/{id}/errors/`: the error CSV `row,settlement_id,field,code,message`."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        job = get_object_or_404(visible_imports(request.access), pk=pk)
        return error_file_response(job)


def error_file_response(job: ImportJob) -> FileResponse:
    if not job.error_file:
        raise NotFound()
    path = private_path(job.error_file)
    if not path.exists():
        raise NotFound()
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"import-{job.pk}-errors.csv",
                        content_type="text/csv; charset=utf-8")


ROUTES = [("cases", CaseViewSet, "case"), ("imports", ImportJobViewSet, "case-import")]
URLPATTERNS = [
    path("regions/<str:code>/cases/import/", CaseImportView.as_view(), name="case-import-upload"),
    path("imports/<int:pk>/errors/", ImportErrorsView.as_view(), name="case-import-errors"),
]

# the grouper: versions and grouping one case (apps/cases/api_grouper.py)
URLPATTERNS += api_grouper.URLPATTERNS
