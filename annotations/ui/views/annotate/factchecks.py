"""The claim panel's "Already fact-checked" section: matching reference fact checks, linked as
evidence in one action. Loaded on demand (matching embeds text), like the related claims."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ....access import Capability, allow
from ....models import Stance
from ....selectors.article_page import claim_visible_to
from ....selectors.factchecks import factcheck_matches, factcheck_of_project
from ....services.factchecks import factcheck_link_as_evidence, stance_for
from ..common import AuthenticatedHttpRequest, member_view
from .article import TEMPLATES
from .claims import _respond, error_lines


@member_view
@require_GET
def factcheck_list(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Reference fact checks that read like the claim (htmx partial; a page without htmx)."""
    claim, perms = claim_visible_to(request.user, claim_id)
    matches = factcheck_matches(claim)
    linked = set(claim.evidence.filter(added_by=request.user, url__in=[m.factcheck.url for m in matches]).values_list("url", flat=True))
    rows = [{"match": m, "stance": stance_for(m.factcheck), "linked": m.factcheck.url in linked} for m in matches]
    context = {
        "claim": claim, "rows": rows, "perms": perms, "project": claim.article.project,
        "standalone": not request.htmx, "stances": Stance.choices,
    }
    return render(request, TEMPLATES + ("_factchecks.html" if request.htmx else "factchecks.html"), context)


@member_view
@require_POST
def factcheck_link(request: AuthenticatedHttpRequest, claim_id: int, factcheck_id: int) -> HttpResponse:
    """Cite a matching fact check as the claim's evidence (its URL, rating and title)."""
    claim, perms = claim_visible_to(request.user, claim_id)
    # The role before the fact check is looked up, so its id tells nothing.
    allow(request.user, perms.roles, Capability.FIND)
    factcheck = factcheck_of_project(claim.article.project_id, factcheck_id)
    stance = request.POST.get("stance") or None
    if stance is not None and stance not in Stance.values:
        return _respond(request, claim, failed=[_("stance: Choose one of %(choices)s.") % {
            "choices": ", ".join(Stance.values)}])
    try:
        factcheck_link_as_evidence(claim=claim, factcheck=factcheck, by=request.user, stance=stance)
    except ValidationError as exc:
        return _respond(request, claim, failed=error_lines(exc))
    return _respond(request, claim, done=_("Fact check linked as evidence."))
