"""What every UI view shares: login, refusals as 404/403, and the project's roles in context."""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxDetails

from ...access import AuthUser, NotFound

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request a login-required view gets: a signed-in user, and django-htmx's details."""

    user: AuthUser
    htmx: HtmxDetails


def member_view(view: View) -> View:
    """Login required; selectors' NotFound (outsiders, missing objects) becomes a 404.

    PermissionDenied (a member whose role does not allow the action) is left to Django's 403.
    """

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc

    return wrapped
