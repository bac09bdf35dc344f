"""Serializers of reference fact checks (imported ClaimReviews) and of their matches to a claim."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from ..models import ReferenceFactCheck

FACTCHECK_EXAMPLE = {
    "id": 3, "project": "anchorage-2025",
    "url": "https://factuel.example.org/verifications/concessions-russes-anchorage",
    "claim_reviewed": "La Russie a fait d'importantes concessions lors du sommet d'Anchorage.",
    "claimant": "JD Vance", "claim_date": "2025-08-17", "title": "",
    "publisher": "Factuel Exemple", "publisher_site": "https://factuel.example.org",
    "rating_text": "Trompeur", "rating_value": 2.0, "best_rating": 5.0, "worst_rating": 1.0,
    "language": "fr", "review_date": "2025-08-18", "import_job": 12, "created_at": "2025-08-20T09:00:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("A reference fact check", value=FACTCHECK_EXAMPLE, response_only=True)])
class FactCheckSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ReferenceFactCheck
        fields = [
            "id", "project", "url", "claim_reviewed", "claimant", "claim_date", "title", "publisher",
            "publisher_site", "rating_text", "rating_value", "best_rating", "worst_rating", "language",
            "review_date", "import_job", "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample("A claim's fact checks", response_only=True, value=[{
    "factcheck": FACTCHECK_EXAMPLE, "score": 0.68, "similarity": 0.58, "overlap": 0.67,
}])])
class FactCheckMatchSerializer(serializers.Serializer):
    factcheck = FactCheckSerializer()
    score = serializers.FloatField(help_text="Similarity plus a share of the words in common; 0.55 at least.")
    similarity = serializers.FloatField(help_text="Cosine of the multilingual sentence embeddings.")
    overlap = serializers.FloatField(help_text="Share of content words in common (of the shorter text).")
