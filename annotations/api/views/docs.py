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
    _DETAIL, description=(
        "No such object, or one you may not see (of a project you do not belong to, another "
        "annotator's in a blind project): the same answer for both."
    ),
    examples=[OpenApiExample("Not found", value={"detail": "Not found."})],
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
LOCKED_OUT = OpenApiResponse(
    _DETAIL, description=(
        "Too many requests (throttled), or too many failed logins of this account from your "
        "address (locked out); retry after the `Retry-After` seconds."
    ),
    examples=[
        OpenApiExample("Slow down", value={"detail": "Request was throttled. Expected available in 20 seconds."}),
        OpenApiExample("Locked out", value={"detail": (
            "Too many failed logins for this account from your address. Try again in 15 minutes.")}),
    ],
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

# --- background jobs ------------------------------------------------------------------------------

_QUEUE_DOWN = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": ["job_queue_unavailable"]},
        "job": {"type": "integer", "description": "The job that was recorded, then failed."},
    },
    "required": ["detail", "code", "job"],
}
_JOB_STATE = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": ["job_not_cancellable", "job_not_retryable"]},
        "status": {"type": "string", "description": "The job's status now."},
    },
    "required": ["detail", "code", "status"],
}
QUEUE_UNAVAILABLE = OpenApiResponse(
    _QUEUE_DOWN, description=(
        "The job queue (broker) could not be reached. The job was recorded and failed with the "
        "reason, so nothing is left waiting; retry it (`POST /jobs/{id}/retry/`) after the "
        "`Retry-After` seconds."
    ),
    examples=[OpenApiExample("Broker down", value={
        "detail": "The job queue cannot be reached right now, so job #17 was not started. Try again "
                  "in a moment (the job can be retried from its page).",
        "code": "job_queue_unavailable", "job": 17,
    })],
)
JOB_NOT_CANCELLABLE = OpenApiResponse(
    _JOB_STATE, description="The job has already finished (succeeded, failed or cancelled); nothing changed.",
    examples=[OpenApiExample("Finished", value={
        "detail": "This job has already finished; there is nothing to cancel.",
        "code": "job_not_cancellable", "status": "succeeded",
    })],
)
JOB_NOT_RETRYABLE = OpenApiResponse(
    _JOB_STATE, description=(
        "Only a failed or cancelled job can be retried (or its uploaded file is gone); nothing changed."
    ),
    examples=[OpenApiExample("Still running", value={
        "detail": "Only a failed or cancelled job can be retried.",
        "code": "job_not_retryable", "status": "running",
    })],
)
# Every endpoint that starts a background job: its input errors, and the broker being down.
JOB_START_ERRORS = {**WRITE_ERRORS, 503: QUEUE_UNAVAILABLE}
