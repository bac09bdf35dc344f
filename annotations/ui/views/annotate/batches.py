"""Undoable writes from the article page: many suggestions decided at once, a claim deleted by
its author, and the undo of either. Thin views over services/claim_batches.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ....access import Capability, allow
from ....models import BatchKind, ClaimBatch, ClaimStatus
from ....selectors import article_get_for_user
from ....selectors.article_page import article_page_for_user, claim_visible_to
from ....selectors.batches import batch_get_for_user
from ....services import claim_batches
from ...forms import BatchDecideForm
from ..common import AuthenticatedHttpRequest, member_view
from .article import TEMPLATES, article_url, page_context
from .claims import error_lines


def _page(
    request: AuthenticatedHttpRequest, article_id: int, *, focus_id: int | None = None,
    done: str = "", failed: list[str] | None = None, undo: ClaimBatch | None = None,
) -> HttpResponse:
    """The panel, body and list swapped after a change (htmx), or a redirect with a message."""
    if not request.htmx:
        for line in failed or []:
            messages.error(request, line)
        if done and not failed:
            messages.success(request, done)
        url = article_url(article_id, focus_id)
        if undo is not None and not failed:
            url += ("&" if "?" in url else "?") + f"undo={undo.pk}"
        return redirect(url)
    page = article_page_for_user(request.user, article_id, focus_claim_id=focus_id)
    context: dict[str, Any] = page_context(page, notice=done if not failed else "", errors=failed or [])
    context.update(structural=True, undo_batch=undo if not failed else None)
    return render(request, TEMPLATES + "_update.html", context)


def _focus(request: AuthenticatedHttpRequest) -> int | None:
    """The claim the page had open (kept open after the change), from the form."""
    value = request.POST.get("focus", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def describe_batch(batch: ClaimBatch) -> str:
    """What the batch did, in one sentence."""
    if batch.kind == BatchKind.DELETE:
        return _("Claim deleted.")
    if batch.status == ClaimStatus.ACCEPTED:
        return ngettext("%(n)s suggestion accepted.", "%(n)s suggestions accepted.", batch.size) % {"n": batch.size}
    return ngettext("%(n)s suggestion rejected.", "%(n)s suggestions rejected.", batch.size) % {"n": batch.size}


@member_view
@require_POST
def claims_decide_batch(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    """Accept or reject many suggestions: those chosen, above or below a score, or of a paragraph."""
    article = article_get_for_user(request.user, article_id)
    form = BatchDecideForm(request.POST)
    if not form.is_valid():
        return _page(request, article.pk, focus_id=_focus(request), failed=error_lines(form))
    try:
        batch = claim_batches.claims_decide_batch(article=article, by=request.user, **form.criteria())
    except ValidationError as exc:
        return _page(request, article.pk, focus_id=_focus(request), failed=error_lines(exc))
    return _page(request, article.pk, focus_id=_focus(request), done=describe_batch(batch), undo=batch)


@member_view
@require_POST
def claim_delete(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Delete the user's own claim while nobody else has worked on it (undoable)."""
    claim, perms = claim_visible_to(request.user, claim_id)
    allow(request.user, perms.roles, Capability.FIND)
    try:
        batch = claim_batches.claim_delete(claim=claim, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        failed = error_lines(exc) if isinstance(exc, ValidationError) else [str(exc)]
        return _page(request, claim.article_id, focus_id=claim.pk, failed=failed)
    return _page(request, claim.article_id, done=describe_batch(batch), undo=batch)


@member_view
@require_POST
def batch_undo(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """Undo a batch of decisions or a deletion, exactly; refused if the claims changed since."""
    batch = batch_get_for_user(request.user, batch_id)
    try:
        claim_batches.batch_undo(batch=batch, by=request.user)
    except ValidationError as exc:
        return _page(request, batch.article_id, focus_id=_focus(request), failed=error_lines(exc))
    focus = claim_batches.restored_claim_id(batch) or _focus(request)
    return _page(request, batch.article_id, focus_id=focus, done=_("Undone."))
