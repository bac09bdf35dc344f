"""Background jobs: read their progress, start suggestion, retrain and agreement jobs, cancel and
retry them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import selectors
from ...models import Job
from ...selectors import visibility
from ...services import adjudication, jobs, suggestions
from .. import serializers as s
from ..filters import JobFilter
from .common import ApiViewSet, AuthenticatedRequest
from .corpus import job_accepted
from .docs import (
    JOB_NOT_CANCELLABLE,
    JOB_NOT_RETRYABLE,
    JOB_START_ERRORS,
    QUEUE_UNAVAILABLE,
    READ_ERRORS,
)


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
        responses={202: s.JobSerializer, **JOB_START_ERRORS},
    ),
    retrain=extend_schema(
        summary="Start a retrain job",
        description="Managers only. Fits the project's suggestion model on accept/reject decisions.",
        request=s.ProjectRefSerializer,
        responses={202: s.JobSerializer, **JOB_START_ERRORS},
    ),
    agreement=extend_schema(
        summary="Start an agreement job",
        description="Reviewers and managers. Computes a big project's agreement report in a worker.",
        request=s.ProjectRefSerializer,
        responses={202: s.JobSerializer, **JOB_START_ERRORS},
    ),
    relations=extend_schema(
        summary="Start a relation job",
        description=(
            "Managers only. Indexes the project's articles for the claim graph (all changed since "
            "the last run, or the ones given) and proposes relations across articles for reviewers "
            "(see relation-candidates). Imports and suggest jobs queue one by themselves once a "
            "project has an index."
        ),
        request=s.RelationsJobSerializer,
        responses={202: s.JobSerializer, **JOB_START_ERRORS},
    ),
    cancel=extend_schema(
        summary="Cancel a job",
        description=(
            "Managers of the job's project only. A queued job is cancelled at once; a running one "
            "is asked to stop (`cancel_requested` becomes true) and ends `cancelled` at its next "
            "step, undoing its partial work (an import or a release leaves nothing half made). "
            "A job that has already finished gets 409."
        ),
        request=None,
        responses={200: s.JobSerializer, 409: JOB_NOT_CANCELLABLE, **READ_ERRORS},
    ),
    retry=extend_schema(
        summary="Retry a job",
        description=(
            "Managers of the job's project only. A failed or cancelled job is queued again with the "
            "same id and input; any other status gets 409. 503 when the job queue cannot be "
            "reached (the job is failed again with the reason)."
        ),
        request=None,
        responses={200: s.JobSerializer, 409: JOB_NOT_RETRYABLE, 503: QUEUE_UNAVAILABLE, **READ_ERRORS},
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
            project=project, by=request.user, article_ids=data["article_ids"],
            threshold=data["threshold"], per_10k=data["per_10k"], no_cap=data["no_cap"],
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

    @action(detail=False, methods=["post"])
    def relations(self, request: AuthenticatedRequest) -> Response:
        from ...services import graph_jobs  # loads the relation engine: only when asked

        data = self.input(s.RelationsJobSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        return job_accepted(self, graph_jobs.relations_job_start(
            project=project, by=request.user, article_ids=data["article_ids"],
        ))

    @action(detail=True, methods=["post"])
    def cancel(self, request: AuthenticatedRequest, pk: str) -> Response:
        job = selectors.job_get_for_user(request.user, int(pk))
        try:
            job = jobs.job_cancel(job=job, by=request.user)
        except ValidationError as exc:
            return _state_conflict(exc, "job_not_cancellable", job)
        return self.respond(s.JobSerializer, job)

    @action(detail=True, methods=["post"])
    def retry(self, request: AuthenticatedRequest, pk: str) -> Response:
        job = selectors.job_get_for_user(request.user, int(pk))
        try:
            job = jobs.job_retry(job=job, by=request.user)
        except ValidationError as exc:
            return _state_conflict(exc, "job_not_retryable", job)
        return self.respond(s.JobSerializer, job)


def _state_conflict(exc: ValidationError, code: str, job: Job) -> Response:
    """409: the job's status does not allow the change (the request itself was fine)."""
    job.refresh_from_db(fields=["status"])
    return Response(
        {"detail": "; ".join(exc.messages), "code": code, "status": job.status},
        status=status.HTTP_409_CONFLICT,
    )
