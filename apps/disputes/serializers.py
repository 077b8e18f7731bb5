"""JSON of disputes (interfaces.md §3): `status`, `accept_due`, `decision_due`, `appeal_due` and `overdue`."""
from __future__ import annotations

from rest_framework import serializers

from apps.core.workflow import shows_expert_names

from .enums import Outcome, SubjectType
from .models import Attachment, Comment, Dispute


class DisputeAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "step", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class DisputeCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = Comment
        fields = ["id", "step", "author", "text", "created_at"]
        read_only_fields = fields


class DisputeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    hospital = serializers.CharField(source="hospital.code", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    can_appeal = serializers.BooleanField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    letter_url = serializers.SerializerMethodField()
    comments = DisputeCommentSerializer(many=True, read_only=True)
    attachments = DisputeAttachmentSerializer(many=True, read_only=True)
    assignments = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = ["id", "status", "region", "hospital", "subject_type", "subject_ref", "year", "group_code",
                  "subject_published_at", "window_ends", "claim", "requested_outcome", "created_by", "created_at",
                  "submitted_at", "accept_due", "accepted_at", "decision_due", "decided_at", "outcome",
                  "decision_reason", "adjustment", "decision_round", "first_decision", "appeal_due", "appealed_at",
                  "appeal_reason", "can_appeal", "not_accept_reason", "closed_at", "closed_reason", "overdue",
                  "letter_number", "letter_sha256", "letter_url", "comments", "attachments", "assignments"]
        read_only_fields = fields

    def get_letter_url(self, obj) -> str | None:
        return f"/api/v1/disputes/{obj.pk}/letter/" if obj.letter_path else None

    def get_assignments(self, obj) -> list[dict]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not shows_expert_names(user, obj.region_id):  # one rule with the screens (apps/core/workflow.py)
            return []
        rows = sorted(obj.assignments.all(), key=lambda a: (a.assigned_at, a.pk))
        return [{"id": a.pk, "expert": a.expert.username, "status": a.status, "due": a.due} for a in rows]


class DisputeCreateSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    subject_ref = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    claim = serializers.CharField()
    requested_outcome = serializers.CharField(required=False, allow_blank=True, default="")
    year = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="payment year (coefficient and group subjects; default: latest)")
    hospital = serializers.CharField(required=False, allow_blank=True, default="",
                                     help_text="hospital code, if you work for several hospitals")
    region = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="region code, if you work in several")
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                     help_text="files (multipart, PDF/JPEG/PNG ≤ 10 MB); required for a case in no "
                                               "published settlement run")


class DisputeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DisputeAssignSerializer(serializers.Serializer):
    experts = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class DisputeOpinionSerializer(serializers.Serializer):
    suggestion = serializers.ChoiceField(choices=Outcome.choices)
    comment = serializers.CharField()


class DisputeDecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    adjustment = serializers.JSONField(required=False, allow_null=True, default=None,
                                       help_text="{drg_code} | {coefficient} | {outcome, unreasonable_cost} | text")


class DisputeCommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField()


class DisputeAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
