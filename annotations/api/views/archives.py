"""Whole-project archives: a manager downloads the archive of their project."""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ... import selectors
from ...access import Capability
from ...models import Project
from ...services.archive import project_archive_export
from ...services.archive_jobs import archive_import_start
from .. import serializers as s
from .common import ApiViewSet, AuthenticatedRequest
from .corpus import job_accepted
from .docs import JOB_START_ERRORS, READ_ERRORS

ARCHIVE_EXAMPLE = OpenApiExample(
    "A project archive", media_type="application/zip",
    value="PK… (manifest.json, users.jsonl, project.jsonl, articles.jsonl, claims.jsonl, …, files/…)",
)


def archive_response(project: Project, user: object) -> FileResponse:
    """The project's archive, written to an anonymous temporary file and streamed from it."""
    # A temporary file, not memory: an archive is as big as the project; it is gone once closed.
    handle = tempfile.TemporaryFile()
    project_archive_export(project=project, target=handle, by=user)  # type: ignore[arg-type]
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=f"{project.slug}.wbproject.zip",
                            content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@extend_schema(
    summary="Download a project's archive",
    description=(
        "Managers only. The whole project as one versioned zip (manifest.json, a JSONL member per "
        "table: settings, verdict scheme, members by username, articles, claims, relations, "
        "annotations, evidence, adjudications, questions and answers, proposed relations, "
        "comments, jobs, models, releases and their files, history), which "
        "`manage.py import_project` turns into a new project on another Workbench."
    ),
    responses={
        (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The archive.",
                                                  examples=[ARCHIVE_EXAMPLE]),
        **READ_ERRORS,
    },
)
class ProjectArchiveViewSet(ApiViewSet):
    queryset = Project.objects.none()
    pagination_class = None
    lookup_field = "slug"

    def retrieve(self, request: AuthenticatedRequest, slug: str) -> FileResponse:
        project = selectors.project_get_for_user(request.user, slug=slug, capability=Capability.MANAGE)
        return archive_response(project, request.user)


@extend_schema_serializer(examples=[OpenApiExample(
    "Import an archive under another slug", request_only=True, media_type="multipart/form-data",
    value={"file": "anchorage-2025.wbproject.zip", "slug": "anchorage-2025-copy"},
)])
class ProjectArchiveImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A project archive written by export_project or downloaded from a project.")
    slug = serializers.SlugField(
        max_length=80, required=False,
        help_text="The new project's slug (default: the archive's); a taken slug is refused.",
    )


@extend_schema(
    summary="Import a project archive",
    description=(
        "Needs the `add_project` permission. Creates the project (empty, you its manager) and "
        "queues the job that fills it from the archive (202, `Location` = the job), all or "
        "nothing: a refused archive leaves the project empty and the job's result names member, "
        "line and field. A file that is not an archive of a version this Workbench reads, or a "
        "taken slug, is refused at once (400). Users are matched by username; unknown ones are "
        "created inactive, without a usable password."
    ),
    request={"multipart/form-data": ProjectArchiveImportSerializer},
    responses={202: s.JobSerializer, **JOB_START_ERRORS},
)
class ProjectArchiveImportViewSet(ApiViewSet):
    queryset = Project.objects.none()
    serializer_class = ProjectArchiveImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(ProjectArchiveImportSerializer)
        job = archive_import_start(by=request.user, upload=data["file"], slug=data.get("slug"))
        return job_accepted(self, job)
