"""Cursor pagination: every page costs the same however deep into a long list it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class CursorPagination(pagination.CursorPagination):
    """Opaque `cursor` links (next/previous); `page_size` up to 500; ordering from `ordering`.

    A cursor is a client's to send back, so a forged or garbled one is the client's error:
    DRF's 404 "Invalid cursor" whatever its content, never a database error.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> Any:
        self._model = getattr(queryset, "model", None)  # decode_cursor checks positions against it
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not _BASE64.fullmatch(encoded):
            # base64 decoding skips what is not base64: "!!!" would silently be the first page.
            raise NotFound(self.invalid_cursor_message)
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(str(cursor.position))
        return cursor

    def _check_position(self, position: str) -> None:
        """Refuse a position its ordering field cannot hold (a cursor made for another
        ordering, an id out of range, a NUL), which would otherwise reach the filter."""
        name = self.ordering[0].lstrip("-")
        try:
            if self._model is None:
                raise FieldDoesNotExist(name)
            field = self._model._meta.get_field(name)
            if "\x00" in position:
                raise ValidationError("NUL in cursor")
            value = field.to_python(position)
            field.run_validators(value)
        except (FieldDoesNotExist, ValidationError, TypeError, ValueError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
