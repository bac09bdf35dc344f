"""Request hygiene that holds for every route: the UI, the API and the admin alike."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from annotations.access import roles_memo

NUL = "\x00"
NUL_MESSAGE = "A query parameter contains a NUL character (%00), which no field accepts."


class RejectNulQueryMiddleware:
    """Answer 400 to a NUL in any query parameter's name or value, before any view runs.

    PostgreSQL refuses NUL in text, so a `?q=%00` that reached a filter would be a 500 (and
    SQLite would silently search for it); no field of any page or API takes one. Request bodies
    are left to their parsers and forms, which name the field (reading the body here would also
    parse uploads before their views set upload limits).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return HttpResponse(NUL_MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    """Whether a query parameter's name or value, once decoded, holds a NUL."""
    return any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists())


class RolesMemoMiddleware:
    """Each (user, project)'s roles read once per request (annotations.access.roles_memo)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with roles_memo():
            return self.get_response(request)
