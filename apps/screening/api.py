"""API of screening (interfaces.md): `GET /screening-items/?region=&period=&rule=&status=&hospital=`;
`POST /screening-items/{id}/answer/` `{text}` + files (multipart `files`), `…/confirm/` and `…/clear/`
`{reason}`, `…/assign/` `{expert}` and `…/opinion/` `{suggestion, comment}`; each answers the item's new JSON.
An id outside the caller's scope is 404; the services answer 403 for a role that may not act.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api import ScopedAPIMixin
from apps.core.errors import ValidationFailed
from apps.tenants.models import User

from . import selectors, services
from .models import ScreeningItem
from .serializers import (
    ScreeningAnswerSerializer,
    ScreeningAssignSerializer,
    ScreeningItemSerializer,
    ScreeningOpinionSerializer,
    ScreeningReasonSerializer,
)


class ScreeningItemViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Suspect items (疑点) the caller may read: own hospital, whole region, or assigned as expert."""

    serializer_class = ScreeningItemSerializer
    queryset = ScreeningItem.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False)
                               for n in ("region", "period", "rule", "status", "hospital")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        qs = selectors.visible_items(self.request.user).select_related("region", "hospital", "case", "related_case",
                                                                        "expert").prefetch_related("attachments")
        return selectors.filter_items(qs, **{k: p.get(k, "") for k in ("region", "period", "rule", "status",
                                                                         "hospital")}).order_by("-found_at", "-pk")

    def get_object(self) -> ScreeningItem:
        try:
            return selectors.item_get(self.request.user, int(self.kwargs["pk"]))
        except (TypeError, ValueError):
            raise NotFound() from None

    def _answer(self, item: ScreeningItem) -> Response:
        return Response(ScreeningItemSerializer(selectors.item_get(self.request.user, item.pk)).data)

    def _reason(self) -> str:
        form = ScreeningReasonSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        return form.validated_data["reason"]

    @extend_schema(request={"multipart/form-data": ScreeningAnswerSerializer, "application/json": ScreeningAnswerSerializer},
                   responses={200: ScreeningItemSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        item = self.get_object()
        form = ScreeningAnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        return self._answer(services.item_answer(actor=request.user, item=item, text=form.validated_data["text"],
                                                 files=files))

    @extend_schema(request=ScreeningReasonSerializer, responses={200: ScreeningItemSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        item = self.get_object()
        return self._answer(services.item_confirm(actor=request.user, item=item, reason=self._reason()))

    @extend_schema(request=ScreeningReasonSerializer, responses={200: ScreeningItemSerializer})
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        item = self.get_object()
        return self._answer(services.item_clear(actor=request.user, item=item, reason=self._reason()))

    @extend_schema(request=ScreeningAssignSerializer, responses={200: ScreeningItemSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        item = self.get_object()
        form = ScreeningAssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        expert = User.objects.filter(username=form.validated_data["expert"]).first()
        if expert is None:
            raise ValidationFailed("expert: no such user.")
        return self._answer(services.item_assign(actor=request.user, item=item, expert=expert))

    @extend_schema(request=ScreeningOpinionSerializer, responses={200: ScreeningItemSerializer})
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        item = self.get_object()
        form = ScreeningOpinionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.item_opinion(actor=request.user, item=item, **form.validated_data))


ROUTES = [("screening-items", ScreeningItemViewSet, "screening-item")]
