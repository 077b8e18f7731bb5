from __future__ import annotations

from rest_framework import serializers

from .models import Attachment, ScreeningItem


class ScreeningAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class ScreeningItemSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    settlement_id = serializers.CharField(source="case.settlement_id")
    hospital_code = serializers.CharField(source="hospital.code")
    hospital_name = serializers.CharField(source="hospital.name")
    related_settlement_id = serializers.SerializerMethodField()
    period = serializers.CharField()
    overdue = serializers.BooleanField(source="is_overdue")
    expert = serializers.CharField(source="expert.username", default=None)
    attachments = ScreeningAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ScreeningItem
        fields = ["id", "region", "rule", "status", "period", "settlement_id", "hospital_code", "hospital_name",
                  "related_settlement_id", "evidence", "found_at", "reply_due", "overdue", "answer_text",
                  "answered_at", "expert", "expert_suggestion", "expert_opinion", "decided_at", "decision_reason",
                  "attachments"]

    def get_related_settlement_id(self, obj) -> str | None:
        return obj.related_case.settlement_id if obj.related_case_id else None


class ScreeningAnswerSerializer(serializers.Serializer):
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ScreeningReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ScreeningAssignSerializer(serializers.Serializer):
    expert = serializers.CharField(help_text="the expert's username")


class ScreeningOpinionSerializer(serializers.Serializer):
    suggestion = serializers.ChoiceField(choices=["confirm", "clear"])
    comment = serializers.CharField()
