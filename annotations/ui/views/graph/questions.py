"""Check questions: the project's list, one question's page (claims grouped by answer, side by
side, contradictions first), rewording, deleting, and candidate answers found across the corpus."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ....access import Capability, StaleVersion, can
from ....models import Answer
from ....selectors.graph import (
    QuestionPage,
    answer_candidates_for_user,
    question_get_for_user,
    question_page_for_user,
    questions_of_project,
)
from ....selectors.manage import project_with_roles
from ....services import graph as graph_services
from ...forms_graph import QuestionAttachForm, QuestionEditForm
from ..annotate.claims import add_service_errors, error_lines
from ..common import AuthenticatedHttpRequest, member_view
from .panel import GUESSES, other_side

TEMPLATES = "annotations/ui/graph/"
QUESTIONS_PER_PAGE = 50
CANDIDATES_K = 10


@member_view
@require_GET
def question_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The project's questions with their answer counts; ?q= searches them."""
    project, roles = project_with_roles(request.user, slug, Capability.FIND)
    q = " ".join(request.GET.get("q", "")[:200].split())
    page = Paginator(questions_of_project(request.user, project, search=q), QUESTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"project": project, "roles": roles, "tab": "questions", "q": q, "page": page}
    return render(request, TEMPLATES + "questions.html", context)


def _may_edit(request: AuthenticatedHttpRequest, page: QuestionPage) -> bool:
    return page.perms.review or page.question.created_by_id == request.user.pk


def _question_context(
    request: AuthenticatedHttpRequest, page: QuestionPage, **extra: Any
) -> dict[str, Any]:
    question = page.question
    context = {
        "project": question.project, "roles": page.perms.roles, "tab": "questions", "page": page,
        "question": question, "may_edit": _may_edit(request, page), "may_delete": page.perms.review,
        "answers": Answer.choices,
        "edit_form": QuestionEditForm(initial={
            "text": question.text, "text_en": question.text_en, "version": question.version,
        }),
        "attach_form": None,
    }
    context.update(extra)
    return context


@member_view
@require_GET
def question_page(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """A question with every claim answering it, grouped by answer, and their contradictions."""
    page = question_page_for_user(request.user, question_id)
    context = _question_context(request, page)
    if request.GET.get("candidates") == "1":  # without JavaScript, candidates come with the page
        context.update(show_candidates=True, candidate_rows=_candidate_rows(request, question_id))
    return render(request, TEMPLATES + "question.html", context)


@member_view
@require_POST
def question_edit(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """Reword the question (its author or a reviewer), at the version the editor started from."""
    question, perms = question_get_for_user(request.user, question_id)
    form = QuestionEditForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            graph_services.question_update(
                question=question, by=request.user, version=data["version"], text=data["text"],
                text_en=data["text_en"],
            )
        except StaleVersion:
            error = _("Not saved: someone else changed this question meanwhile. Here it is as it is now.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect("ui:question", question_id=question.pk)
    page = question_page_for_user(request.user, question_id)
    if error:
        messages.warning(request, error)
        return render(request, TEMPLATES + "question.html", _question_context(request, page), status=409)
    return render(
        request, TEMPLATES + "question.html", _question_context(request, page, edit_form=form, edit_open=True),
        status=400,
    )


@member_view
@require_POST
def question_delete(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """Delete the question and its answers (reviewers and managers)."""
    question, perms = question_get_for_user(request.user, question_id)
    if not can(perms.roles, Capability.REVIEW, user=request.user):
        raise PermissionDenied(_("Only reviewers and managers may delete a question."))
    slug = question.project.slug
    graph_services.question_delete(question=question, by=request.user)
    messages.success(request, _("Question deleted."))
    return redirect("ui:questions", slug=slug)


def _candidate_rows(request: AuthenticatedHttpRequest, question_id: int) -> list[dict]:
    items = answer_candidates_for_user(request.user, question_id, k=CANDIDATES_K)
    return [{"item": i, "guess": GUESSES.get(i.relation, GUESSES["related"])} for i in items]


@member_view
@require_GET
def answer_candidates(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """Passages across the corpus likely to answer the question (htmx partial, fetched lazily)."""
    question, perms = question_get_for_user(request.user, question_id)
    if not request.htmx:
        return redirect(f"{reverse('ui:question', args=[question.pk])}?candidates=1#candidates")
    context = {"question": question, "candidate_rows": _candidate_rows(request, question_id), "answers": Answer.choices}
    return render(request, TEMPLATES + "_answer_candidates.html", context)


@member_view
@require_POST
def question_answer(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """Attach a claim, or a sentence nobody marked (made a claim first), with its answer."""
    question, perms = question_get_for_user(request.user, question_id)
    form = QuestionAttachForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                claim = other_side(question.project_id, data, request.user)
                graph_services.answer_set(question=question, claim=claim, answer=data["answer"], by=request.user)
        except ValidationError as exc:
            failed = error_lines(exc)
        else:
            messages.success(request, _("Answer saved."))
            return redirect("ui:question", question_id=question.pk)
    else:
        failed = error_lines(form)
    page = question_page_for_user(request.user, question_id)
    return render(
        request, TEMPLATES + "question.html", _question_context(request, page, attach_errors=failed), status=400,
    )
