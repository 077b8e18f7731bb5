"""JSON of applications (interfaces §3). Experts get the de-identified form: no settlement id, no
hospital name or code (level and type only), no applicant."""
from __future__ import annotations

from rest_framework import serializers

from apps.core.workflow import shows_expert_names

from . import rules
from .enums import ApplicationType, AttachmentKind, Outcome, Verdict
from .models import Application, Attachment, ExpertProfile


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    case = serializers.SerializerMethodField()
    hospital = serializers.SerializerMethodField()
    hospital_level = serializers.IntegerField(source="hospital.level", read_only=True)
    hospital_type = serializers.CharField(source="hospital.type", read_only=True)
    created_by = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    attachments = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "status", "type", "region", "case", "hospital", "hospital_level", "hospital_type", "year",
                  "reason", "secondary_drg_code", "secondary_group", "created_by", "created_at", "submitted_at",
                  "accepted_at", "review_due", "overdue", "reviewed_at", "decided_at", "outcome", "unreasonable_cost",
                  "decision_reason", "return_reason", "attachments", "assignments"]
        read_only_fields = fields

    def _identified(self, obj) -> bool:
        request = self.context.get("request")
        return rules.sees_identity(getattr(request, "user", None), obj)

    def get_case(self, obj) -> str | None:
        return obj.case.settlement_id if self._identified(obj) else None

    def get_hospital(self, obj) -> str | None:
        return obj.hospital.code if self._identified(obj) else None

    def get_created_by(self, obj) -> str | None:
        return obj.created_by.username if obj.created_by and self._identified(obj) else None

    def get_attachments(self, obj) -> list[dict]:
        items = list(obj.attachments.all())
        if not items:  # most rows of a list have none: no serializer built per row (issue 21)
            return []
        rows = AttachmentSerializer(items, many=True).data
        if not self._identified(obj):  # a file name may carry a patient's name
            for row, attachment in zip(rows, items, strict=True):
                row["original_name"] = attachment.neutral_name
        return rows

    def get_assignments(self, obj) -> list[dict]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not shows_expert_names(user, obj.region_id):  # one rule with the screens (apps/core/workflow.py)
            return []
        if "assignments" in getattr(obj, "_prefetched_objects_cache", {}):  # the list prefetches them (no N+1)
            rows = sorted(obj.assignments.all(), key=lambda a: (a.assigned_at, a.pk))
        else:
            rows = obj.assignments.select_related("expert").order_by("assigned_at", "id")
        return [{"id": a.pk, "expert": a.expert.username, "status": a.status, "due": a.due} for a in rows]


class ApplicationCreateSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=50, help_text="the case's settlement_id")
    region = serializers.CharField(max_length=6, required=False, help_text="region code, if you work in several")
    type = serializers.ChoiceField(choices=ApplicationType.choices)
    reason = serializers.CharField()
    secondary_drg_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.MEDICAL_RECORD_SUMMARY)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    experts = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class OpinionSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    unreasonable_cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=0)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    unreasonable_cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True,
                                                 default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SuggestionSerializer(serializers.Serializer):
    opinions = serializers.IntegerField()
    approve = serializers.IntegerField()
    reject = serializers.IntegerField()
    verdict = serializers.CharField(allow_null=True)
    unreasonable_cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class ExpertProfileSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.name", read_only=True)
    hospital = serializers.CharField(source="hospital.code", allow_null=True, required=False)

    class Meta:
        model = ExpertProfile
        fields = ["id", "region", "username", "name", "specialty", "hospital", "active"]
