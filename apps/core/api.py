"""API plumbing shared by every app: error format, scoped viewsets, domain errors."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.tenants.access import get_access

from .errors import DomainError
from .scoping import replace_region_scope


def exception_handler(exc, context):
    """Every error answers `{"detail": ..., "code": ...}` (interfaces.md §3); field errors add `errors`."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "code": "validation_error", "errors": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = {"detail": str(detail), "code": code}
    return response


class ScopedAPIMixin:
    """Re-open the region scope after DRF authentication (token users are unknown to the middleware)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        access = get_access(request.user)
        request.access = access
        request._request.access = access
        replace_region_scope(access.region_ids)

    @property
    def access(self):
        return get_access(self.request.user)


def domain_error_response(err: DomainError) -> Response:
    data = {"detail": str(err.message), "code": err.code}
    if getattr(err, "field", ""):  # an error about one input names it, like a serializer's field errors
        data["errors"] = {err.field: [str(err.message)]}
    return Response(data, status=err.status)


HTTP_202 = status.HTTP_202_ACCEPTED

ROUTES: list = []
URLPATTERNS: list = []
