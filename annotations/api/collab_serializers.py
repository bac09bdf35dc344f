"""Serializers of collaboration: comments on claims and questions, and the user's notifications."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from ..models import COMMENT_MAX_CHARS, Comment, Notification
from ..selectors.collab import notification_text, notification_url

COMMENT_EXAMPLE = {
    "id": 31, "project": "anchorage-2025", "claim": 90, "question": None, "author": "alice",
    "body": "@rita Lavrov is quoted from TASS, not from the press conference: which one counts?",
    "mentions": ["rita"], "created_at": "2025-08-21T10:12:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("A comment", value=COMMENT_EXAMPLE, response_only=True)])
class CommentSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    mentions: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True, help_text="Members named with @username in the body."
    )

    class Meta:
        model = Comment
        fields = ["id", "project", "claim", "question", "author", "body", "mentions", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Comment on a claim", request_only=True,
    value={"claim": 90, "body": "@rita Lavrov is quoted from TASS: which source counts?"},
)])
class CommentCreateSerializer(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True,
                                     help_text="The claim of the thread (or give `question`).")
    question = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True,
                                        help_text="The check question of the thread (or give `claim`).")
    body = serializers.CharField(max_length=COMMENT_MAX_CHARS, help_text="Mention members with @username.")

    def validate(self, data: dict) -> dict:
        if (data.get("claim") is None) == (data.get("question") is None):
            raise serializers.ValidationError({"non_field_errors": ["Give either `claim` or `question`."]})
        return data


NOTIFICATION_EXAMPLE = {
    "id": 7, "project": "anchorage-2025", "kind": "mention", "text": "alice mentioned you on claim “Lavrov said…”.",
    "url": "/articles/12/?claim=90", "actor": "alice", "claim": 90, "question": None, "comment": 31,
    "job": None, "release": None, "created_at": "2025-08-21T10:12:00Z", "read_at": None,
}


@extend_schema_serializer(examples=[OpenApiExample("A notification", value=NOTIFICATION_EXAMPLE, response_only=True)])
class NotificationSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    text = serializers.SerializerMethodField(help_text="The notification as a sentence, in your language.")
    url = serializers.SerializerMethodField(help_text="The page of the web app it is about.")

    class Meta:
        model = Notification
        fields = [
            "id", "project", "kind", "text", "url", "actor", "claim", "question", "comment", "job", "release",
            "created_at", "read_at",
        ]
        read_only_fields = fields

    def get_text(self, note: Notification) -> str:
        return notification_text(note)

    def get_url(self, note: Notification) -> str:
        return notification_url(note)


@extend_schema_serializer(examples=[OpenApiExample("Marked read", value={"marked": 3}, response_only=True)])
class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")
