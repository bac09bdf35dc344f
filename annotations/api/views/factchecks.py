"""Reference fact checks (imported from fact-check feeds) and those that match a claim."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import ReferenceFactCheck
from ...selectors.article_page import claim_visible_to
from ...selectors.factchecks import factcheck_get_for_user, factcheck_matches, factchecks_listable
from ..factcheck_serializers import FactCheckMatchSerializer, FactCheckSerializer
from ..filters import FactCheckFilter
from .common import ApiViewSet, AuthenticatedRequest
from .docs import READ_ERRORS


@extend_schema_view(
    list=extend_schema(
        summary="List reference fact checks",
        description=(
            "Published fact checks (ClaimReview) imported into your projects from fact-check feeds "
            "(see articles/import), newest review first. Any member. Cursor-paginated."
        ),
        responses={200: FactCheckSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a reference fact check", description="Any member of its project.",
        responses={200: FactCheckSerializer, **READ_ERRORS},
    ),
)
class FactCheckViewSet(ApiViewSet):
    queryset = ReferenceFactCheck.objects.none()
    serializer_class = FactCheckSerializer
    filterset_class = FactCheckFilter
    ordering_fields = ("id", "review_date", "created_at")

    def get_queryset(self) -> QuerySet[ReferenceFactCheck]:
        return factchecks_listable(self.scope).select_related("project").defer("raw")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(FactCheckSerializer, factcheck_get_for_user(request.user, int(pk)))


@extend_schema(
    summary="Fact checks matching a claim",
    description=(
        "The project's reference fact checks that read like the claim (multilingual embeddings and "
        "words in common), best first, at most 5. Any member who may see the claim. To cite one, "
        "add evidence with its `url` (POST /evidence/)."
    ),
    responses={200: FactCheckMatchSerializer(many=True), **READ_ERRORS},
)
class ClaimFactChecksViewSet(ApiViewSet):
    queryset = ReferenceFactCheck.objects.none()
    serializer_class = FactCheckMatchSerializer
    pagination_class = None

    def retrieve(self, request: AuthenticatedRequest, pk: str) -> Response:
        claim, _perms = claim_visible_to(request.user, int(pk))
        return Response(FactCheckMatchSerializer(factcheck_matches(claim), many=True).data)
