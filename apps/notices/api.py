"""API of notices (interfaces.md §3).

`GET/POST /notices/`, `PATCH /notices/{id}/` (drafts), `POST /notices/{id}/publish/`, `…/withdraw/` `{reason}`,
`POST /notices/{id}/acknowledge/` (idempotent), `GET /notices/{id}/pdf/` (the stored file, hash-checked),
`GET /notices/{id}/acknowledgements/` (who has and has not acknowledged; region-wide readers).
Anything outside the caller's scope is 404; a role that may not act gets 403.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from apps.core.api import ScopedAPIMixin
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.pdf import pdf_response, read_stored_pdf
from apps.tenants.access import get_access
from apps.tenants.models import Region

from . import rules, selectors, services
from .models import Notice
from .serializers import (
    AcknowledgementRowSerializer,
    NoticeCreateSerializer,
    NoticeReasonSerializer,
    NoticeSerializer,
    NoticeUpdateSerializer,
)


def pick_region(user, code: str | None) -> Region:
    access = get_access(user)
    regions = [r for r in access.region_ids if rules.can_draft(user, r)]
    qs = Region.objects.filter(pk__in=access.region_ids)
    if code:
        region = qs.filter(code=code).first()
        if region is None:
            raise NotFound()
        return region
    if len(regions) == 1:
        return Region.objects.get(pk=regions[0])
    if not regions:
        raise Forbidden("Only the medical insurance bureau can prepare notices.")
    raise ValidationFailed("region: you act in several regions; give `region`.")


class PDFRenderer(BaseRenderer):
    """Lets `Accept: application/pdf` reach the download; error bodies still go out as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return data
        return JSONRenderer().render(data)


class NoticeViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Notices the caller may read (whole region for the bureau; addressed notices for hospital users)."""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False)
                               for n in ("status", "type", "year", "region", "acknowledged")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        qs = selectors.annotate_for_hospital(selectors.visible_notices(user), user)
        params = self.request.query_params
        for name in ("status", "type"):
            if params.get(name):
                qs = qs.filter(**{name: params[name]})
        if params.get("year", "").isdigit():
            qs = qs.filter(year=int(params["year"]))
        if params.get("region"):
            qs = qs.filter(region__code=params["region"])
        if params.get("acknowledged") in ("true", "false"):
            qs = qs.filter(acknowledged=params["acknowledged"] == "true")
        return qs.order_by("-published_at", "-created_at", "-pk")

    def get_object(self) -> Notice:
        return self._get(self.kwargs["pk"])

    def _get(self, pk) -> Notice:
        user = self.request.user
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise NotFound() from None
        notice = selectors.annotate_for_hospital(selectors.visible_notices(user), user).filter(pk=pk).first()
        if notice is None:
            raise NotFound()
        return notice

    def _answer(self, notice: Notice, code: int = status.HTTP_200_OK) -> Response:
        return Response(NoticeSerializer(self._get(notice.pk), context={"request": self.request}).data, status=code)

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def create(self, request):
        form = NoticeCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        region = pick_region(request.user, data.pop("region", None))
        notice = services.notice_create(actor=request.user, region=region, **data)
        return self._answer(notice, status.HTTP_201_CREATED)

    @extend_schema(request=NoticeUpdateSerializer, responses={200: NoticeSerializer})
    def partial_update(self, request, pk=None):
        notice = self.get_object()  # scope first: an id outside it is 404 whatever the body
        form = NoticeUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        notice = services.notice_update(actor=request.user, notice=notice, **form.validated_data)
        return self._answer(notice)

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._answer(services.notice_publish(actor=request.user, notice=self.get_object()))

    @extend_schema(request=NoticeReasonSerializer, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        notice = self.get_object()
        form = NoticeReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.notice_withdraw(actor=request.user, notice=notice,
                                                     reason=form.validated_data["reason"]))

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        notice = self.get_object()
        services.notice_acknowledge(actor=request.user, notice=notice)
        return self._answer(notice)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        notice = self.get_object()
        if not notice.pdf_ready:
            raise NotFound("The document is not rendered yet.")
        content = read_stored_pdf(notice.pdf_path, notice.sha256)
        services.notice_mark_read(user=request.user, notice=notice)
        response = pdf_response(content, f"{notice.doc_number or notice.pk}.pdf", inline=False)
        response["X-Content-SHA256"] = notice.sha256
        return response

    @extend_schema(responses={200: AcknowledgementRowSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def acknowledgements(self, request, pk=None):
        notice = self.get_object()
        if not rules.reads_region(request.user, notice.region_id):
            raise Forbidden("Only the bureau sees who has acknowledged.")
        rows = selectors.acknowledgement_status(notice)
        for row in rows:
            row["user"] = str(row["user"]) if row["user"] else None
        return Response(AcknowledgementRowSerializer(rows, many=True).data)


ROUTES = [("notices", NoticeViewSet, "notice")]
URLPATTERNS: list = []
