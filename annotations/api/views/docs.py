"""The error responses every endpoint documents, with examples (for the OpenAPI schema)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from ..serializers import StaleSerializer

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELDS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "Messages by field name (`non_field_errors` for the request as a whole).",
}

UNAUTHENTICATED = OpenApiResponse(
    _DETAIL, description="No valid token or session.",
    examples=[OpenApiExample("Anonymous", value={"detail": "Authentication credentials were not provided."})],
)
FORBIDDEN = OpenApiResponse(
    _DETAIL, description="You are a member, but your role does not allow this.",
    examples=[OpenApiExample(
        "Role", value={"detail": "Your role in this project does not allow you to manage."}
    )],
)
NOT_FOUND = OpenApiResponse(
    _DETAIL, description="No such object, or it is in a project you do not belong to.",
    examples=[OpenApiExample("Not yours", value={"detail": "No such project."})],
)
INVALID = OpenApiResponse(
    _FIELDS, description="Bad input; nothing was changed.",
    examples=[OpenApiExample("A bad field", value={"verdict": ["No verdict 'maybe' in this project's scheme."]})],
)
STALE = OpenApiResponse(
    StaleSerializer, description="`version` is not the current one; nothing was changed.",
    examples=[OpenApiExample(
        "Stale version",
        value={"detail": "This was changed by someone else; reload to see the newer version.",
               "code": "stale_version", "current_version": 4, "current": {"id": 90, "version": 4}},
    )],
)
THROTTLED = OpenApiResponse(
    _DETAIL, description="Too many requests; retry after the `Retry-After` seconds.",
    examples=[OpenApiExample("Slow down", value={"detail": "Request was throttled. Expected available in 20 seconds."})],
)

READ_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 429: THROTTLED}
ERRORS = READ_ERRORS
WRITE_ERRORS = {400: INVALID, **READ_ERRORS}
VERSIONED_ERRORS = {**WRITE_ERRORS, 409: STALE, 412: STALE}

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description='The ETag you read (e.g. `"3"`), instead of a `version` field: a stale one gets 412.',
    examples=[OpenApiExample("Version 3", value='"3"')],
)
