"""The account area: a user's own API token (create, see once, rotate, revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...selectors import visibility
from ...services import tokens
from .common import AuthenticatedHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def token(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show whether the user has a token; POST creates or rotates it (shown once) or revokes it."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            # Rendered in this response only: the key is never shown again after it.
            new_key = tokens.token_rotate(user=request.user).key
        elif action == "revoke":
            if tokens.token_revoke(user=request.user):
                messages.success(request, _("Your API token was revoked; scripts using it are refused now."))
            return redirect("ui:account_token")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("ui:account_token")
    current = visibility.token_of(request.user)
    response = render(request, "annotations/ui/account/token.html", {
        "token": current,
        "new_key": new_key,
        "hint": current.key[:4] if current is not None else "",
    })
    # The page may carry a secret: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response
