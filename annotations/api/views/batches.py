"""Claim batches: many suggestions decided at once, deletions of claims, and their undo."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import selectors
from ...access import Capability
from ...models import BatchKind, ClaimBatch
from ...selectors.batches import batch_get_for_user
from ...services import claim_batches
from ..serializers_batches import ClaimBatchCreateSerializer, ClaimBatchSerializer
from ..filters import BooleanFilter, IdFilter, ProjectScopedFilterSet
from .common import ApiViewSet, AuthenticatedRequest
from .docs import READ_ERRORS, WRITE_ERRORS


class ClaimBatchFilter(ProjectScopedFilterSet):
    article = IdFilter(field_name="article_id")
    kind = django_filters.ChoiceFilter(choices=BatchKind.choices)
    mine = BooleanFilter(method="filter_mine", help_text="Only your own changes.")

    class Meta:
        model = ClaimBatch
        fields = ["project", "article", "kind", "mine"]

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        mine = Q(created_by=self.request.user)
        return queryset.filter(mine if value else ~mine)


@extend_schema_view(
    list=extend_schema(
        summary="List changes to claims",
        description=(
            "Batches of decisions and deletions in the projects where you find claims, newest "
            "first, undone ones included (the history). Cursor-paginated."
        ),
        responses={200: ClaimBatchSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a change to claims",
        description="A batch of decisions or a deletion, kept after an undo. Those who find claims.",
        responses={200: ClaimBatchSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Accept or reject many suggestions",
        description=(
            "Those who find claims. Decides the article's suggestions still waiting for a decision "
            "that meet every criterion given (`claim_ids`, `min_score`, `below_score`, `paragraph`), "
            "as one batch that `undo` reverts. None matching is a 400 and changes nothing."
        ),
        request=ClaimBatchCreateSerializer,
        responses={201: ClaimBatchSerializer, **WRITE_ERRORS},
    ),
    undo=extend_schema(
        summary="Undo a change to claims",
        description=(
            "Its author, or a reviewer or manager; once. Restores exactly the states before "
            "(a deleted claim with its own verdict, evidence and links); refused (400) with "
            "nothing changed if a claim changed or was judged since."
        ),
        request=None,
        responses={200: ClaimBatchSerializer, **WRITE_ERRORS},
    ),
)
class ClaimBatchViewSet(ApiViewSet):
    queryset = ClaimBatch.objects.none()
    serializer_class = ClaimBatchSerializer
    filterset_class = ClaimBatchFilter
    list_capability = Capability.FIND
    ordering_fields = ("id", "created_at")

    def get_queryset(self) -> QuerySet[ClaimBatch]:
        scope = self.scope
        batches = ClaimBatch.objects.all() if scope.everything else ClaimBatch.objects.filter(
            article__project__in=scope.ids(Capability.FIND))
        return batches.select_related("created_by", "undone_by")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(ClaimBatchSerializer, batch_get_for_user(request.user, int(pk)))

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(ClaimBatchCreateSerializer)
        article = selectors.article_get_for_user(request.user, data.pop("article"))
        batch = claim_batches.claims_decide_batch(article=article, by=request.user, **data)
        return self.respond(ClaimBatchSerializer, batch, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def undo(self, request: AuthenticatedRequest, pk: str) -> Response:
        batch = batch_get_for_user(request.user, int(pk))
        return self.respond(ClaimBatchSerializer, claim_batches.batch_undo(batch=batch, by=request.user))
