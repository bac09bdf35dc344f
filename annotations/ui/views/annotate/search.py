"""Searching the project's claims from a claim's panel: to link them, or to cite them as evidence."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ....models import RelationKind
from ....selectors.article_page import claim_visible_to
from ....selectors.search import claims_search
from ...forms import RelationForm
from ..common import AuthenticatedHttpRequest, member_view
from .article import TEMPLATES

MODES = ("relate", "evidence")


@member_view
@require_GET
def claim_search(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Claims of the claim's project matching ?q= (other articles first).

    ?mode=relate (default) lists them as link buttons of the relation form, ?mode=evidence as
    buttons that fill the evidence form; without htmx, a page with its own relation form.
    """
    claim, perms = claim_visible_to(request.user, claim_id)
    q = request.GET.get("q", "")[:200]
    mode = request.GET.get("mode") if request.GET.get("mode") in MODES else "relate"
    results = claims_search(request.user, claim.article.project, q, exclude_claim=claim)
    context = {
        "claim": claim, "q": q, "mode": mode, "results": results, "perms": perms,
        "project": claim.article.project, "roles": perms.roles,
        "relation_kinds": RelationKind.choices,
        "relation_form": RelationForm(initial={"kind": request.GET.get("kind", RelationKind.SAME)}),
    }
    if request.htmx:
        return render(request, TEMPLATES + "_search_results.html", context)
    return render(request, TEMPLATES + "search.html", context)
