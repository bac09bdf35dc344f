"""Background jobs: read their progress, start suggestion, retrain and agreement jobs."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import selectors
from ...models import Job
from ...selectors import visibility
from ...services import adjudication, suggestions
from .. import serializers as s
from ..filters import JobFilter
from .common import ApiViewSet, AuthenticatedRequest
from .corpus import job_accepted
from .docs import READ_ERRORS, WRITE_ERRORS


@extend_schema_view(
    list=extend_schema(
        summary="List jobs",
        description=(
            "Jobs of the projects you manage, and those you started in your projects; newest "
            "first. Cursor-paginated."
        ),
        responses={200: s.JobSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a job",
        description="Status, progress (done/total, percent), result or error of one job.",
        responses={200: s.JobSerializer, **READ_ERRORS},
    ),
    suggest=extend_schema(
        summary="Start a suggestion job",
        description="Managers only. Suggests candidate claims in the given articles (or all).",
        request=s.SuggestJobSerializer,
        responses={202: s.JobSerializer, **WRITE_ERRORS},
    ),
    retrain=extend_schema(
        summary="Start a retrain job",
        description="Managers only. Fits the project's suggestion model on accept/reject decisions.",
        request=s.ProjectRefSerializer,
        responses={202: s.JobSerializer, **WRITE_ERRORS},
    ),
    agreement=extend_schema(
        summary="Start an agreement job",
        description="Reviewers and managers. Computes a big project's agreement report in a worker.",
        request=s.ProjectRefSerializer,
        responses={202: s.JobSerializer, **WRITE_ERRORS},
    ),
)
class JobViewSet(ApiViewSet):
    queryset = Job.objects.none()
    serializer_class = s.JobSerializer
    filterset_class = JobFilter
    ordering = ("-id",)
    ordering_fields = ("id", "created_at")

    def get_queryset(self) -> QuerySet[Job]:
        return visibility.jobs_listable(self.scope).select_related("project", "created_by")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.JobSerializer, selectors.job_get_for_user(request.user, int(pk)))

    @action(detail=False, methods=["post"])
    def suggest(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.SuggestJobSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        job = suggestions.suggest_job_start(
            project=project, by=request.user, article_ids=data["article_ids"]
        )
        return job_accepted(self, job)

    @action(detail=False, methods=["post"])
    def retrain(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ProjectRefSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        return job_accepted(self, suggestions.retrain_job_start(project=project, by=request.user))

    @action(detail=False, methods=["post"])
    def agreement(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ProjectRefSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        return job_accepted(self, adjudication.agreement_job_start(project=project, by=request.user))
