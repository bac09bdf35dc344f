"""What a login refused by the lockout answers, at each door (django-axes calls it).

One (account, client address) pair is locked for all three doors together: the web login, the
admin login and POST /api/v1/auth/token/. The API gets JSON, the pages an HTML page; both 429
with Retry-After, and the same message.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

STATUS = 429


def lockout_message(cool_off: timedelta) -> str:
    """The sentence shown at every door, naming the wait."""
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    return ngettext(
        "Too many failed logins for this account from your address. Try again in %(minutes)s minute.",
        "Too many failed logins for this account from your address. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """429 with Retry-After: JSON under /api/, else the locked-out page."""
    cool_off = get_cool_off(request) or timedelta(0)
    message = lockout_message(cool_off)
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=STATUS)
    else:
        response = TemplateResponse(request, "annotations/registration/locked_out.html",
                                    {"message": message, "back": request.get_full_path()}, status=STATUS)
        response.render()
    response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
