"""The project page and the work queue: Next, Skip and Done."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ... import selectors
from ...access import Capability, can
from ...models import Assignment, Role
from ...selectors.counting import BoundedPaginator, Keyset
from ...selectors.graph import pending_candidates_count
from ...services import assignments as assignment_services
from ..markdown import render_markdown
from ..filters import ArticleFilter
from .common import AuthenticatedHttpRequest, member_view

ARTICLES_PER_PAGE = 25
ARTICLE_KEYSET = Keyset(("id",))
PAGING = ("page", "after", "before")  # query parameters that move through the list, not filters


def work_url(assignment: Assignment) -> str:
    """Where an assignment is worked: its article page, focused on the claim when there is one."""
    params = {"assignment": assignment.pk}
    if assignment.claim_id is not None:
        params = {"claim": assignment.claim_id, **params}
    return f"{reverse('ui:article', args=[assignment.article_id])}?{urlencode(params)}"


@member_view
@require_GET
def project_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything a member needs to start: their queue, progress, the articles and the guidelines."""
    overview = selectors.project_overview(request.user, slug=slug)
    project, roles = overview.project, frozenset(overview.roles)
    kinds = selectors.queue_kinds(project, roles, request.user)
    counts = (
        selectors.queue_counts(
            request.user, project, roles, statuses=(overview.my_open, overview.my_skipped, overview.my_done)
        )
        if kinds else None
    )
    search = ArticleFilter(request.GET or None, selectors.project_articles(request.user, project), project=project)
    # Counted only as far as the page asked for ("Page 1 of 40+" on a project of a million
    # articles); in id order (no sort chosen), the next and previous pages are read by key.
    listed = search.qs
    keyset = ARTICLE_KEYSET if tuple(listed.query.order_by) == ("pk",) else None
    searching = any(k not in PAGING for k in request.GET)
    # Unfiltered, the list is every article of the project, which the overview counted already.
    articles = BoundedPaginator(
        listed, ARTICLES_PER_PAGE, keyset=keyset, known=None if searching else overview.articles
    )
    context = {
        "project": project,
        "roles": roles,
        "overview": overview,
        "kinds": kinds,
        "counts": counts,
        # Read only when the counts say there is something to list (most visits, none).
        "pending": selectors.assignments_pending(request.user, project) if counts and counts.open + counts.skipped else [],
        "articles": articles.get_page_from(
            request.GET.get("page"), after=request.GET.get("after"), before=request.GET.get("before")
        ),
        "search": search, "searching": searching,
        "sees_candidates": bool(roles - {Role.RESEARCHER}) or request.user.is_superuser,
        "guidelines": render_markdown(project.guidelines),
        "description": render_markdown(project.description),
        # Reviewers see how many proposed relations wait for them (one query, theirs only).
        "pending_relations": (
            pending_candidates_count(project) if can(roles, Capability.REVIEW, user=request.user) else None
        ),
    }
    return render(request, "annotations/ui/project/page.html", context)


def _go_next(
    request: AuthenticatedHttpRequest, project_slug: str, skipped: Assignment | None = None
) -> HttpResponse:
    """Redirect to the user's next piece of work, or back to the project when there is none."""
    # The project and the caller's roles come with the queue's locking read (NotFound and
    # PermissionDenied as project_get_for_user would give): Next is the annotator's hot path.
    project, assignment = assignment_services.assignment_next_in(slug=project_slug, by=request.user)
    if assignment is None:
        messages.info(request, _("Nothing left in your queue. Thank you!"))
        return redirect("ui:project", project.slug)
    if skipped is not None and assignment.pk == skipped.pk:
        messages.info(request, _("Nothing else is waiting: here is the item you skipped."))
    return redirect(work_url(assignment))


@member_view
@require_POST
def next_item(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Open the user's current assignment, or hand them a new one."""
    return _go_next(request, slug)


@member_view
@require_POST
def skip(request: AuthenticatedHttpRequest, assignment_id: int) -> HttpResponse:
    """Put the assignment aside for later and go to the next one."""
    assignment = selectors.assignment_get_for_user(request.user, assignment_id)
    try:
        assignment_services.assignment_skip(assignment=assignment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("ui:project", assignment.project.slug)
    return _go_next(request, assignment.project.slug, skipped=assignment)


@member_view
@require_POST
def done(request: AuthenticatedHttpRequest, assignment_id: int) -> HttpResponse:
    """Finish the assignment ("Done with this article") and go to the next one."""
    assignment = selectors.assignment_get_for_user(request.user, assignment_id)
    try:
        assignment_services.assignment_complete(assignment=assignment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(work_url(assignment))
    return _go_next(request, assignment.project.slug)
