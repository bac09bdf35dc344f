"""The claim graph: check questions and their answers, proposed relations, related claims."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import selectors
from ...access import Capability
from ...models import CheckQuestion, Claim, QuestionAnswer, RelationCandidate
from ...selectors import graph as graph_selectors
from ...selectors import visibility
from ...services import graph as graph_services
from .. import serializers as s
from ..filters import AnswerFilter, CandidateFilter, QuestionFilter
from .common import ApiViewSet, AuthenticatedRequest, requested_version, stale_as_conflict
from .docs import READ_ERRORS, VERSIONED_ERRORS, WRITE_ERRORS


@extend_schema_view(
    list=extend_schema(
        summary="List check questions",
        description=(
            "Questions of the projects where you find claims (annotators, reviewers, managers), "
            "each with the claims answering it by answer and the contradictions among them."
        ),
        responses={200: s.QuestionSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="Read a check question", responses={200: s.QuestionSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Ask a check question",
        description="Optionally on a claim, with its answer (yes, no, partly, unclear).",
        request=s.QuestionCreateSerializer, responses={201: s.QuestionSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Reword a check question",
        description="Its author, reviewers and managers. Send the version you read (or If-Match).",
        request=s.QuestionUpdateSerializer, responses={200: s.QuestionSerializer, **VERSIONED_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a check question", description="Reviewers and managers; its answers go with it.",
        responses={204: None, **READ_ERRORS},
    ),
    candidates=extend_schema(
        summary="Passages likely to answer the question",
        description="Claims and sentences across the project's articles, best first.",
        responses={200: s.RelatedSerializer(many=True), **READ_ERRORS},
    ),
)
class QuestionViewSet(ApiViewSet):
    queryset = CheckQuestion.objects.none()
    serializer_class = s.QuestionSerializer
    filterset_class = QuestionFilter
    list_capability = Capability.FIND
    ordering_fields = ("id", "created_at", "updated_at")

    def get_queryset(self) -> QuerySet[CheckQuestion]:
        return graph_selectors.questions_listable(self.scope).select_related("project", "created_by").prefetch_related(
            Prefetch("answers", queryset=QuestionAnswer.objects.select_related("claim").order_by("pk"))
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        question, _ = graph_selectors.question_get_for_user(request.user, int(pk))
        return self.respond(s.QuestionSerializer, question)

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.QuestionCreateSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        claim = None
        if data["claim"] is not None:
            claim = visibility.claim_get_visible(request.user, data["claim"], capability=Capability.FIND)
            claim = visibility.claim_of_project(project.pk, claim.pk, field="claim")
        question = graph_services.question_create(
            project=project, by=request.user, text=data["text"], text_en=data["text_en"],
            claim=claim, answer=data["answer"],
        )
        return self.respond(s.QuestionSerializer, question, status.HTTP_201_CREATED)

    def partial_update(self, request: AuthenticatedRequest, pk: str) -> Response:
        question, _ = graph_selectors.question_get_for_user(request.user, int(pk))
        data = self.input(s.QuestionUpdateSerializer, partial=True)
        version, from_header = requested_version(request, data)
        represent = lambda q: s.QuestionSerializer(q, context=self.get_serializer_context()).data  # noqa: E731
        with stale_as_conflict(represent, from_header=from_header):
            question = graph_services.question_update(question=question, by=request.user, version=version, **data)
        return self.respond(s.QuestionSerializer, question)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        question, _ = graph_selectors.question_get_for_user(request.user, int(pk))
        graph_services.question_delete(question=question, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def candidates(self, request: AuthenticatedRequest, pk: str) -> Response:
        items = graph_selectors.answer_candidates_for_user(request.user, int(pk))
        return Response(s.RelatedSerializer(items, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List answers to check questions",
        description="Which claim answers which question, and how. Filter by question or claim.",
        responses={200: s.QuestionAnswerSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="Read an answer", responses={200: s.QuestionAnswerSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Record what a claim answers",
        description=(
            "Creates the answer, or changes it if the claim already answers the question (200). "
            "A yes and a no from claims of different articles propose a `contradicts` relation "
            "for reviewers (see relation-candidates)."
        ),
        request=s.QuestionAnswerCreateSerializer,
        responses={201: s.QuestionAnswerSerializer, 200: s.QuestionAnswerSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Detach a claim from a question", responses={204: None, **READ_ERRORS}),
)
class QuestionAnswerViewSet(ApiViewSet):
    queryset = QuestionAnswer.objects.none()
    serializer_class = s.QuestionAnswerSerializer
    filterset_class = AnswerFilter
    list_capability = Capability.FIND
    ordering_fields = ("id", "updated_at")

    def get_queryset(self) -> QuerySet[QuestionAnswer]:
        return graph_selectors.answers_listable(self.scope).select_related("answered_by")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.QuestionAnswerSerializer, graph_selectors.answer_get_for_user(request.user, int(pk)))

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.QuestionAnswerCreateSerializer)
        question, _ = graph_selectors.question_get_for_user(request.user, data["question"])
        claim = visibility.claim_of_project(question.project_id, data["claim"], field="claim")
        existed = QuestionAnswer.objects.filter(question=question, claim=claim).exists()
        answer = graph_services.answer_set(question=question, claim=claim, answer=data["answer"], by=request.user)
        return self.respond(
            s.QuestionAnswerSerializer, answer, status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        answer = graph_selectors.answer_get_for_user(request.user, int(pk))
        graph_services.answer_remove(answer=answer, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List proposed relations",
        description=(
            "Relations across articles proposed by the relation job or by opposite answers to a "
            "question, best first; reviewers and managers. Filter by status (default: all) and kind."
        ),
        responses={200: s.RelationCandidateSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="Read a proposed relation", responses={200: s.RelationCandidateSerializer, **READ_ERRORS}),
    partial_update=extend_schema(
        summary="Accept or reject a proposed relation",
        description=(
            "Reviewers and managers. Accepting links the two claims (marking a claim at a side that "
            "has none, accepting a side that is a suggestion); the decision trains the ranking at the "
            "next relation job. Send the version you read (or If-Match)."
        ),
        request=s.CandidateDecisionSerializer, responses={200: s.RelationCandidateSerializer, **VERSIONED_ERRORS},
    ),
)
class RelationCandidateViewSet(ApiViewSet):
    queryset = RelationCandidate.objects.none()
    serializer_class = s.RelationCandidateSerializer
    filterset_class = CandidateFilter
    list_capability = Capability.REVIEW
    ordering = ("-score", "id")
    ordering_fields = ("id", "score", "created_at")

    def get_queryset(self) -> QuerySet[RelationCandidate]:
        return graph_selectors.candidates_listable(self.scope).select_related("a_article", "b_article", "decided_by")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.RelationCandidateSerializer, graph_selectors.candidate_get_for_user(request.user, int(pk)))

    def partial_update(self, request: AuthenticatedRequest, pk: str) -> Response:
        candidate = graph_selectors.candidate_get_for_user(request.user, int(pk))
        data = self.input(s.CandidateDecisionSerializer, partial=True)
        version, from_header = requested_version(request, data)
        represent = lambda c: s.RelationCandidateSerializer(c, context=self.get_serializer_context()).data  # noqa: E731
        with stale_as_conflict(represent, from_header=from_header):
            candidate = graph_services.candidate_decide(
                candidate=candidate, by=request.user, status=data.get("status", ""), version=version,
            )
        return self.respond(s.RelationCandidateSerializer, candidate)


@extend_schema(
    summary="Claims related to a claim",
    description=(
        "Claims and sentences of other articles of the project likely about the same thing, best "
        "first, with the engine's guess of the relation and its reasons. Those who find claims "
        "only; empty until the project's first relation job has built its index."
    ),
    responses={200: s.RelatedSerializer(many=True), **READ_ERRORS},
)
class ClaimRelatedViewSet(ApiViewSet):
    queryset = Claim.objects.none()
    serializer_class = s.RelatedSerializer
    pagination_class = None

    def retrieve(self, request: AuthenticatedRequest, pk: str) -> Response:
        items = graph_selectors.related_for_user(request.user, int(pk))
        return Response(s.RelatedSerializer(items, many=True).data)
