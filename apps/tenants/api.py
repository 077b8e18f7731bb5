"""Tenants API (interfaces.md §3): token, regions, their policy years, users. Writes go through services."""
from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import Prefetch
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ScopedAPIMixin
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.security import lockout_response

from . import services
from .filters import RegionFilter, UserFilter, can_manage_users, managed_users, membership_visible, user_in_scope
from .models import Membership, PolicyYear, Region
from .serializers import (
    PolicySerializer,
    PolicyWriteSerializer,
    RegionSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserCreateSerializer,
    UserSerializer,
    resolve_membership,
)
from .tokens import issue_token, token_revoke

# Keys of a policy's GET answer that a client may send back unchanged on PUT; they are not parameters.
POLICY_READ_ONLY_KEYS = {"id", "region", "year", "updated_at"}


class TokenRevokeSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="1 if a token was deleted, 0 if the user had none")


class TokenView(ScopedAPIMixin, APIView):
    """`POST /auth/token/` `{username, password}` → `{token}` (one token per user, reused).

    Throttled by django-axes like the web login (same per-username counter in the database): after
    AXES_FAILURE_LIMIT failures the username is refused with 429 `locked_out` until the cool-off ends or a
    bureau administrator unlocks it.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={
        200: TokenResponseSerializer, 400: OpenApiResponse(description="invalid_credentials"),
        429: OpenApiResponse(description="locked_out after repeated failures")})
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(django_request, username=body.validated_data["username"],
                            password=body.validated_data["password"])
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request)
        if user is None or not user.is_active:
            return Response({"detail": "Unable to log in with the provided credentials.", "code": "invalid_credentials"},
                            status=status.HTTP_400_BAD_REQUEST)
        # A token is a sign-in: the signal resets the axes failure count and updates last_login.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        token = issue_token(user)  # a new key after a password change, deactivation, revocation or expiry
        return Response({"token": token.key})


YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="payment year")


class RegionViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Regions the caller may see (their memberships; a province supervisor's province; all for a platform admin)."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"

    def get_queryset(self):
        return Region.objects.filter(pk__in=self.access.region_ids).select_related("province").order_by("code")

    def create(self, request, *args, **kwargs):
        if not self.access.is_platform_admin:  # role before validation: a non-admin learns nothing
            raise Forbidden("Only a platform administrator can create regions.")
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        region = services.region_create(
            actor=request.user, code=data["code"], name=data["name"], province_code=data["province"]["code"],
            province_name=data["province"]["name"], payment_method=data.get("payment_method", "DRG"),
            bureau_name=data.get("bureau_name", ""),
        )
        return Response(self.get_serializer(region).data, status=status.HTTP_201_CREATED)

    def _readable_region(self) -> Region:
        region = self.get_object()  # out of scope → 404
        if not self.access.reads_whole_region(region.pk):
            raise Forbidden("Your role does not allow reading policy parameters.")
        return region

    @extend_schema(responses=PolicySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], url_path="policies", filterset_class=None)
    def policies(self, request, code=None):
        """The region's policy years, newest first."""
        region = self._readable_region()
        qs = PolicyYear.objects.with_scopes_disabled().filter(region=region).select_related("region").order_by("-year")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PolicySerializer(page, many=True).data)

    @extend_schema(methods=["GET"], parameters=[YEAR], responses=PolicySerializer, filters=False)
    @extend_schema(methods=["PUT"], parameters=[YEAR], request=PolicyWriteSerializer, responses=PolicySerializer)
    @action(detail=True, methods=["get", "put"], url_path=r"policies/(?P<year>\d{4})", filterset_class=None)
    def policy(self, request, code=None, year=None):
        """GET a year's parameters (defaults if never set); PUT any of them (bureau administrator)."""
        region = self.get_object()
        year = int(year)
        if request.method == "GET":
            if not self.access.reads_whole_region(region.pk):
                raise Forbidden("Your role does not allow reading policy parameters.")
            policy = PolicyYear.objects.with_scopes_disabled().filter(region=region, year=year).first()
            if policy is None:
                policy = PolicyYear(region=region, year=year, **services.policy_defaults(region))
            return Response(PolicySerializer(policy).data)
        if not isinstance(request.data, dict):
            raise ValidationFailed("the body must be an object of parameter names")
        values = {k: v for k, v in request.data.items() if k not in POLICY_READ_ONLY_KEYS | {"reason"}}
        reason = str(request.data.get("reason", ""))
        policy = services.policy_set(actor=request.user, region=region, year=year, values=values, reason=reason)
        return Response(PolicySerializer(policy).data)


@extend_schema_view(create=extend_schema(request=UserCreateSerializer, responses={201: UserSerializer}))
class UserViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Users the caller manages: all (platform admin), their region's (bureau admin), their hospital's (hospital admin)."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    lookup_value_regex = r"\d+"

    def check_permissions(self, request):
        super().check_permissions(request)
        # retrieve and revoke-token decide in get_object: 403 in scope, 404 outside (ids never confirmed)
        if self.action not in ("retrieve", "revoke_token") and not can_manage_users(self.access):
            raise Forbidden("Your role does not allow managing users.")

    def get_object(self):
        if not can_manage_users(self.access):  # 403 only for a user the caller could otherwise see
            pk = self.kwargs.get("pk")
            if pk and user_in_scope(self.access, int(pk)):
                raise Forbidden("Your role does not allow managing users.")
            raise Http404
        return super().get_object()

    def get_queryset(self):
        memberships = Membership.objects.with_scopes_disabled().select_related("region", "hospital", "province")
        return managed_users(self.access).prefetch_related(Prefetch("memberships", queryset=memberships)).order_by("username")

    def get_serializer_context(self):
        return super().get_serializer_context() | {"visible_membership": membership_visible(self.access)}

    def create(self, request, *args, **kwargs):
        body = UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        memberships = [resolve_membership(self.access, m) for m in data["memberships"]]
        user = services.user_create(actor=request.user, username=data["username"], password=data["password"],
                                    name=data["name"], email=data["email"], memberships=memberships)
        user = self.get_queryset().get(pk=user.pk)
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TokenRevokeSerializer)
    @action(detail=True, methods=["post"], url_path="revoke-token", filterset_class=None)
    def revoke_token(self, request, pk=None):
        """Revoke the user's API token (bureau administrator for their region's users); audited."""
        user = self.get_object()
        revoked = token_revoke(actor=request.user, user=user)
        return Response({"revoked": revoked})


class TokenRevokeView(ScopedAPIMixin, APIView):
    """`POST /auth/token/revoke/` ends the caller's own token (the next `POST /auth/token/` issues a new key)."""

    @extend_schema(request=None, responses=TokenRevokeSerializer)
    def post(self, request):
        return Response({"revoked": token_revoke(actor=request.user, user=request.user)})


ROUTES = [
    ("regions", RegionViewSet, "region"),
    ("users", UserViewSet, "user"),
]
URLPATTERNS = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", TokenRevokeView.as_view(), name="api-token-revoke"),
]
