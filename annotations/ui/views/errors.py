"""403 and 404 as pages of the app: the reason the view gave, in the user's language, and a way back."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_noop

# The messages Django's own refusals carry are for developers (a dict of tried patterns, "No
# Claim matches the given query."); only a sentence a view or service raised is shown.
_GENERIC = {
    404: gettext_noop("This page does not exist, or you may not see it."),
    403: gettext_noop("You may not do this."),
}
_API = {404: gettext_noop("Not found."), 403: gettext_noop("You do not have permission to perform this action.")}


def reason(exception: BaseException | None) -> str:
    """The sentence the view or service raised with, if it raised one for people."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str) or message.startswith("No ") and " matches the given query" in message:
        return ""
    return message


def back_url(request: HttpRequest) -> str:
    """Where "Back" goes: the page the user came from when it is ours, else their projects."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
        return referer
    return ""


def error_page(request: HttpRequest, status: int, exception: BaseException | None) -> HttpResponse:
    """The app's page for a refusal (JSON under /api/, where scripts read it).

    A 403 shows the reason the view gave (a member learns what their role does not allow). A 404
    never does: "No such evidence." for a missing id and "No such project." for one in a project
    the user is not in would tell which ids exist (tests/api/test_oracles.py), so every 404 says
    the same sentence.
    """
    message = reason(exception) if status == 403 else ""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message or gettext(_API[status])}, status=status)
    titles = {404: gettext("Page not found"), 403: gettext("Not allowed")}
    response = TemplateResponse(
        request, "annotations/ui/error.html",
        {"status": status, "title": titles[status], "message": message or gettext(_GENERIC[status]),
         "back": back_url(request)},
        status=status,
    )
    response.render()
    response.app_error_page = True  # type: ignore[attr-defined]
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404."""
    return error_page(request, 404, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    return error_page(request, 403, exception)


class ErrorPagesMiddleware:
    """The same 403 and 404 pages with DEBUG on, where Django would show its technical 404.

    With DEBUG off Django calls handler404/handler403 (workbench/urls.py). With DEBUG on it
    answers a view's Http404 with its technical page instead, which hides the message the view
    raised; the refusal is turned into the app's page here, before Django sees it. A 404 for an
    address no route matches is raised before any view, so it is replaced once made.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code == 404 and not getattr(response, "app_error_page", False)
                and "text/html" in response.get("Content-Type", "") and not request.path_info.startswith("/static/")):
            return error_page(request, 404, None)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return error_page(request, 404, exception)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403, exception)
        return None
