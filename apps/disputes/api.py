"""API of disputes (interfaces.md §3).

`POST /disputes/` `{subject_type, subject_ref, claim, requested_outcome}`; actions
`POST /disputes/{id}/{submit,accept,not_accept,assign,opinion,decide,acknowledge,appeal}/` (plus `withdraw`,
`decline`, `comments`, `attachments`), each answering 200 with the dispute's new JSON;
`GET /disputes/?status=&subject_type=&hospital=&overdue=`; `GET /disputes/{id}/letter/` (decision letter PDF).
An id outside the caller's scope is 404; the services answer 403 for a role that may not act.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.applications.selectors import users_by_username
from apps.core.api import ScopedAPIMixin
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.pagination import DeferredJoinPagination
from apps.core.pdf import pdf_response, read_stored_pdf
from apps.hospitals.models import Hospital
from apps.tenants.access import get_access

from . import selectors, services
from .models import Dispute
from .serializers import (
    DisputeAssignSerializer,
    DisputeAttachmentSerializer,
    DisputeAttachmentUploadSerializer,
    DisputeCommentCreateSerializer,
    DisputeCommentSerializer,
    DisputeCreateSerializer,
    DisputeDecideSerializer,
    DisputeOpinionSerializer,
    DisputeReasonSerializer,
    DisputeSerializer,
)


def hospital_for(user, hospital_code: str = "", region_code: str = "") -> Hospital:
    """The hospital a hospital user raises a dispute for: their only one, or the one they name."""
    access = get_access(user)
    regions = access.hospital_region_ids()
    ids = {h for r in regions for h in access.hospital_ids(r)}
    if not ids:
        if access.region_ids:
            raise Forbidden("Only hospital users raise disputes.")
        raise NotFound()
    qs = Hospital.objects.with_scope(region=access.region_ids).filter(pk__in=ids)
    if region_code:
        qs = qs.filter(region__code=region_code)
    if hospital_code:
        qs = qs.filter(code=hospital_code)
    found = list(qs[:2])
    if not found:
        raise NotFound()
    if len(found) > 1:
        raise ValidationFailed("hospital: you work for several hospitals; give `hospital` (its code).")
    return found[0]


class DisputeViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disputes the caller may read (own hospital, whole region, or assigned as expert)."""

    serializer_class = DisputeSerializer
    queryset = Dispute.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = DeferredJoinPagination  # sort the bare rows, join the page's (decision 0048)

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False)
                               for n in ("status", "subject_type", "hospital", "region", "overdue")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        # the JSON names region, hospital and author only: no joins to case, run, coefficients, application (0048)
        qs = (selectors.dispute_queue(self.request.user).select_related(None)
              .select_related("region", "hospital", "created_by")
              .prefetch_related("comments__author", "attachments", "assignments__expert"))
        params = self.request.query_params
        for name in ("status", "subject_type"):
            if params.get(name):
                qs = qs.filter(**{name: params[name]})
        if params.get("hospital"):
            qs = qs.filter(hospital__code=params["hospital"])
        if params.get("region"):
            qs = qs.filter(region__code=params["region"])
        if params.get("overdue") in ("1", "true", "yes"):
            qs = qs.filter(selectors.overdue_q())
        return qs.order_by("-created_at", "-pk")

    def get_object(self) -> Dispute:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise NotFound()
        return selectors.dispute_get(self.request.user, pk)

    def _answer(self, dispute: Dispute, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.dispute_get(self.request.user, dispute.pk)
        return Response(DisputeSerializer(fresh, context={"request": self.request}).data, status=code)

    def _reason(self) -> str:
        form = DisputeReasonSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        return form.validated_data["reason"]

    @extend_schema(request=DisputeCreateSerializer, responses={201: DisputeSerializer})
    def create(self, request):
        form = DisputeCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        hospital = hospital_for(request.user, data["hospital"], data["region"])
        dispute = services.dispute_create(actor=request.user, hospital=hospital, subject_type=data["subject_type"],
                                          subject_ref=data["subject_ref"], claim=data["claim"],
                                          requested_outcome=data["requested_outcome"], year=data["year"],
                                          evidence=data["evidence"])
        return self._answer(dispute, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.dispute_submit(actor=request.user, dispute=self.get_object()))

    @extend_schema(request=DisputeReasonSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._answer(services.dispute_withdraw(actor=request.user, dispute=self.get_object(),
                                                      reason=self._reason()))

    @extend_schema(request=None, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(services.dispute_accept(actor=request.user, dispute=self.get_object()))

    @extend_schema(request=DisputeReasonSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def not_accept(self, request, pk=None):
        dispute = self.get_object()
        return self._answer(services.dispute_not_accept(actor=request.user, dispute=dispute, reason=self._reason()))

    @extend_schema(request=DisputeAssignSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        dispute = self.get_object()
        form = DisputeAssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.dispute_assign(actor=request.user, dispute=dispute, experts=users_by_username(form.validated_data["experts"]))
        return self._answer(dispute)

    @extend_schema(request=DisputeReasonSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        dispute = self.get_object()
        services.dispute_decline(actor=request.user, dispute=dispute, reason=self._reason())
        return self._answer(dispute)

    @extend_schema(request=DisputeOpinionSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        dispute = self.get_object()
        form = DisputeOpinionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.dispute_opinion(actor=request.user, dispute=dispute, **form.validated_data)
        return self._answer(dispute)

    @extend_schema(request=DisputeDecideSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        dispute = self.get_object()
        form = DisputeDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        return self._answer(services.dispute_decide(actor=request.user, dispute=dispute, outcome=data["outcome"],
                                                    reason=data["reason"], adjustment=data["adjustment"]))

    @extend_schema(request=None, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._answer(services.dispute_acknowledge(actor=request.user, dispute=self.get_object()))

    @extend_schema(request=DisputeReasonSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def appeal(self, request, pk=None):
        dispute = self.get_object()
        return self._answer(services.dispute_appeal(actor=request.user, dispute=dispute, reason=self._reason()))

    @extend_schema(request=DisputeCommentCreateSerializer, responses={201: DisputeCommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        dispute = self.get_object()
        form = DisputeCommentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        comment = services.comment_add(actor=request.user, dispute=dispute, text=form.validated_data["text"])
        return Response(DisputeCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": DisputeAttachmentUploadSerializer}, responses={201: DisputeAttachmentSerializer})
    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        dispute = self.get_object()
        form = DisputeAttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        attachment = services.attachment_add(actor=request.user, dispute=dispute, upload=form.validated_data["file"])
        return Response(DisputeAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def letter(self, request, pk=None):
        dispute = self.get_object()
        if not dispute.letter_path:
            raise NotFound("No decision letter yet.")
        content = read_stored_pdf(dispute.letter_path, dispute.letter_sha256)
        return pdf_response(content, f"争议处理决定书-{dispute.pk}.pdf")


ROUTES = [("disputes", DisputeViewSet, "dispute")]
URLPATTERNS: list = []
