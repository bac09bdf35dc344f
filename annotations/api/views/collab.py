"""Comment threads of claims and questions, and the user's own notifications."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import Comment, Notification
from ...selectors import collab as collab_selectors
from ...services import collab as collab_services
from ..collab_serializers import CommentCreateSerializer, CommentSerializer, MarkedSerializer, NotificationSerializer
from .common import ApiViewSet, AuthenticatedRequest
from .docs import READ_ERRORS, WRITE_ERRORS

THREAD_PARAMS = [
    OpenApiParameter("claim", OpenApiTypes.INT, description="The claim whose thread to read.",
                     examples=[OpenApiExample("A claim", value=90)]),
    OpenApiParameter("question", OpenApiTypes.INT, description="The check question whose thread to read.",
                     examples=[OpenApiExample("A question", value=4)]),
]
MAX_ID = 2**63 - 1


def _thread_id(request: Request) -> tuple[str, int]:
    """Which thread `?claim=` or `?question=` names; 400 naming the parameter otherwise."""
    given = {k: str(request.query_params.get(k)) for k in ("claim", "question") if request.query_params.get(k)}
    if len(given) != 1:
        raise serializers.ValidationError({"claim": ["Give either `claim` or `question`."]})
    ((name, raw),) = given.items()
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise serializers.ValidationError({name: ["A valid integer is required."]})
    return name, int(raw)


@extend_schema_view(
    list=extend_schema(
        summary="Read a claim's or a question's comments",
        description=(
            "The thread, oldest first, as you may see it: annotators of a blind project see their own "
            "comments and reviewers' until the claim is adjudicated. Annotators, reviewers and managers."
        ),
        parameters=THREAD_PARAMS, responses={200: CommentSerializer(many=True), **WRITE_ERRORS},
    ),
    retrieve=extend_schema(summary="Read a comment", responses={200: CommentSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Comment on a claim or a question",
        description=(
            "Mention members with @username: each must be a member who may read the comment, and is "
            "notified."
        ),
        request=CommentCreateSerializer, responses={201: CommentSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a comment", description="Its author, reviewers and managers.",
        responses={204: None, **READ_ERRORS},
    ),
)
class CommentViewSet(ApiViewSet):
    queryset = Comment.objects.none()
    serializer_class = CommentSerializer
    pagination_class = None  # a thread is read whole
    filter_backends: list = []

    def list(self, request: AuthenticatedRequest) -> Response:
        name, pk = _thread_id(request)
        thread = (
            collab_selectors.claim_thread_for_user(request.user, pk) if name == "claim"
            else collab_selectors.question_thread_for_user(request.user, pk)
        )
        return Response(CommentSerializer(thread.comments, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self.respond(CommentSerializer, collab_selectors.comment_get_for_user(request.user, int(pk)))

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(CommentCreateSerializer)
        claim = question = None
        if data.get("claim") is not None:
            claim = collab_selectors.claim_thread_for_user(request.user, data["claim"]).claim
        else:
            question = collab_selectors.question_thread_for_user(request.user, data["question"]).question
        comment = collab_services.comment_create(by=request.user, body=data["body"], claim=claim, question=question)
        return self.respond(CommentSerializer, comment, status.HTTP_201_CREATED)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        comment = collab_selectors.comment_get_for_user(request.user, int(pk))
        collab_services.comment_delete(comment=comment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List your notifications",
        description="Newest first; `?unread=true` for the unread ones. Only yours, about projects you belong to.",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the unread ones.",
                                     examples=[OpenApiExample("Unread", value=True)])],
        responses={200: NotificationSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="Read a notification", responses={200: NotificationSerializer, **READ_ERRORS}),
    read=extend_schema(
        summary="Mark a notification read", request=None,
        responses={200: NotificationSerializer, **READ_ERRORS},
    ),
    read_all=extend_schema(
        summary="Mark all your notifications read", request=None,
        responses={200: MarkedSerializer, **READ_ERRORS},
    ),
)
class NotificationViewSet(ApiViewSet):
    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    ordering = ("-id",)
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Notification]:
        qs = collab_selectors.notifications_listable(self.request.user).select_related(
            "project", "actor", "claim__article", "question", "job", "release"
        )
        if self.request.query_params.get("unread") in ("1", "true", "True"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self.respond(NotificationSerializer, collab_selectors.notification_get_for_user(request.user, int(pk)))

    @action(detail=True, methods=["post"])
    def read(self, request: AuthenticatedRequest, pk: str) -> Response:
        note = collab_selectors.notification_get_for_user(request.user, int(pk))
        collab_services.notification_mark_read(notification=note, by=request.user)
        return self.respond(NotificationSerializer, note)

    @action(detail=False, methods=["post"], url_path="read-all", pagination_class=None)
    def read_all(self, request: AuthenticatedRequest) -> Response:
        marked = collab_services.notifications_mark_all_read(by=request.user)
        return Response(MarkedSerializer({"marked": marked}).data)



