"""The claim panel's graph sections: related claims (loaded on demand), questions and answers.

Thin views: the selectors read and authorise, the graph services write. Every write answers as
the other panel writes do (annotate/claims.py `_respond`): the panel's partials with htmx, a
redirect back to the article page with a message without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ....access import AuthUser, Capability, allow
from ....models import Answer, Claim, RelationKind
from ....selectors.article_page import claim_visible_to
from ....selectors.graph import (
    answer_get_for_user,
    questions_of_claim,
    questions_of_project,
    related_for_user,
)
from ....selectors.graph_pages import claim_at_span, question_of_project
from ....selectors.visibility import article_of_project, claim_of_project
from ....services import claims as claim_services
from ....services import graph as graph_services
from ...forms_graph import AnswerForm, QuestionCreateForm, RelatedLinkForm
from ..annotate.claims import _respond, error_lines
from ..common import AuthenticatedHttpRequest, member_view

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TEMPLATES = "annotations/ui/graph/"
RELATED_K = 10
QUESTION_RESULTS = 12
# The engine's guess of how a related passage relates to the claim, as the list words it.
GUESSES: dict[str, StrOrPromise] = {
    RelationKind.SAME: gettext_lazy("same claim?"), RelationKind.CONTRADICTS: gettext_lazy("contradicts?"),
    RelationKind.SUPPORTS: gettext_lazy("supports?"), RelationKind.RELATED: gettext_lazy("related"),
}


def _finder(request: AuthenticatedHttpRequest, claim_id: int) -> Claim:
    """The claim, if the user may see it and find claims in its project (researchers: 403)."""
    claim, perms = claim_visible_to(request.user, claim_id)
    allow(request.user, perms.roles, Capability.FIND)
    return claim


def other_side(project_id: int, data: dict, by: AuthUser) -> Claim:
    """The claim a related-list action is about: named by id, or the sentence at a span of an
    article of the project (its claim if one is there, else a new claim marked by the user)."""
    if data.get("target"):
        return claim_of_project(project_id, data["target"], field="target")
    article = article_of_project(project_id, data["article"], field="article")
    existing = claim_at_span(article, data["start"], data["end"])
    if existing is not None:
        return existing
    return claim_services.claim_create(article=article, start=data["start"], end=data["end"], by=by)


# --- related claims ------------------------------------------------------------------------------


@member_view
@require_GET
def related_list(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """The claim's related passages from other articles (htmx partial; a page without htmx)."""
    claim = _finder(request, claim_id)
    items = related_for_user(request.user, claim.pk, k=RELATED_K)
    project = claim.article.project
    kinds = dict(RelationKind.choices)
    rows = [
        {"item": item, "guess": GUESSES.get(item.relation, GUESSES["related"]),
         "linked": [kinds.get(kind, kind) for kind in item.linked]}
        for item in items
    ]
    context = {
        "claim": claim, "rows": rows, "project": project, "standalone": not request.htmx,
        "claim_questions": questions_of_claim(claim),
    }
    if request.htmx:
        return render(request, TEMPLATES + "_related_list.html", context)
    return render(request, TEMPLATES + "related.html", context)


@member_view
@require_POST
def related_link(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Link the claim to a related claim, or to a sentence nobody marked (made a claim first)."""
    claim = _finder(request, claim_id)
    form = RelatedLinkForm(request.POST)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), related_open=True)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            target = other_side(claim.article.project_id, data, request.user)
            graph_services.relate_and_accept(
                source=claim, target=target, kind=data["kind"], by=request.user,
                accept_target=data["accept_target"],
            )
    except ValidationError as exc:
        return _respond(request, claim, failed=error_lines(exc), related_open=True)
    return _respond(request, claim, done=_("Claims linked."), related_open=True)


# --- questions on the panel -----------------------------------------------------------------------


@member_view
@require_POST
def question_create(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Write a check question on the claim, with the claim's answer to it."""
    claim = _finder(request, claim_id)
    form = QuestionCreateForm(request.POST)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), question_form=form)
    data = form.cleaned_data
    try:
        graph_services.question_create(
            project=claim.article.project, by=request.user, text=data["text"], text_en=data["text_en"],
            claim=claim, answer=data["answer"],
        )
    except ValidationError as exc:
        return _respond(request, claim, failed=error_lines(exc), question_form=form)
    return _respond(request, claim, done=_("Question added."))


@member_view
@require_POST
def answer_set(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Record what the claim (or a related claim or sentence, when named) answers to a question."""
    claim = _finder(request, claim_id)
    form = AnswerForm(request.POST)
    from_related = bool(request.POST.get("target") or request.POST.get("article"))
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), related_open=from_related)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            question = question_of_project(claim.article.project_id, data["question"])
            answering = other_side(claim.article.project_id, data, request.user) if from_related else claim
            graph_services.answer_set(question=question, claim=answering, answer=data["answer"], by=request.user)
    except ValidationError as exc:
        return _respond(request, claim, failed=error_lines(exc), related_open=from_related)
    return _respond(request, claim, done=_("Answer saved."), related_open=from_related)


@member_view
@require_POST
def answer_remove(request: AuthenticatedHttpRequest, answer_id: int) -> HttpResponse:
    """Detach a claim from a question; the panel shown is that claim's."""
    answer = answer_get_for_user(request.user, answer_id)
    claim = _finder(request, answer.claim_id)
    graph_services.answer_remove(answer=answer, by=request.user)
    return _respond(request, claim, done=_("Answer removed."))


@member_view
@require_GET
def question_search(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """The project's questions matching ?q=, each with buttons that attach the claim (htmx)."""
    claim = _finder(request, claim_id)
    q = " ".join(request.GET.get("q", "")[:200].split())
    answered = {a.question.pk for a in questions_of_claim(claim)}
    results = (
        list(questions_of_project(request.user, claim.article.project, search=q)[:QUESTION_RESULTS])
        if q else []
    )
    context = {"claim": claim, "q": q, "results": results, "answered": answered, "answer_choices": Answer.choices}
    return render(request, TEMPLATES + "_question_results.html", context)

