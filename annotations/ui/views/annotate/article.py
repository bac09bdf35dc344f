"""The article page: the body with its claims highlighted, the claims list and the focused claim."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ....models import Answer, RelationKind, Stance
from ....selectors.article_page import (
    ArticlePage,
    ClaimPanel,
    article_page_for_user,
    claim_panel_for_user,
)
from ....selectors.batches import undoable_batch
from ....selectors.graph import questions_of_claim
from ...forms import AnnotationForm, ClaimEditForm, EvidenceForm, RelationForm
from ...forms_graph import QuestionCreateForm
from ...markdown import render_markdown
from ..common import AuthenticatedHttpRequest, member_view
from .body import render_body
from .rows import render_rows

TEMPLATES = "annotations/ui/annotate/"


def _int(value: str | None) -> int | None:
    """A positive id from a query parameter, or None for anything else."""
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def article_url(article_id: int, claim_id: int | None = None) -> str:
    """The article page, focused on a claim when one is given."""
    url = reverse("ui:article", args=[article_id])
    return f"{url}?claim={claim_id}" if claim_id is not None else url


def web_link(url: str) -> str | None:
    """The URL if it is an http(s) link, so a stored value can never become a javascript: href."""
    return url if url and urlsplit(url).scheme.lower() in ("http", "https") else None


def panel_context(
    panel: ClaimPanel | None,
    *,
    edit_form: ClaimEditForm | None = None,
    annotation_form: AnnotationForm | None = None,
    evidence_form: EvidenceForm | None = None,
    relation_form: RelationForm | None = None,
    question_form: QuestionCreateForm | None = None,
    related_open: bool = False,
    conflict: Any = None,
    conflict_kind: str = "",
    notice: str = "",
    errors: list[str] | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """What _panel.html needs: the panel and its forms, bound ones (with errors) kept as given."""
    context: dict[str, Any] = {
        "panel": panel, "conflict": conflict, "conflict_kind": conflict_kind, "notice": notice,
        "errors": errors or [], "stances": Stance.choices, "relation_kinds": RelationKind.choices,
        "confidences": range(1, 6), "answers": Answer.choices, "related_open": related_open,
    }
    if panel is None:
        return context
    claim = panel.claim
    mine = panel.my_annotation
    context.update(
        edit_form=edit_form or ClaimEditForm(initial={
            "statement": claim.statement, "speaker": claim.speaker,
            "asserted_by_article": claim.asserted_by_article,
            "statement_date": claim.statement_date, "version": claim.version,
        }),
        annotation_form=annotation_form or AnnotationForm(
            scheme_id=claim.article.project.scheme_id,
            initial={
                "verdict": mine.verdict_id if mine else None,
                "confidence": mine.confidence if mine else None,
                "rationale": mine.rationale if mine else "",
                "time_spent_seconds": mine.time_spent_seconds if mine else 0,
                "version": mine.version if mine else None,
            },
        ),
        # No stance chosen in advance: a keyboard user must pick one (the form requires it).
        evidence_form=evidence_form or EvidenceForm(),
        # Only the claim's author may delete it (the service also checks nobody else worked on it).
        deletable=panel.perms.find and claim.created_by_id is not None and claim.created_by_id == user_id,
        relation_form=relation_form or RelationForm(initial={"kind": RelationKind.SAME}),
        question_form=question_form or QuestionCreateForm(),
        # The claim graph is the work of those who find claims (two queries, none otherwise).
        claim_questions=questions_of_claim(claim) if panel.perms.find else [],
        article_url=article_url(claim.article_id),
    )
    return context


def page_context(page: ArticlePage, **panel_kwargs: Any) -> dict[str, Any]:
    """What article.html and its partials need."""
    article = page.article
    focus_id = page.focus.claim.pk if page.focus else None
    groups = {"accepted": page.accepted, "candidates": page.candidates, "rejected": page.rejected}
    rows: dict[str, Any] = {}
    for name, items in groups.items():
        rows[name] = render_rows(items, focus_id=focus_id)
        rows["n_" + name] = len(items)
    return {
        "page": page,
        "article": article,
        "project": page.project,
        "perms": page.perms,
        "roles": page.perms.roles,
        "body_html": render_body(page.segments, focus_id),
        "rows": rows,
        "source_url": web_link(article.url),
        "guidelines": render_markdown(page.project.guidelines),
        "article_url": article_url(article.pk),
        "assignment": page.assignment,
        **panel_context(page.focus, **{"user_id": page.user_id, **panel_kwargs}),
    }


@member_view
@require_GET
def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    """Show the article with its claims; ?claim= focuses one, ?assignment= shows the work bar."""
    page = article_page_for_user(
        request.user, article_id,
        focus_claim_id=_int(request.GET.get("claim")),
        assignment_id=_int(request.GET.get("assignment")),
    )
    context = page_context(page)
    undo_id = _int(request.GET.get("undo"))
    if undo_id is not None:  # after a change made without htmx: offer its undo
        context["undo_batch"] = undoable_batch(request.user, undo_id, article_id)
    return render(request, TEMPLATES + "article.html", context)


@member_view
@require_GET
def claim_panel(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """The side panel of one claim (htmx); a plain request goes to the article page instead."""
    panel = claim_panel_for_user(request.user, claim_id)
    if not request.htmx:
        return redirect(article_url(panel.claim.article_id, panel.claim.pk))
    return render(request, TEMPLATES + "_panel.html", panel_context(panel, user_id=request.user.pk))
