"""Proposed relations: the reviewers' queue (j/k to move, a/r to decide) and the job that fills it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ....access import Capability, StaleVersion
from ....models import Article, CandidateStatus, Claim, RelationKind
from ....selectors.graph import candidate_get_for_user, candidates_for_user
from ....selectors.graph_pages import candidate_counts
from ....selectors.manage import project_with_roles
from ....services import graph as graph_services
from ....services.graph import PROPOSABLE_KINDS
from ...forms_graph import CandidateDecideForm
from ..annotate.claims import error_lines
from ..common import AuthenticatedHttpRequest, member_view

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TEMPLATES = "annotations/ui/graph/"
PER_PAGE = 25
CONTEXT_CHARS = 140
STATUS_LABELS: dict[str, StrOrPromise] = {
    CandidateStatus.PENDING: gettext_lazy("To decide"),
    CandidateStatus.ACCEPTED: gettext_lazy("Accepted"),
    CandidateStatus.REJECTED: gettext_lazy("Rejected"),
}


def _side(article: Article, start: int, end: int, claim: Claim | None) -> dict:
    """One side of a proposal as the row shows it: the span in its article's text."""
    body = article.body
    return {
        "article": article, "claim": claim, "quote": body[start:end],
        "before": body[max(0, start - CONTEXT_CHARS):start], "after": body[end:end + CONTEXT_CHARS],
    }


def _filters(request: HttpRequest) -> tuple[str, str]:
    status = request.GET.get("status") or request.POST.get("status_tab") or CandidateStatus.PENDING
    kind = request.GET.get("kind") or request.POST.get("kind_tab") or ""
    status = status if status in CandidateStatus.values else CandidateStatus.PENDING
    kind = kind if kind in PROPOSABLE_KINDS else ""
    return status, kind


@member_view
@require_GET
def candidate_queue(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The project's proposed relations, best first, by status tab and kind."""
    project, roles = project_with_roles(request.user, slug, Capability.REVIEW)
    status, kind = _filters(request)
    page = Paginator(candidates_for_user(request.user, project, status=status, kind=kind or None), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "candidate": c,
            "a": _side(c.a_article, c.a_start, c.a_end, c.a_claim),
            "b": _side(c.b_article, c.b_start, c.b_end, c.b_claim),
        }
        for c in page.object_list
    ]
    counts = candidate_counts(project, kind=kind)
    tabs = [
        {"status": value, "label": STATUS_LABELS[value], "count": counts[value], "hotkey": str(i + 1),
         "query": urlencode({"status": value, **({"kind": kind} if kind else {})})}
        for i, value in enumerate(CandidateStatus.values)
    ]
    labels = dict(RelationKind.choices)
    kinds = [{"value": "", "label": _("All kinds"), "query": urlencode({"status": status})}] + [
        {"value": k, "label": labels[k], "query": urlencode({"status": status, "kind": k})}
        for k in (RelationKind.SAME, RelationKind.CONTRADICTS, RelationKind.SUPPORTS)
    ]
    try:
        at = max(0, int(request.GET.get("at", "")))
    except ValueError:
        at = -1
    context = {
        "project": project, "roles": roles, "tab": "relations", "page": page, "rows": rows,
        "status": status, "kind": kind, "tabs": tabs, "kinds": kinds, "at": at,
    }
    return render(request, TEMPLATES + "candidates.html", context)


@member_view
@require_POST
def candidate_decide(request: AuthenticatedHttpRequest, candidate_id: int) -> HttpResponse:
    """Accept (the claims are linked, marked or accepted as needed) or reject a proposal."""
    candidate = candidate_get_for_user(request.user, candidate_id)
    project = candidate.project
    form = CandidateDecideForm(request.POST)
    status, kind = _filters(request)
    query = {"status": status, **({"kind": kind} if kind else {})}
    if str(request.POST.get("at", "")).isdigit():
        query["at"] = request.POST["at"]
    back = f"{reverse('ui:relation_candidates', args=[project.slug])}?{urlencode(query)}"
    if not form.is_valid():
        for line in error_lines(form):
            messages.error(request, line)
        return redirect(back)
    data = form.cleaned_data
    try:
        decided = graph_services.candidate_decide(
            candidate=candidate, by=request.user, status=data["status"], version=data["version"],
        )
    except StaleVersion:
        messages.warning(request, _("Someone else decided this proposal meanwhile; nothing was changed."))
        return redirect(back)
    except ValidationError as exc:
        for line in error_lines(exc):
            messages.error(request, line)
        return redirect(back)
    if decided.status == CandidateStatus.ACCEPTED:
        messages.success(request, _("Relation accepted: the two claims are linked."))
    else:
        messages.success(request, _("Proposal rejected."))
    return redirect(back)


@member_view
@require_POST
def relations_start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Queue the job that indexes the project and proposes relations across its articles."""
    # Imported here: the job's module loads the retrieval engine, which pages need not.
    from ....services.graph_jobs import relations_job_start

    project, _roles = project_with_roles(request.user, slug, Capability.MANAGE)
    try:
        job = relations_job_start(project=project, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("ui:jobs", slug=project.slug)
    messages.success(request, _("Job #%(job)s queued: it finds related claims across articles.") % {"job": job.pk})
    return redirect("ui:job", job_id=job.pk)
