"""API of training (interfaces.md §3).

`GET/POST /courses/`, `GET/POST /sessions/` (+ `publish`, `cancel`, `close`, `scores` actions),
`GET/POST /enrollments/` with actions `cancel`, `attend`, `absent`, `score {score}`, and
`GET /enrollments/{id}/certificate/` (the PDF, only when passed; else 404). Out-of-scope ids are 404.
"""
from __future__ import annotations

import datetime as dt

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.core.api import ScopedAPIMixin
from apps.core.errors import ValidationFailed
from apps.core.pdf import pdf_response
from apps.tenants.models import Region, User

from . import selectors, services
from .models import Course, Enrollment, Session
from .serializers import (
    CourseSerializer,
    CourseWriteSerializer,
    EnrollmentCreateSerializer,
    EnrollmentSerializer,
    PublishSerializer,
    ScoreSerializer,
    SessionSerializer,
    SessionWriteSerializer,
    TrainingReasonSerializer,
)


def _region_for(request, code: str | None) -> Region:
    access = request.access
    bureau = access.bureau_region_ids()
    pool = bureau or access.region_ids
    if code:
        region = Region.objects.filter(code=code, pk__in=access.region_ids).first()
        if region is None:
            raise NotFound()
        return region
    if len(pool) != 1:
        raise ValidationFailed("region: give the region code.") if pool else NotFound()
    return Region.objects.get(pk=pool[0])


class CourseViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CourseSerializer
    queryset = Course.objects.none()

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False) for n in ("category", "region")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.visible_courses(self.request.user).prefetch_related("materials")
        params = self.request.query_params
        if params.get("category"):
            qs = qs.filter(category=params["category"])
        if params.get("region"):
            qs = qs.filter(region__code=params["region"])
        return qs.order_by("region__code", "category", "title", "pk")

    def get_object(self) -> Course:
        return selectors.course_get(self.request.user, int(self.kwargs["pk"]))

    @extend_schema(request=CourseWriteSerializer, responses={201: CourseSerializer})
    def create(self, request):
        form = CourseWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        region = _region_for(request, data.pop("region", None))
        data.pop("active", None)
        course = services.course_create(actor=request.user, region=region, **data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CourseWriteSerializer, responses={200: CourseSerializer})
    def update(self, request, pk=None):
        course = self.get_object()
        form = CourseWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.pop("region", None)
        course = services.course_update(actor=request.user, course=course, **data)
        return Response(CourseSerializer(course).data)


class SessionViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer
    queryset = Session.objects.none()

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False)
                               for n in ("status", "course", "region", "year", "open")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        if params.get("open") in ("1", "true"):
            qs = selectors.open_sessions(self.request.user)
        else:
            qs = selectors.visible_sessions(self.request.user)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("course", "").isdigit():
            qs = qs.filter(course_id=int(params["course"]))
        if params.get("region"):
            qs = qs.filter(region__code=params["region"])
        if params.get("year", "").isdigit() and len(params["year"]) == 4:  # longer overflows the date lookup
            qs = qs.filter(starts_at__year=int(params["year"]))
        return qs.order_by("-starts_at", "-pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "seats": {}}

    def get_object(self) -> Session:
        return selectors.session_get(self.request.user, int(self.kwargs["pk"]))

    def _answer(self, session: Session, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.session_get(self.request.user, session.pk)
        return Response(SessionSerializer(fresh, context={"seats": {}}).data, status=code)

    @extend_schema(request=SessionWriteSerializer, responses={201: SessionSerializer})
    def create(self, request):
        form = SessionWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        course = selectors.course_get(request.user, data.pop("course"))
        trainer_name = data.pop("trainer")
        trainer = User.objects.filter(username=trainer_name).first() if trainer_name else None
        if trainer_name and trainer is None:
            raise ValidationFailed("trainer: unknown user")
        publish = data.pop("publish")
        data.setdefault("ends_at", data["starts_at"] + dt.timedelta(hours=3))
        session = services.session_create(actor=request.user, course=course, trainer=trainer, **data)
        if publish:
            session = services.session_publish(actor=request.user, session=session)
        return self._answer(session, status.HTTP_201_CREATED)

    @extend_schema(request=PublishSerializer, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        form = PublishSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.session_publish(actor=request.user, session=self.get_object(),
                                                     **form.validated_data))

    @extend_schema(request=TrainingReasonSerializer, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        form = TrainingReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.session_cancel(actor=request.user, session=self.get_object(),
                                                    reason=form.validated_data["reason"]))

    @extend_schema(request=None, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._answer(services.session_close(actor=request.user, session=self.get_object()))

    @extend_schema(request={"application/json": {"type": "object", "additionalProperties": {"type": "number"}}},
                   responses={200: EnrollmentSerializer(many=True)},
                   description="Bulk scores: {enrollment id: score, …}; all or nothing.")
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        session = self.get_object()
        if not isinstance(request.data, dict) or not request.data:
            raise ValidationFailed("scores: an object {enrollment id: score}")
        try:
            scores = {int(k): v for k, v in request.data.items()}
        except (TypeError, ValueError):
            raise ValidationFailed("scores: keys are enrolment ids")
        done = services.scores_bulk(actor=request.user, session=session, scores=scores)
        return Response(EnrollmentSerializer(done, many=True).data)


class EnrollmentViewSet(ScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EnrollmentSerializer
    queryset = Enrollment.objects.none()

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False)
                               for n in ("session", "status", "hospital", "mine", "passed")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.visible_enrollments(self.request.user)
        params = self.request.query_params
        if params.get("session", "").isdigit():
            qs = qs.filter(session_id=int(params["session"]))
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("hospital"):
            qs = qs.filter(hospital__code=params["hospital"])
        if params.get("mine") in ("1", "true"):
            qs = qs.filter(user=self.request.user)
        if params.get("passed") in ("1", "true", "0", "false"):
            qs = qs.filter(passed=params["passed"] in ("1", "true"))
        return qs.order_by("-created_at", "-pk")

    def get_object(self) -> Enrollment:
        return selectors.enrollment_get(self.request.user, int(self.kwargs["pk"]))

    def _answer(self, enrollment: Enrollment, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.enrollment_get(self.request.user, enrollment.pk)
        return Response(EnrollmentSerializer(fresh).data, status=code)

    @extend_schema(request=EnrollmentCreateSerializer, responses={201: EnrollmentSerializer})
    def create(self, request):
        form = EnrollmentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        session = selectors.session_get(request.user, form.validated_data["session"])
        user = request.user
        if form.validated_data["user"]:
            user = User.objects.filter(username=form.validated_data["user"]).first()
            if user is None:
                raise ValidationFailed("user: unknown user")
        enrollment = services.enrollment_create(actor=request.user, session=session, user=user)
        return self._answer(enrollment, status.HTTP_201_CREATED)

    @extend_schema(request=TrainingReasonSerializer, responses={200: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        return self._answer(services.enrollment_cancel(actor=request.user, enrollment=self.get_object(),
                                                       reason=reason))

    @extend_schema(request=None, responses={200: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def attend(self, request, pk=None):
        return self._answer(services.enrollment_attend(actor=request.user, enrollment=self.get_object()))

    @extend_schema(request=None, responses={200: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def absent(self, request, pk=None):
        return self._answer(services.enrollment_absent(actor=request.user, enrollment=self.get_object()))

    @extend_schema(request=ScoreSerializer, responses={200: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        enrollment = self.get_object()  # out-of-scope ids answer 404 before the body is looked at
        form = ScoreSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(services.enrollment_score(actor=request.user, enrollment=enrollment,
                                                      score=form.validated_data["score"]))

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
                                            404: OpenApiResponse(description="not passed or out of scope")})
    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        enrollment = self.get_object()
        if not enrollment.has_certificate:
            raise Http404
        content = services.certificate_pdf(enrollment=enrollment)
        return pdf_response(content, f"培训合格证书-{enrollment.certificate_number}.pdf", inline=False)


ROUTES = [
    ("courses", CourseViewSet, "training-course"),
    ("sessions", SessionViewSet, "training-session"),
    ("enrollments", EnrollmentViewSet, "training-enrollment"),
]
URLPATTERNS: list = []
