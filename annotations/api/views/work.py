"""Annotations, evidence and adjudications: the judging of claims."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ...access import Capability
from ...models import Adjudication, AdjudicationMethod, Annotation, Evidence
from ...selectors import visibility
from ...services import work
from .. import serializers as s
from ..filters import AdjudicationFilter, AnnotationFilter, EvidenceFilter
from .common import ApiViewSet, AuthenticatedRequest, requested_version, stale_as_conflict
from .docs import ERRORS, IF_MATCH, READ_ERRORS, VERSIONED_ERRORS, WRITE_ERRORS

BLIND = (
    "In a blind project an annotator sees only their own; reviewers and managers see all; "
    "researchers none (they get releases)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List annotations",
        description=f"Verdicts given on claims of your projects. {BLIND} Cursor-paginated.",
        responses={200: s.AnnotationSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read an annotation",
        description=f"One annotation; `ETag` carries its version. {BLIND}",
        responses={200: s.AnnotationSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Give a verdict",
        description=(
            "Annotators only, on accepted claims; one annotation per claim and annotator (a "
            "second one gets 409 with the existing one)."
        ),
        request=s.AnnotationCreateSerializer,
        responses={201: s.AnnotationSerializer, **VERSIONED_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change your verdict",
        description=(
            "Its annotator only. Send `version` (or If-Match); a stale one gets 409 (412) with "
            "the current annotation, and nothing changes. Fields left out keep their values."
        ),
        parameters=[IF_MATCH], request=s.AnnotationUpdateSerializer,
        responses={200: s.AnnotationSerializer, **VERSIONED_ERRORS},
    ),
)
class AnnotationViewSet(ApiViewSet):
    queryset = Annotation.objects.none()
    serializer_class = s.AnnotationSerializer
    filterset_class = AnnotationFilter
    list_capability = Capability.FIND
    ordering_fields = ("id", "created_at", "updated_at")

    def get_queryset(self) -> QuerySet[Annotation]:
        return visibility.annotations_listable(self.scope).select_related("annotator", "verdict")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.AnnotationSerializer, visibility.annotation_get_for_user(request.user, int(pk)))

    def _represent(self, annotation: Annotation) -> dict:
        return s.AnnotationSerializer(annotation).data

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.AnnotationCreateSerializer)
        # The service loads, locks and authorises the claim and finds the verdict in one query.
        with stale_as_conflict(self._represent):
            annotation = work.annotation_create(
                claim_id=data.pop("claim"), by=request.user, verdict_code=data.pop("verdict"), **data
            )
        return self.respond(s.AnnotationSerializer, annotation, status.HTTP_201_CREATED)

    def partial_update(self, request: AuthenticatedRequest, pk: str) -> Response:
        data = self.input(s.AnnotationUpdateSerializer, partial=True)
        version, from_header = requested_version(request, data)
        if "verdict" in data:
            data["verdict_code"] = data.pop("verdict")
        # PATCH: what the request leaves out keeps its current value (the service's KEEP).
        with stale_as_conflict(self._represent, from_header=from_header):
            annotation = work.annotation_update(
                annotation_id=int(pk), by=request.user, version=version, **data
            )
        return self.respond(s.AnnotationSerializer, annotation)


@extend_schema_view(
    list=extend_schema(
        summary="List evidence",
        description=f"Sources cited for claims of your projects. {BLIND} Cursor-paginated.",
        responses={200: s.EvidenceSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read evidence", description=f"One source. {BLIND}",
        responses={200: s.EvidenceSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Cite evidence",
        description=(
            "Annotators, reviewers, managers. Exactly one source: an http(s) `url`, a "
            "`linked_claim` or a `linked_article` of the same project."
        ),
        request=s.EvidenceCreateSerializer,
        responses={201: s.EvidenceSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove evidence", description="Its author, or a reviewer or manager.",
        responses={204: OpenApiResponse(description="Removed."), **ERRORS},
    ),
)
class EvidenceViewSet(ApiViewSet):
    queryset = Evidence.objects.none()
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter
    list_capability = Capability.FIND
    ordering_fields = ("id", "created_at")

    def get_queryset(self) -> QuerySet[Evidence]:
        return visibility.evidence_listable(self.scope).select_related("added_by")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.EvidenceSerializer, visibility.evidence_get_for_user(request.user, int(pk)))

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.EvidenceCreateSerializer)
        # The role first: the linked claim and article are looked up only for those who may cite.
        claim = visibility.claim_get_visible(request.user, data.pop("claim"), capability=Capability.FIND)
        project_id = claim.article.project_id
        if data["linked_claim"] is not None:
            # A claim citing itself is the service's refusal (evidence_add), as for the UI.
            data["linked_claim"] = visibility.claim_of_project(
                project_id, data["linked_claim"], field="linked_claim"
            )
        if data["linked_article"] is not None:
            data["linked_article"] = visibility.article_of_project(
                project_id, data["linked_article"], field="linked_article"
            )
        evidence = work.evidence_add(claim=claim, by=request.user, **data)
        return self.respond(s.EvidenceSerializer, evidence, status.HTTP_201_CREATED)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        evidence = visibility.evidence_get_for_user(request.user, int(pk))
        work.evidence_delete(evidence=evidence, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


_USERS = get_user_model()


@extend_schema_view(
    list=extend_schema(
        summary="List adjudications",
        description="Final verdicts of claims, for reviewers and managers. Cursor-paginated.",
        responses={200: s.AdjudicationSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read an adjudication",
        description="One final verdict; `ETag` carries its version. Reviewers and managers.",
        responses={200: s.AdjudicationSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Adjudicate a claim",
        description=(
            "Reviewers and managers. A claim already adjudicated gets 409 with the current "
            "adjudication: change it with PATCH at its version."
        ),
        request=s.AdjudicationCreateSerializer,
        responses={201: s.AdjudicationSerializer, **VERSIONED_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a final verdict",
        description=(
            "Reviewers and managers, at the current `version` (or If-Match): stale gets "
            "409/412. Overriding an automatic (unanimous) decision needs a `reason`."
        ),
        parameters=[IF_MATCH], request=s.AdjudicationUpdateSerializer,
        responses={200: s.AdjudicationSerializer, **VERSIONED_ERRORS},
    ),
)
class AdjudicationViewSet(ApiViewSet):
    queryset = Adjudication.objects.none()
    serializer_class = s.AdjudicationSerializer
    filterset_class = AdjudicationFilter
    list_capability = Capability.REVIEW
    ordering_fields = ("id", "decided_at")

    def get_queryset(self) -> QuerySet[Adjudication]:
        return (
            visibility.adjudications_listable(self.scope)
            .select_related("verdict", "adjudicator")
            .prefetch_related(
                Prefetch("agrees_with", queryset=_USERS.objects.only("pk", _USERS.USERNAME_FIELD)),
                Prefetch("gold_evidence", queryset=Evidence.objects.only("pk")),
            )
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(
            s.AdjudicationSerializer, visibility.adjudication_get_for_user(request.user, int(pk))
        )

    def _represent(self, adjudication: Adjudication) -> dict:
        return s.AdjudicationSerializer(adjudication).data

    def _decide(self, claim, data: dict, version: int | None, from_header: bool = False):
        verdict = visibility.verdict_of_project(claim.article.project, data.pop("verdict"))
        gold = visibility.evidence_of_claim(claim, data.pop("gold_evidence"), field="gold_evidence")
        with stale_as_conflict(self._represent, from_header=from_header):
            return work.claim_adjudicate(
                claim=claim, by=self.request.user, verdict=verdict, gold_evidence=gold,
                version=version, **data,
            )

    def create(self, request: Request) -> Response:
        data = self.input(s.AdjudicationCreateSerializer)
        # The role first: verdict and gold evidence ids are looked up only for reviewers, or the
        # answer would tell annotators and researchers which evidence ids a claim has.
        claim = visibility.claim_get_visible(
            request.user, data.pop("claim"), capability=Capability.REVIEW
        )
        adjudication = self._decide(claim, data, None)
        return self.respond(s.AdjudicationSerializer, adjudication, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        adjudication = visibility.adjudication_get_for_user(request.user, int(pk))
        data = self.input(s.AdjudicationUpdateSerializer, partial=True)
        version, from_header = requested_version(request, data)
        # PATCH: what the request leaves out keeps its current value.
        data.setdefault("verdict", adjudication.verdict.code)
        # A person's change of an automatic decision makes it theirs.
        data.setdefault(
            "method",
            AdjudicationMethod.ADJUDICATED
            if adjudication.method == AdjudicationMethod.UNANIMOUS else adjudication.method,
        )
        data.setdefault("notes", adjudication.notes)
        if "gold_evidence" not in data:
            data["gold_evidence"] = list(adjudication.gold_evidence.values_list("pk", flat=True))
        updated = self._decide(adjudication.claim, data, version, from_header)
        return self.respond(s.AdjudicationSerializer, updated)
