"""Hospitals API (interfaces.md §3): list/create/read/patch hospitals, import the hospitals file.

Order of checks everywhere: out of scope → 404, in scope without the role → 403, then the input.
Writes go through `services.py`.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ScopedAPIMixin
from apps.core.errors import Forbidden
from apps.tenants.models import Region

from . import services
from .filters import HospitalAPIFilter
from .models import Hospital
from .resources import MAX_FILE_BYTES
from .selectors import can_manage, hospitals_visible

FIELDS = ["code", "name", "level", "grade", "type", "drg_enabled_from", "active"]


class HospitalSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Hospital
        fields = ["id", "region", *FIELDS]
        read_only_fields = fields


class HospitalCreateSerializer(serializers.ModelSerializer):
    """POST body: the region's code plus the hospital's fields."""

    region = serializers.CharField(max_length=6)

    class Meta:
        model = Hospital
        fields = ["region", *FIELDS]
        validators: list = []  # uniqueness of (region, code) is the service's rule
        extra_kwargs = {"drg_enabled_from": {"required": False, "allow_null": True}}


class HospitalUpdateSerializer(serializers.ModelSerializer):
    """PATCH body: any subset of the fields, plus a reason kept in the audit trail."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    class Meta:
        model = Hospital
        fields = [*FIELDS, "reason"]
        validators: list = []
        extra_kwargs = {name: {"required": False} for name in FIELDS}


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    code = serializers.CharField()
    field = serializers.CharField()
    error_code = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8, header) or XLSX: code,name,level,grade,type,drg_enabled_from")


class FileErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    missing_columns = serializers.ListField(child=serializers.CharField(), required=False)
    unknown_columns = serializers.ListField(child=serializers.CharField(), required=False)


@extend_schema_view(
    create=extend_schema(request=HospitalCreateSerializer, responses={201: HospitalSerializer}),
    partial_update=extend_schema(request=HospitalUpdateSerializer, responses={200: HospitalSerializer}),
)
class HospitalViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Hospitals the caller may see: whole regions for bureau, auditor, supervisor and expert; own hospital else."""

    serializer_class = HospitalSerializer
    filterset_class = HospitalAPIFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs outside any region scope
            return Hospital.objects.none()
        return hospitals_visible(self.access).order_by("region__code", "code")

    def create(self, request, *args, **kwargs):
        code = str(request.data.get("region", ""))
        region = get_object_or_404(Region, code=code, pk__in=self.access.region_ids)
        if not can_manage(self.access, region.pk):
            raise Forbidden("Only the bureau administrator can manage hospitals.")
        body = HospitalCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {k: v for k, v in body.validated_data.items() if k != "region"}
        hospital = services.hospital_create(actor=request.user, region=region, **fields)
        return Response(HospitalSerializer(hospital).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        hospital = self.get_object()
        if not can_manage(self.access, hospital.region_id):
            raise Forbidden("Only the bureau administrator can manage hospitals.")
        body = HospitalUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        reason = fields.pop("reason", "")
        hospital = services.hospital_update(actor=request.user, hospital=hospital, reason=reason, **fields)
        return Response(HospitalSerializer(hospital).data)


class HospitalImportView(ScopedAPIMixin, APIView):
    """`POST /regions/{code}/hospitals/import/` (multipart `file`; `?dry_run=1` previews without writing)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="regions_hospitals_import",
        parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="region code"),
                    OpenApiParameter("dry_run", OpenApiTypes.BOOL, OpenApiParameter.QUERY,
                                     description="1 = preview only, nothing is written")],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={200: ImportReportSerializer, 400: FileErrorSerializer,
                   403: OpenApiResponse(description="permission_denied"), 404: OpenApiResponse(description="not_found")},
    )
    def post(self, request, code: str):
        region = get_object_or_404(Region, code=code, pk__in=self.access.region_ids)
        if not can_manage(self.access, region.pk):
            raise Forbidden("Only the bureau administrator can import hospitals.")
        upload = request.FILES.get("file")
        if upload is None:
            return _file_error("Send the hospitals file as the multipart field `file`.")
        if upload.size > MAX_FILE_BYTES:
            return _file_error(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
        try:
            report = services.hospitals_import(actor=request.user, region=region, data=upload.read(),
                                               filename=upload.name or "", dry_run=dry_run)
        except services.ImportFileError as err:
            return _file_error(str(err.message), missing=err.missing, unknown=err.unknown)
        return Response({**report.summary(), "errors": [e.as_dict() for e in report.errors]})


def _file_error(message: str, *, missing: list[str] | None = None, unknown: list[str] | None = None) -> Response:
    body = {"detail": message, "code": "validation_error", "missing_columns": missing or [],
            "unknown_columns": unknown or []}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


ROUTES: list = [("hospitals", HospitalViewSet, "hospital")]
URLPATTERNS: list = [
    path("regions/<str:code>/hospitals/import/", HospitalImportView.as_view(), name="hospital-import"),
]
