"""The API's root: what a client can reach from /api/v1/, and where the documentation is."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .docs import THROTTLED, UNAUTHENTICATED

_EXAMPLE_BASE = "https://workbench.example.org/api/v1/"


def collections(registry: list[tuple[str, type, str]]) -> tuple[str, ...]:
    """The router's prefixes that list something (release files are only read one by one)."""
    return tuple(prefix for prefix, viewset, _ in registry if hasattr(viewset, "list"))


class ApiRootView(APIView):
    """GET: the resources of the API by name, with their URLs (anyone: it holds no project data)."""

    # The root lists routes, as the public schema does, and nothing of any project: anonymous
    # clients may read it, so a script can discover the token endpoint before it has a token.
    permission_classes = [permissions.AllowAny]
    resources: tuple[str, ...] = ()  # the router's prefixes, set by urls.py

    @extend_schema(
        summary="The API's root",
        description=(
            "Every resource collection of the API by name, with its URL, and the token endpoint, "
            "the OpenAPI schema and its documentation. Anyone may read it: it lists routes, never "
            "data. A token that is not valid is still refused (401)."
        ),
        responses={
            200: OpenApiResponse(
                inline_serializer("ApiRoot", {
                    "resources": serializers.DictField(child=serializers.URLField()),
                    "token": serializers.URLField(),
                    "schema": serializers.URLField(),
                    "docs": serializers.URLField(),
                }),
                examples=[OpenApiExample("Root", value={
                    "resources": {"projects": f"{_EXAMPLE_BASE}projects/", "claims": f"{_EXAMPLE_BASE}claims/"},
                    "token": f"{_EXAMPLE_BASE}auth/token/",
                    "schema": "https://workbench.example.org/api/schema/",
                    "docs": "https://workbench.example.org/api/docs/",
                })],
            ),
            401: UNAUTHENTICATED, 429: THROTTLED,
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        base = reverse("api:root", request=request)
        return Response({
            "resources": {prefix: f"{base}{prefix}/" for prefix in self.resources},
            "token": reverse("api:auth-token", request=request),
            "schema": reverse("api:schema", request=request),
            "docs": reverse("api:docs", request=request),
        })
