"""Errors of the API: domain refusals become 404/403/400, stale versions 409 or 412."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


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
    if isinstance(exc, ObjectDoesNotExist):
        # access.NotFound included: outsiders are told the object does not exist.
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    return drf_exception_handler(exc, context)

