"""`GET /notifications/` (own, `?unread=1`), `POST /notifications/{id}/read/`."""
from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ScopedAPIMixin

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(source="is_read", read_only=True)
    title = serializers.CharField(source="display_title", read_only=True, help_text="in the reader's language")
    body = serializers.CharField(source="display_body", read_only=True, help_text="in the reader's language")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "read", "emailed"]
        read_only_fields = fields


class NotificationViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications; anybody else's id is 404."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        qs = selectors.inbox(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        row = services.mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(row).data)


ROUTES = [("notifications", NotificationViewSet, "notification")]
URLPATTERNS: list = []
