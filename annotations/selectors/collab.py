"""Read paths of collaboration: comment threads under the claim's visibility, and notifications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext

from ..access import Capability, NotFound, User, require
from ..models import (
    Adjudication,
    CheckQuestion,
    Claim,
    Comment,
    Membership,
    Notification,
    NotificationKind,
    Project,
    Role,
)
from .article_page import claim_visible_to
from .visibility import REVIEWING, _is_admin

NOTIFICATIONS_PAGE = 50
DISCUSSING = frozenset({Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER})  # who may read and post comments


def comment_blind_for(project: Project, roles: frozenset[str], claim: Claim | None, user: User) -> bool:
    """Whether the blind rule limits what the user sees of the thread (own and reviewers' only)."""
    if not project.blind or _is_admin(user) or roles & REVIEWING:
        return False
    if claim is None:
        return True
    return not Adjudication.objects.filter(claim=claim).exists()


@dataclass
class Thread:
    """A claim's or a question's comments as the user may see them, and whom they may mention."""

    project: Project
    claim: Claim | None
    question: CheckQuestion | None
    comments: list[Comment]
    blind: bool  # the user sees only their own and reviewers' comments
    may_moderate: bool  # may delete others' comments (reviewers, managers)
    members: list[tuple[str, str]]  # (username, role) the user may mention

    @property
    def post_url(self) -> str:
        if self.claim is not None:
            return reverse("ui:claim_comments", args=[self.claim.pk])
        assert self.question is not None
        return reverse("ui:question_comments", args=[self.question.pk])

    @property
    def dom_id(self) -> str:
        return f"comments-claim-{self.claim.pk}" if self.claim is not None else f"comments-question-{self.question.pk}"  # type: ignore[union-attr]


def _thread(user: User, project: Project, claim: Claim | None, question: CheckQuestion | None) -> Thread:
    """The thread of a claim or question the caller has already loaded."""
    roles = require(user, project, Capability.FIND)
    assert user.is_authenticated  # require() refused anonymous users
    comments = Comment.objects.filter(claim=claim) if claim is not None else Comment.objects.filter(question=question)
    blind = comment_blind_for(project, roles, claim, user)
    if blind:
        reviewers = Membership.objects.filter(project=project, user=OuterRef("author"), role__in=list(REVIEWING))
        comments = comments.filter(Q(author=user) | Exists(reviewers))
    comments = comments.select_related("author").prefetch_related("mentions")
    return Thread(
        project=project, claim=claim, question=question, comments=list(comments), blind=blind,
        may_moderate=bool(roles & REVIEWING) or _is_admin(user),
        members=mentionable_members(project, exclude=user, reviewers_only=blind),
    )


def claim_thread_for_user(user: User, claim_id: int) -> Thread:
    """The comments of a claim the user may see (those who find claims; researchers are refused)."""
    # Suggestions exist only for those who find claims: to others they are missing, not refused.
    claim, _perms = claim_visible_to(user, claim_id)
    return _thread(user, claim.article.project, claim, None)


def question_thread_for_user(user: User, question_id: int) -> Thread:
    """The comments of a check question the user may see."""
    question = CheckQuestion.objects.select_related("project").filter(pk=question_id).first()
    if question is None:
        raise NotFound(gettext("No such question."))
    return _thread(user, question.project, None, question)


def comment_get_for_user(user: User, comment_id: int) -> Comment:
    """A comment the user may see (its thread's rules apply)."""
    comment = Comment.objects.select_related("project", "claim", "question").filter(pk=comment_id).first()
    if comment is None:
        raise NotFound(gettext("No such comment."))
    thread = _thread(user, comment.project, comment.claim, comment.question)
    if comment.pk not in {c.pk for c in thread.comments}:
        raise NotFound(gettext("No such comment."))
    return comment


def mentionable_members(project: Project, *, exclude: User | None = None, reviewers_only: bool = False) -> list[tuple[str, str]]:
    """(username, role label) of the members a comment may mention, for the mention buttons (one query)."""
    roles = REVIEWING if reviewers_only else DISCUSSING
    rows = Membership.objects.filter(project=project, role__in=list(roles), user__is_active=True)
    if exclude is not None and exclude.is_authenticated:
        rows = rows.exclude(user_id=exclude.pk)
    found: dict[str, str] = {}
    for username, role in rows.order_by("user__username", "role").values_list("user__username", "role"):
        # The label, translated for the reader: it is shown as the button's tooltip.
        found.setdefault(username, str(Role(role).label))
    return list(found.items())


# --- notifications -----------------------------------------------------------------------------


def _mine(user: User) -> QuerySet[Notification]:
    """The user's notifications about projects they still belong to."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=user.pk)
    if _is_admin(user):
        return qs
    return qs.filter(Exists(Membership.objects.filter(user_id=user.pk, project=OuterRef("project"))))


def notifications_listable(user: User) -> QuerySet[Notification]:
    """The user's notifications, for the API's paginated list."""
    return _mine(user)


def notifications_for(user: User, *, unread_only: bool = False, limit: int = NOTIFICATIONS_PAGE) -> list[Notification]:
    """The user's latest notifications, newest first (one query)."""
    qs = _mine(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(
        qs.select_related("project", "actor", "claim__article", "question", "job", "release", "comment")[:limit]
    )


def notifications_unread_count(user: User) -> int:
    """How many of the user's notifications are unread (one query; 0 for anonymous users)."""
    return _mine(user).filter(read_at__isnull=True).count()


def notification_get_for_user(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's does not exist for them."""
    note = _mine(user).filter(pk=notification_id).select_related("claim__article", "question", "job", "release").first()
    if note is None:
        raise NotFound(gettext("No such notification."))
    return note


def notification_url(note: Notification) -> str:
    """Where a notification leads: the claim, the question, the release or the job."""
    if note.claim_id is not None:
        return reverse("ui:article", args=[note.claim.article_id]) + f"?claim={note.claim_id}"  # type: ignore[union-attr]
    if note.question_id is not None:
        return reverse("ui:question", args=[note.question_id])
    if note.release_id is not None:
        return reverse("ui:release", args=[note.release_id])
    if note.job_id is not None:
        return reverse("ui:job", args=[note.job_id])
    return reverse("ui:project", args=[note.project.slug])


def notification_text(note: Notification) -> str:
    """The notification as one sentence in the active language."""
    actor = note.actor.get_username() if note.actor is not None else gettext("Someone")
    if note.kind == NotificationKind.MENTION:
        where = (
            gettext("claim “%(text)s”") % {"text": _short(note.claim.quote)} if note.claim is not None
            else gettext("question “%(text)s”") % {"text": _short(note.question.text if note.question else "")}
        )
        return gettext("%(actor)s mentioned you on %(where)s.") % {"actor": actor, "where": where}
    if note.kind == NotificationKind.ADJUDICATED:
        return gettext("A claim you judged has its final verdict: “%(text)s”.") % {
            "text": _short(note.claim.quote if note.claim else "")
        }
    if note.kind == NotificationKind.DISAGREEMENT:
        return gettext("Annotators disagree on “%(text)s”: it waits for review.") % {
            "text": _short(note.claim.quote if note.claim else "")
        }
    if note.kind == NotificationKind.RELEASE_READY:
        return gettext("Release %(version)s of %(project)s is ready.") % {
            "version": note.release.version if note.release else "", "project": note.project.name,
        }
    if note.kind == NotificationKind.JOB_FINISHED and note.job is not None:
        if note.job.status == "succeeded":
            return gettext("Your job “%(kind)s” finished.") % {"kind": note.job.get_kind_display()}
        return gettext("Your job “%(kind)s” failed: %(error)s") % {
            "kind": note.job.get_kind_display(), "error": note.job.error,
        }
    return str(note.get_kind_display())


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
