"""Serializers of claim batches: many suggestions decided at once, deletions, and their undo."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ..access import AuthUser
from ..models import Article, ClaimBatch, ClaimStatus
from .serializers import IdField

BATCH_EXAMPLE = {
    "id": 12, "article": 7, "kind": "decide", "status": "accepted", "claims": [41, 42, 58],
    "size": 3, "created_by": "alice", "created_at": "2025-08-21T10:00:00Z", "undone_at": None,
    "undone_by": None,
}


@extend_schema_serializer(examples=[
    OpenApiExample("Decisions on three suggestions", value=BATCH_EXAMPLE, response_only=True),
])
class ClaimBatchSerializer(serializers.ModelSerializer):
    article: serializers.PrimaryKeyRelatedField[Article] = serializers.PrimaryKeyRelatedField(read_only=True)
    created_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True)
    undone_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True)
    claims = serializers.SerializerMethodField(help_text="The ids of the claims the change touched.")

    class Meta:
        model = ClaimBatch
        fields = ["id", "article", "kind", "status", "claims", "size", "created_by", "created_at",
                  "undone_at", "undone_by"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_claims(self, batch: ClaimBatch) -> list[int]:
        # A decision batch lists {id: ...} per claim; a deletion the serialized rows, claim first.
        if batch.kind == "delete":
            return [int(batch.items[0]["pk"])] if batch.items else []
        return [int(item["id"]) for item in batch.items]


@extend_schema_serializer(examples=[
    OpenApiExample("Accept every suggestion scored 0.6 or more", request_only=True,
                   value={"article": 7, "status": "accepted", "min_score": 0.6}),
    OpenApiExample("Reject the suggestions of a paragraph", request_only=True,
                   value={"article": 7, "status": "rejected", "paragraph": 3}),
    OpenApiExample("Accept chosen suggestions", request_only=True,
                   value={"article": 7, "status": "accepted", "claim_ids": [41, 42]}),
])
class ClaimBatchCreateSerializer(serializers.Serializer):
    article = IdField()
    status = serializers.ChoiceField(choices=[ClaimStatus.ACCEPTED, ClaimStatus.REJECTED])
    claim_ids = serializers.ListField(child=IdField(), required=False, max_length=5000,
                                      help_text="Only these suggestions.")
    min_score = serializers.FloatField(required=False, min_value=0, max_value=1,
                                       help_text="Only suggestions scored at least this.")
    below_score = serializers.FloatField(required=False, min_value=0, max_value=1,
                                         help_text="Only suggestions scored below this (or unscored).")
    paragraph = serializers.IntegerField(
        required=False, min_value=0, max_value=1_000_000,
        help_text="Only suggestions inside this paragraph (0 = the first; blank lines separate them).")
