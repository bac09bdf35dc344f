"""Comment threads (on a claim's panel and a question's page) and the user's notifications."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...models import Comment
from ...selectors.collab import (
    Thread,
    claim_thread_for_user,
    comment_get_for_user,
    notification_get_for_user,
    notification_text,
    notification_url,
    notifications_for,
    notifications_unread_count,
    question_thread_for_user,
)
from ...services import collab as collab_services
from ...services.collab import MENTION
from .common import AuthenticatedHttpRequest, member_view

TEMPLATES = "annotations/ui/collab/"


def mention_parts(comment: Comment) -> list[tuple[str, bool]]:
    """The body as (text, is_a_mention) runs, so mentions of members stand out."""
    names = {u.username for u in comment.mentions.all()}
    parts: list[tuple[str, bool]] = []
    last = 0
    for match in MENTION.finditer(comment.body):
        if match.group(1) not in names:
            continue
        parts += [(comment.body[last:match.start()], False), (match.group(0), True)]
        last = match.end()
    parts.append((comment.body[last:], False))
    return [p for p in parts if p[0]]


def _render_thread(
    request: AuthenticatedHttpRequest, thread: Thread, *, errors: list[str] | None = None, body: str = "",
    status: int = 200,
) -> HttpResponse:
    """The thread as a partial for htmx, or as a page of its own without it."""
    context: dict[str, Any] = {
        "thread": thread, "rows": [(c, mention_parts(c)) for c in thread.comments],
        "errors": errors or [], "body": body, "user_id": request.user.pk,
    }
    template = "_thread.html" if request.htmx else "thread_page.html"
    return render(request, TEMPLATES + template, context, status=status)


def _post(request: AuthenticatedHttpRequest, thread: Thread) -> HttpResponse:
    """Create the comment; on bad input the thread again with the message and the text kept."""
    body = request.POST.get("body", "")
    try:
        collab_services.comment_create(by=request.user, body=body, claim=thread.claim, question=thread.question)
    except ValidationError as exc:
        return _render_thread(request, thread, errors=list(exc.messages), body=body, status=422 if request.htmx else 200)
    if not request.htmx:
        return redirect(thread.post_url)
    fresh = (
        claim_thread_for_user(request.user, thread.claim.pk) if thread.claim is not None
        else question_thread_for_user(request.user, thread.question.pk)  # type: ignore[union-attr]
    )
    return _render_thread(request, fresh)


@member_view
@require_http_methods(["GET", "POST"])
def claim_comments(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """A claim's thread; POST adds a comment (with @mentions)."""
    thread = claim_thread_for_user(request.user, claim_id)
    return _post(request, thread) if request.method == "POST" else _render_thread(request, thread)


@member_view
@require_http_methods(["GET", "POST"])
def question_comments(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """A question's thread; POST adds a comment (with @mentions)."""
    thread = question_thread_for_user(request.user, question_id)
    return _post(request, thread) if request.method == "POST" else _render_thread(request, thread)


@member_view
@require_POST
def comment_delete(request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
    """Delete a comment (its author, or a reviewer), then show its thread again."""
    comment = comment_get_for_user(request.user, comment_id)
    collab_services.comment_delete(comment=comment, by=request.user)
    thread = (
        claim_thread_for_user(request.user, comment.claim_id) if comment.claim_id is not None
        else question_thread_for_user(request.user, comment.question_id)  # type: ignore[arg-type]
    )
    return _render_thread(request, thread) if request.htmx else redirect(thread.post_url)


# --- notifications -----------------------------------------------------------------------------


@member_view
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's notifications, newest first; ?unread=1 lists only the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    rows = [(n, notification_text(n), notification_url(n)) for n in notifications_for(request.user, unread_only=unread_only)]
    return render(request, TEMPLATES + "notifications.html", {
        "rows": rows, "unread_only": unread_only, "unread": notifications_unread_count(request.user),
    })


@member_view
@require_GET
def notifications_bell(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The header's bell with the unread count, fetched after the page so pages keep their queries."""
    return render(request, TEMPLATES + "_bell.html", {"unread": notifications_unread_count(request.user)})


@member_view
@require_POST
def notification_open(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Mark a notification read and go to what it is about (or back, with ?next=)."""
    note = notification_get_for_user(request.user, notification_id)
    collab_services.notification_mark_read(notification=note, by=request.user)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(notification_url(note))


@member_view
@require_POST
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark all the user's notifications read."""
    collab_services.notifications_mark_all_read(by=request.user)
    return redirect("ui:notifications")
