"""What managers watch: the suggestion model's figures and the work's progress."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .... import selectors
from ....selectors.manage import retrain_refusal, suggestion_overview
from ..common import member_view
from .base import TEMPLATES, page_context, project_for


@member_view
@require_GET
def suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    """The project's suggestion models (version, examples, cross-validated figures, cues) and counts."""
    project, roles = project_for(request, slug)
    overview = suggestion_overview(request.user, project)
    context = page_context(project, roles, request.user, "suggestions", overview=overview,
                           retrain_refusal=retrain_refusal(request.user, project))
    return render(request, TEMPLATES + "suggestions.html", context)


ARTICLES_PER_PAGE = 50


@member_view
@require_GET
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Progress per annotator (assignments, verdicts) and per article (claims judged, slots filled)."""
    project, roles = project_for(request, slug)
    people = selectors.annotator_progress(request.user, project)
    # Exact, unlike the project page's figures that stop at a cap: this page may take seconds.
    totals = selectors.project_totals(request.user, project)
    page = Paginator(selectors.article_progress(request.user, project), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = page_context(project, roles, request.user, "progress", people=people, totals=totals, page=page)
    return render(request, TEMPLATES + "progress.html", context)
