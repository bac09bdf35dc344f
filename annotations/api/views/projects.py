"""Projects and their members."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.utils import (
    OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import selectors
from ...access import Capability
from ...models import Membership, Project, Verdict
from ...selectors import agreement, manage, visibility
from ...services import projects as project_services
from .. import serializers as s
from ..filters import MembershipFilter
from .common import ApiViewSet, AuthenticatedRequest, LazyRoles
from .docs import ERRORS, READ_ERRORS, WRITE_ERRORS

AGREEMENT_EXAMPLE = OpenApiExample(
    "A report",
    value={
        "project": "anchorage-2025", "available": True, "annotators": "usernames",
        "level": "nominal", "n_boot": 1000, "seed": 0, "ci_level": 0.95, "n_annotations": 120,
        "labels": [{"code": "supported", "name": "Supported", "colour": "#2e7d32"}],
        "overall": {"n_items": 60, "n_ratings": 120, "n_raters": 3, "n_pairable_items": 60,
                    "alpha": {"value": 0.71, "low": 0.6, "high": 0.8}},
        "per_verdict": [], "per_pair": [], "coincidence": {"labels": ["supported"], "counts": [[80]]},
        "spans": None, "source": {"kind": "inline", "job": None, "computed_at": None},
        "big": False, "inline_limit": 20000, "n_annotations_now": 120,
    },
)

_VERDICTS = Prefetch("scheme__verdicts", queryset=Verdict.objects.order_by("order", "pk"))

_MODEL_EXAMPLE = {
    "version": 3, "is_current": True, "engine_version": "rules-fr-en-1.0", "n_examples": 82,
    "n_positive": 66, "cv_precision": 0.86, "cv_recall": 0.95, "cv_folds": 5, "cv_ap_engine": 0.858,
    "cv_ap_model": 0.88, "job": 41, "created_at": "2025-08-22T10:00:00Z",
}
SUGGESTIONS_EXAMPLE = OpenApiExample(
    "A project with a model",
    value={
        "current": _MODEL_EXAMPLE, "in_use": True, "text_features": 4210,
        "cues": [{"name": "background", "weight": -0.41}, {"name": "speech", "weight": 0.27}],
        "models": [_MODEL_EXAMPLE], "candidates": 12, "accepted": 66, "rejected": 16,
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="List your projects",
        description="Every project you belong to (all of them for a superuser), by name.",
        responses={200: s.ProjectSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a project",
        description="A project with its verdict scheme and your roles in it. Any member.",
        responses={200: s.ProjectSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Create a project",
        description="Needs the `add_project` permission; you become its manager.",
        request=s.ProjectCreateSerializer,
        responses={201: s.ProjectSerializer, **WRITE_ERRORS},
    ),
    agreement=extend_schema(
        summary="Inter-annotator agreement",
        description=(
            "Reviewers and managers. Krippendorff's alpha, Fleiss' kappa, percent agreement and "
            "pairwise Cohen's kappa with 95 % bootstrap intervals, per verdict and per pair of "
            "annotators, and span agreement. Big projects show the latest agreement job's "
            "report (`source.kind` = job; start one with POST /api/v1/jobs/agreement/) unless "
            "`fresh=true`. Annotators appear as pseudonyms to those who may not see names."
        ),
        parameters=[OpenApiParameter(
            "fresh", bool, description="Compute now even for a big project (slow).",
        )],
        responses={200: OpenApiResponse(s.AgreementSerializer, examples=[AGREEMENT_EXAMPLE]),
                   **READ_ERRORS},
    ),
    suggestions=extend_schema(
        summary="Claim suggestion model",
        description=(
            "Managers only. The project's current suggestion model with its cross-validated "
            "precision, recall and ranking (average precision of the engine alone against the "
            "model), its strongest corrections to the engine's cues, the last versions, and how "
            "many suggestions wait, were accepted or rejected. Retrain with "
            "POST /api/v1/jobs/retrain/."
        ),
        responses={200: OpenApiResponse(s.SuggestionOverviewSerializer, examples=[SUGGESTIONS_EXAMPLE]),
                   **READ_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a project's settings",
        description="Managers only. Slug and pseudonym salt never change.",
        request=s.ProjectUpdateSerializer,
        responses={200: s.ProjectSerializer, **WRITE_ERRORS},
    ),
)
class ProjectViewSet(ApiViewSet):
    """Projects, looked up by slug."""

    queryset = Project.objects.none()
    serializer_class = s.ProjectSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,80}"
    ordering = ("name", "id")
    ordering_fields = ("name", "id", "created_at")

    def get_queryset(self) -> QuerySet[Project]:
        return (
            visibility.projects_listable(self.scope)
            .select_related("scheme")
            .prefetch_related(_VERDICTS)
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _project(self, slug: str, capability: Capability = Capability.VIEW) -> Project:
        project = selectors.project_get_for_user(self.request.user, slug=slug, capability=capability)
        prefetch_related_objects([project], _VERDICTS)
        return project

    def retrieve(self, request: Request, slug: str) -> Response:
        return self.respond(s.ProjectSerializer, self._project(slug))

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ProjectCreateSerializer)
        scheme_slug = data.pop("scheme", None)
        if scheme_slug is not None:
            data["scheme"] = visibility.scheme_for_user(request.user, scheme_slug)
        project = project_services.project_create(created_by=request.user, **data)
        self._roles = LazyRoles(request.user)  # now a manager of the new project
        return self.respond(s.ProjectSerializer, self._project(project.slug), status.HTTP_201_CREATED)

    def partial_update(self, request: AuthenticatedRequest, slug: str) -> Response:
        project = selectors.project_get_for_user(request.user, slug=slug)
        data = self.input(s.ProjectUpdateSerializer, partial=True)
        if "scheme" in data:
            data["scheme"] = visibility.scheme_for_user(request.user, data["scheme"])
        project_services.project_update(project=project, by=request.user, **data)
        return self.respond(s.ProjectSerializer, self._project(slug))

    @action(detail=True, methods=["get"])
    def agreement(self, request: Request, slug: str) -> Response:
        project = selectors.project_get_for_user(request.user, slug=slug)
        fresh = s.AgreementQuerySerializer(data=request.query_params)
        fresh.is_valid(raise_exception=True)
        report = agreement.project_agreement_report(
            request.user, project, fresh=fresh.validated_data["fresh"]
        )
        return Response(report)

    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, slug: str) -> Response:
        project = selectors.project_get_for_user(request.user, slug=slug)
        return Response(s.SuggestionOverviewSerializer(manage.suggestion_overview(request.user, project)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List members",
        description=(
            "Memberships of your projects (filter with `project`). Researchers see annotators "
            "as stable pseudonyms (`ann-…`, no user id) unless the project shows names."
        ),
        responses={200: s.MembershipSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a membership", responses={200: s.MembershipSerializer, **READ_ERRORS},
        description="One membership of a project you belong to.",
    ),
    create=extend_schema(
        summary="Add a member",
        description=(
            "Managers only. Idempotent: adding an existing role returns it. An unknown and a "
            "deactivated username get the same 400."
        ),
        request=s.MembershipCreateSerializer,
        responses={201: s.MembershipSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove a member's role",
        description="Managers only; the last manager cannot be removed.",
        responses={204: OpenApiResponse(description="Removed."), **ERRORS},
    ),
)
class MembershipViewSet(ApiViewSet):
    """Who holds which role in which project."""

    queryset = Membership.objects.none()
    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields = ("id", "role", "created_at")

    def get_queryset(self) -> QuerySet[Membership]:
        return visibility.memberships_listable(self.scope).select_related("project", "user")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        membership = visibility.membership_get_for_user(request.user, int(pk))
        return self.respond(s.MembershipSerializer, membership)

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.MembershipCreateSerializer)
        # Managers only, checked before the username is looked up: the answer for an unknown
        # username would otherwise let any member test which accounts exist.
        project = selectors.project_get_for_user(
            request.user, slug=data["project"], capability=Capability.MANAGE
        )
        user = visibility.user_by_username(data["username"], field="username")
        membership = project_services.membership_add(
            project=project, user=user, role=data["role"], by=request.user
        )
        membership.project, membership.user = project, user
        return self.respond(s.MembershipSerializer, membership, status.HTTP_201_CREATED)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        membership = visibility.membership_get_for_user(request.user, int(pk))
        project_services.membership_remove(
            project=membership.project, user=membership.user, role=membership.role, by=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
