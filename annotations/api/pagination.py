"""Cursor pagination: every page costs the same however deep into a long list it is."""

from __future__ import annotations

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Opaque `cursor` links (next/previous); `page_size` up to 500; ordering from `ordering`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"
