"""API of case applications (interfaces §3) and the expert pool.

`POST /applications/` `{case, type, reason, secondary_drg_code?}`, `POST /applications/{id}/attachments/`,
actions `POST /applications/{id}/{submit,withdraw,accept,return,reject,assign,opinion,decide}/` (plus
`decline` for an expert's conflict and `review` to close a review), each answering 200 with the
application's new JSON; `GET /applications/?status=&type=&hospital=`. An id outside the caller's
scope is 404; the services answer 403 for a role that may not act.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.cases.models import Case
from apps.core.api import ScopedAPIMixin
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.pagination import DeferredJoinPagination
from apps.hospitals.models import Hospital
from apps.tenants.access import get_access
from apps.tenants.models import Region, User

from . import selectors, services
from .models import Application, ExpertProfile
from .serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    AssignSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    DecideSerializer,
    ExpertProfileSerializer,
    OpinionSerializer,
    ReasonSerializer,
    SuggestionSerializer,
)


class ApplicationViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Case applications the caller may read (own hospital, whole region, or assigned as expert)."""

    serializer_class = ApplicationSerializer
    queryset = Application.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = DeferredJoinPagination  # sort the bare rows, join the page's (decision 0048)

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False) for n in ("status", "type", "hospital", "region")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.application_queue(self.request.user).prefetch_related("attachments", "assignments__expert")
        params = self.request.query_params
        for name in ("status", "type"):
            if params.get(name):
                qs = qs.filter(**{name: params[name]})
        if params.get("hospital"):  # never lets an expert learn which hospital an assigned item is from
            qs = qs.filter(selectors.identified_q(get_access(self.request.user)), hospital__code=params["hospital"])
        if params.get("region"):
            qs = qs.filter(region__code=params["region"])
        return qs.order_by("-created_at", "-pk")

    def get_object(self) -> Application:
        return selectors.application_get(self.request.user, int(self.kwargs["pk"]))

    def _answer(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.application_get(self.request.user, application.pk)
        return Response(ApplicationSerializer(fresh, context={"request": self.request}).data, status=code)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request):
        form = ApplicationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        access = get_access(request.user)
        cases = access.filter(Case.objects.with_scope(region=access.region_ids).filter(
            settlement_id=data["case"], region_id__in=access.region_ids))
        if data.get("region"):
            cases = cases.filter(region__code=data["region"])
        found = list(cases.select_related("hospital", "region")[:2])
        if not found:
            raise NotFound()
        if len(found) > 1:
            raise ValidationFailed("case: the settlement id exists in several of your regions; give `region`.")
        application = services.create_draft(actor=request.user, case=found[0], type=data["type"],
                                            reason=data["reason"], secondary_drg_code=data["secondary_drg_code"])
        return self._answer(application, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        application = self.get_object()
        form = AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        attachment = services.add_attachment(actor=request.user, application=application,
                                             kind=form.validated_data["kind"], upload=form.validated_data["file"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.submit(actor=request.user, application=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        return self._answer(services.withdraw(actor=request.user, application=self.get_object(), reason=reason))

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(services.accept(actor=request.user, application=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.return_(actor=request.user, application=self.get_object(),
                                             reason=form.validated_data["reason"]))

    @extend_schema(request=ReasonSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.reject_at_intake(actor=request.user, application=self.get_object(),
                                                      reason=form.validated_data["reason"]))

    @extend_schema(request=AssignSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        application = self.get_object()
        form = AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.assign_experts(actor=request.user, application=application, experts=selectors.users_by_username(form.validated_data["experts"]))
        return self._answer(application)

    @extend_schema(request=ReasonSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        application = self.get_object()
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.decline_assignment(actor=request.user, application=application, reason=form.validated_data["reason"])
        return self._answer(application)

    @extend_schema(request=OpinionSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        application = self.get_object()
        form = OpinionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.submit_opinion(actor=request.user, application=application, **form.validated_data)
        return self._answer(application)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._answer(services.mark_reviewed(actor=request.user, application=self.get_object()))

    @extend_schema(request=DecideSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        form = DecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        return self._answer(services.decide(actor=request.user, application=application, outcome=data["outcome"],
                                            reason=data["reason"], unreasonable_cost=data["unreasonable_cost"]))

    @extend_schema(request=None, responses={200: SuggestionSerializer})
    @action(detail=True, methods=["get"])
    def suggestion(self, request, pk=None):
        application = self.get_object()
        if not get_access(request.user).reads_region(application.region_id):
            raise Forbidden()
        return Response(SuggestionSerializer(selectors.suggestion(application)).data)


class ExpertProfileViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The region's expert pool: region-wide readers list it; the bureau administrator adds and edits."""

    serializer_class = ExpertProfileSerializer
    queryset = ExpertProfile.objects.none()

    def get_queryset(self):
        access = get_access(self.request.user)
        wide = access.reader_region_ids()
        qs = ExpertProfile.objects.with_scope(region=access.region_ids).filter(region_id__in=wide)
        if self.request.query_params.get("region"):
            qs = qs.filter(region__code=self.request.query_params["region"])
        return qs.select_related("region", "user", "hospital").order_by("region__code", "user__username")

    def _save(self, data: dict, profile: ExpertProfile | None = None):
        access = get_access(self.request.user)
        code = (data.get("region") or {}).get("code") if isinstance(data.get("region"), dict) else None
        region = profile.region if profile else Region.objects.filter(code=code, pk__in=access.region_ids).first()
        if region is None:
            raise NotFound()
        username = (data.get("user") or {}).get("username") if profile is None else profile.user.username
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationFailed("username: unknown user")
        hospital = profile.hospital if profile else None
        if "hospital" in data:
            code = (data["hospital"] or {}).get("code")
            hospital = None
            if code:
                hospital = Hospital.objects.with_scope(region=[region.pk]).filter(region=region, code=code).first()
                if hospital is None:
                    raise ValidationFailed("hospital: unknown hospital code")
        return services.expert_profile_save(
            actor=self.request.user, region=region, user=user,
            specialty=data.get("specialty", profile.specialty if profile else ""), hospital=hospital,
            active=data.get("active", profile.active if profile else True))

    def create(self, request, *args, **kwargs):
        form = ExpertProfileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        profile = self._save(form.validated_data)
        return Response(ExpertProfileSerializer(profile).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        profile = self.get_object()
        form = ExpertProfileSerializer(profile, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        if not get_access(request.user).is_bureau_admin(profile.region_id):
            raise Forbidden()
        profile = self._save(form.validated_data, profile)
        return Response(ExpertProfileSerializer(profile).data)


ROUTES = [
    ("applications", ApplicationViewSet, "application"),
    ("expert-profiles", ExpertProfileViewSet, "expert-profile"),
]
URLPATTERNS: list = []
