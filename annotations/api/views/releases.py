"""Dataset releases: list and read them, start a release job, delete one, download its files."""

from __future__ import annotations

import base64

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import selectors
from ...access import Capability
from ...models import DatasetRelease, ReleaseFile
from ...selectors import releases as release_selectors
from ...selectors import visibility
from ...services import releases as release_services
from .. import serializers as s
from .common import ApiViewSet, AuthenticatedRequest
from .corpus import job_accepted
from .docs import ERRORS, JOB_START_ERRORS, READ_ERRORS

PROJECT = OpenApiParameter(
    "project", str, description="Project slug (unknown or not yours: 404; your role has no releases: 403).",
    examples=[OpenApiExample("A project", value="anchorage-2025")],
)


@extend_schema_view(
    list=extend_schema(
        summary="List dataset releases",
        description=(
            "Releases of your projects (researchers, reviewers, managers), newest first, with "
            "their files, sizes and SHA-256 checksums. Cursor-paginated."
        ),
        parameters=[PROJECT],
        responses={200: s.ReleaseSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a release",
        description="A release with its files and its dataset card (README.md, markdown).",
        responses={200: s.ReleaseDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Build a release",
        description=(
            "Managers only. Queues a release job (202, `Location` = the job): one file per "
            "format, the dataset card, SHA256SUMS and a zip of all of it. A release never "
            "changes afterwards."
        ),
        request=s.ReleaseCreateSerializer,
        responses={202: s.JobSerializer, **JOB_START_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a release",
        description="Managers only, and final: the release and its files are removed.",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    ),
)
class ReleaseViewSet(ApiViewSet):
    queryset = DatasetRelease.objects.none()
    serializer_class = s.ReleaseSerializer
    ordering = ("-id",)
    ordering_fields = ("id", "created_at")
    http_method_names = ["get", "post", "delete", "head", "options"]

    list_capability = Capability.RELEASES

    def get_queryset(self) -> QuerySet[DatasetRelease]:
        return visibility.releases_listable(self.scope)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        release = release_selectors.release_get_for_user(request.user, int(pk))
        return self.respond(s.ReleaseDetailSerializer, release)

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ReleaseCreateSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        job = release_services.release_job_start(
            project=project, by=request.user, version=data["version"], formats=data["formats"],
            filters=data["filters"], base_url=request.build_absolute_uri("/"),
        )
        return job_accepted(self, job)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        release = release_selectors.release_get_for_user(request.user, int(pk))
        release_services.release_delete(release=release, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


FILE_EXAMPLE = OpenApiExample(
    "A JSONL release file", media_type="application/octet-stream",
    value='{"id": 41, "quote": "…", "verdict": {"code": "refuted"}, …}\n',
)


class ReleaseFileViewSet(ApiViewSet):
    queryset = ReleaseFile.objects.none()
    serializer_class = s.ReleaseFileSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Download a release file",
        description=(
            "Streams the file. `Content-Length` gives its size, `X-Checksum-SHA256` (hex) and "
            "`Repr-Digest` (RFC 9530) its SHA-256, also listed in the release and its SHA256SUMS; "
            "`ETag` is the checksum. Researchers, reviewers, managers."
        ),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file.", examples=[FILE_EXAMPLE],
            ),
            **READ_ERRORS,
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        item = release_selectors.release_file_get_for_user(request.user, int(pk))
        try:
            handle = item.file.open("rb")
        except FileNotFoundError:
            raise Http404("This file is missing from the storage.") from None
        name = (item.file.name or "").rsplit("/", 1)[-1]
        # FileResponse streams in blocks and sets Content-Length from the open file.
        response = FileResponse(handle, as_attachment=True, filename=name)
        response["X-Checksum-SHA256"] = item.sha256
        response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(item.sha256)).decode()}:"
        response["ETag"] = f'"{item.sha256}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
