"""Errors of the API: domain refusals become 404/403/400, stale versions 409 or 412, a job queue
that cannot be reached 503.

Every 404 has the same body, {"detail": "Not found."} (a forged cursor's "Invalid cursor" aside):
whether an id is missing, or belongs to a project the caller is not in, or is another
annotator's work in a blind project, the answer must not tell.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ..services.jobs import JobQueueUnavailable
from .pagination import CursorPagination


NOT_FOUND = "Not found."
INVALID_CURSOR = CursorPagination.invalid_cursor_message
# How long a client should wait before retrying when the job queue (broker) is down.
QUEUE_RETRY_AFTER_SECONDS = 30


class StaleConflict(Exception):
    """An update named an old version: carries the current version and object for the body."""

    def __init__(self, *, current_version: int | None, current: dict | None, message: str,
                 status_code: int) -> None:
        self.current_version = current_version
        self.current = current
        self.message = message
        self.status_code = status_code
        super().__init__(message)


def validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF's {field: [messages]}, non-field ones under one key."""
    if hasattr(exc, "error_dict"):
        out: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
            out.setdefault(key, []).extend(messages)
        return out
    return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught the domain's exceptions (selectors' NotFound, services' refusals)."""
    if isinstance(exc, JobQueueUnavailable):
        # The job row exists and was failed with the reason: name it, so the client can retry it.
        return Response(
            {"detail": str(exc), "code": "job_queue_unavailable", "job": exc.job_id},
            status=503, headers={"Retry-After": str(QUEUE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, StaleConflict):
        return Response(
            {
                "detail": exc.message,
                "code": "stale_version",
                "current_version": exc.current_version,
                "current": exc.current,
            },
            status=exc.status_code,
        )
    if isinstance(exc, (ObjectDoesNotExist, Http404)) or (
        isinstance(exc, exceptions.NotFound) and str(exc.detail) != str(INVALID_CURSOR)
    ):
        # access.NotFound included. One body for every 404: a message naming what was missing
        # ("No such project." for an object of another project, "No such claim." for a claim
        # that does not exist) would tell hidden objects from missing ones.
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    return drf_exception_handler(exc, context)

