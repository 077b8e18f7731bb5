"""JSON of notices (interfaces.md §3): `status`, `sha256`, `published_at`, `acknowledged` (hospital callers),
`acknowledged_count`. Hospital callers do not get the bureau's internal fields (blocks stay; they are the content)."""
from __future__ import annotations

from rest_framework import serializers

from .enums import NoticeType
from .models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    acknowledged = serializers.SerializerMethodField()
    acknowledged_count = serializers.SerializerMethodField()
    recipient_count = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    # a generated notice reads in the caller's language (`?lang=en`); `official_title` is the Chinese of the PDF
    title = serializers.CharField(source="display_title", read_only=True, help_text="in the reader's language")
    body = serializers.CharField(source="display_body", read_only=True, help_text="in the reader's language")
    official_title = serializers.CharField(source="title", read_only=True,
                                           help_text="the official (Chinese) title printed on the PDF")

    class Meta:
        model = Notice
        fields = ["id", "status", "type", "region", "title", "official_title", "doc_number", "body", "blocks",
                  "addressees",
                  "objection_days", "objection_ends", "year", "source_kind", "source_id", "sha256", "pdf_size",
                  "pdf_url", "published_at", "finalized_at", "withdrawn_at", "withdraw_reason", "superseded_by",
                  "created_at", "acknowledged", "acknowledged_count", "recipient_count"]
        read_only_fields = fields

    def get_acknowledged(self, obj) -> bool | None:
        """Whether the caller's hospital acknowledged; null for callers without a hospital."""
        value = getattr(obj, "acknowledged", None)
        return bool(value) if value is not None else None

    def get_acknowledged_count(self, obj) -> int:
        value = getattr(obj, "acknowledged_count", None)
        return value if value is not None else obj.acknowledgements.count()

    def get_recipient_count(self, obj) -> int:
        value = getattr(obj, "recipient_count", None)
        return value if value is not None else obj.recipients.count()

    def get_pdf_url(self, obj) -> str | None:
        if not obj.sha256:
            return None
        return f"/api/v1/notices/{obj.pk}/pdf/"


class AddresseesField(serializers.JSONField):
    pass


class NoticeCreateSerializer(serializers.Serializer):
    region = serializers.CharField(required=False, help_text="region code; needed only with several regions")
    type = serializers.ChoiceField(choices=NoticeType.choices, default=NoticeType.GENERAL)
    title = serializers.CharField(max_length=200)
    doc_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    blocks = serializers.JSONField(required=False, default=list)
    addressees = AddresseesField(required=False, default=dict,
                                 help_text='{"all": true} | {"levels": [1,2,3]} | {"hospitals": ["code", …]}')
    objection_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=2000, max_value=2100)


class NoticeUpdateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=NoticeType.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    doc_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    blocks = serializers.JSONField(required=False)
    addressees = AddresseesField(required=False)
    objection_days = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2100)


class NoticeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AcknowledgementRowSerializer(serializers.Serializer):
    hospital = serializers.CharField(source="hospital.code")
    hospital_name = serializers.CharField(source="hospital.name")
    acknowledged = serializers.BooleanField()
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)
