"""JSON of training (interfaces.md §3): courses, sessions, enrolments."""
from __future__ import annotations

from rest_framework import serializers

from .enums import AUDIENCE_CHOICES, Category, Mode
from .models import Course, Enrollment, Session


class CourseSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    audience = serializers.ListField(child=serializers.ChoiceField(choices=AUDIENCE_CHOICES), required=False)
    materials = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = ["id", "region", "title", "category", "hours", "audience", "description", "active", "materials",
                  "created_at"]
        read_only_fields = ["id", "region", "materials", "created_at"]

    def get_materials(self, obj) -> list[dict]:
        return [{"id": m.pk, "name": m.original_name, "size": m.size, "sha256": m.sha256}
                for m in obj.materials.all()]


class CourseWriteSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=6, required=False, help_text="region code, if you work in several")
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    audience = serializers.ListField(child=serializers.ChoiceField(choices=AUDIENCE_CHOICES), required=False,
                                     default=list)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class SessionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    trainer = serializers.CharField(source="trainer.username", read_only=True, allow_null=True)
    seated = serializers.SerializerMethodField()
    waitlisted = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "status", "region", "course", "course_title", "mode", "venue", "starts_at", "ends_at",
                  "capacity", "enrol_deadline", "pass_mark", "trainer", "seated", "waitlisted", "notice_id",
                  "published_at"]
        read_only_fields = fields

    def _seats(self, obj) -> dict:
        seats = self.context.get("seats") or {}
        if obj.pk not in seats:
            from .selectors import seat_counts

            seats.update(seat_counts([obj]))
        return seats[obj.pk]

    def get_seated(self, obj) -> int:
        return self._seats(obj)["seated"]

    def get_waitlisted(self, obj) -> int:
        return self._seats(obj)["waitlisted"]


class SessionWriteSerializer(serializers.Serializer):
    course = serializers.IntegerField(help_text="course id")
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.VENUE)
    venue = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, help_text="default: three hours after the start")
    capacity = serializers.IntegerField(min_value=1)
    enrol_deadline = serializers.DateTimeField()
    pass_mark = serializers.DecimalField(max_digits=5, decimal_places=1, default=60)
    trainer = serializers.CharField(required=False, allow_blank=True, default="", help_text="username")
    publish = serializers.BooleanField(required=False, default=False,
                                       help_text="publish at once (sends the training notice)")


class PublishSerializer(serializers.Serializer):
    send_notice = serializers.BooleanField(default=True)
    levels = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=3), required=False,
                                   default=list)
    hospitals = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class EnrollmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    hospital = serializers.CharField(source="hospital.code", read_only=True, allow_null=True)
    course = serializers.CharField(source="session.course.title", read_only=True)
    certificate = serializers.SerializerMethodField()
    # Declared, not derived: the derived field would carry a uniqueness validator over the region-scoped table.
    verification_code = serializers.CharField(read_only=True)
    certificate_number = serializers.CharField(read_only=True)

    class Meta:
        model = Enrollment
        validators: list = []  # read-only serializer; the unique constraints are enforced by the services
        fields = ["id", "status", "region", "session", "course", "user", "name", "hospital", "role",
                  "waitlist_position", "score", "passed", "certificate_number", "verification_code", "certificate",
                  "created_at"]
        read_only_fields = fields

    def get_certificate(self, obj) -> str | None:
        if not obj.has_certificate:
            return None
        return f"/api/v1/enrollments/{obj.pk}/certificate/"


class EnrollmentCreateSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    user = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="username (bureau / hospital administrator enrolling someone); default: you")


class ScoreSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)


class TrainingReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
