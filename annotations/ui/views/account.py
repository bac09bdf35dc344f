"""The account area: a user's own API tokens (create, see once, rotate, revoke)."""

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
    """List the user's tokens; POST replaces them with a new one (shown once) or revokes them."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            # Rendered in this response only: the key is never shown again after it.
            new_key = tokens.token_rotate(user=request.user).key
        elif action == "revoke":
            if tokens.token_revoke(user=request.user):
                messages.success(request, _("Your API tokens were revoked; scripts using them are refused now."))
            return redirect("ui:account_token")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("ui:account_token")
    response = render(request, "annotations/ui/account/token.html", {
        "tokens": visibility.tokens_of(request.user),
        "new_key": new_key,
    })
    # The page may carry a secret: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response
