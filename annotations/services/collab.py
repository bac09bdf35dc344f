"""Write paths of collaboration: comments with mentions, and notifications (in the app, by e-mail)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..access import AuthUser, Capability, require
from ..models import (
    COMMENT_MAX_CHARS,
    Adjudication,
    Annotation,
    CheckQuestion,
    Claim,
    Comment,
    Job,
    JobKind,
    JobStatus,
    Membership,
    Notification,
    NotificationKind,
    Project,
    Role,
)

log = logging.getLogger(__name__)

REVIEWING = frozenset({Role.REVIEWER, Role.MANAGER})

# @username as Django allows it (letters, digits, @.+-_), not ending on the sentence's full stop.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]*[\w+-])")


def mentioned_usernames(body: str) -> list[str]:
    """The usernames a comment names with @, each once, in order of appearance."""
    return list(dict.fromkeys(MENTION.findall(body)))


def _members_roles(project: Project, usernames: list[str]) -> dict[str, tuple[AuthUser, set[str]]]:
    """The named users who belong to the project, with their roles there (one query)."""
    found: dict[str, tuple[AuthUser, set[str]]] = {}
    rows = Membership.objects.filter(project=project, user__username__in=usernames, user__is_active=True)
    for membership in rows.select_related("user"):
        user, roles = found.setdefault(membership.user.username, (membership.user, set()))
        roles.add(membership.role)
    return found


@transaction.atomic
def comment_create(
    *, by: AuthUser, body: str, claim: Claim | None = None, question: CheckQuestion | None = None
) -> Comment:
    """Post a comment on a claim or a question; every @mention must be a member who may read it."""
    if (claim is None) == (question is None):
        raise ValueError("A comment is on a claim or on a question, not both or neither.")
    # Imported here: selectors import the adjudication services, which import this module's hooks.
    from ..selectors.collab import DISCUSSING, comment_blind_for

    project = claim.article.project if claim is not None else question.project  # type: ignore[union-attr]
    roles = require(by, project, Capability.FIND)
    text = body.strip()
    if not text:
        raise ValidationError({"body": gettext("Write a comment first.")})
    if len(text) > COMMENT_MAX_CHARS:
        raise ValidationError({"body": gettext("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX_CHARS}})
    names = mentioned_usernames(text)
    members = _members_roles(project, names)
    errors = []
    author_blind = comment_blind_for(project, roles, claim, by)
    for name in names:
        if name not in members or not members[name][1] & DISCUSSING:
            errors.append(gettext("@%(name)s is not a member of this project who can read comments.") % {"name": name})
        elif author_blind and not members[name][1] & REVIEWING and members[name][0].pk != by.pk:
            # The mentioned annotator would not see the comment: blind until adjudicated.
            errors.append(
                gettext(
                    "@%(name)s cannot read your comment: in this blind project annotators see only "
                    "their own and reviewers' comments until the claim is adjudicated."
                ) % {"name": name}
            )
    if errors:
        raise ValidationError({"body": errors})
    comment = Comment(project=project, claim=claim, question=question, author=by, body=text)
    comment.full_clean()
    comment._history_user = by  # type: ignore[attr-defined]
    comment.save()
    mentioned = [members[name][0] for name in names]
    comment.mentions.set(mentioned)
    notify(
        users=[u for u in mentioned if u.pk != by.pk], kind=NotificationKind.MENTION, project=project,
        actor=by, claim=claim, question=question, comment=comment,
    )
    return comment


def comment_delete(*, comment: Comment, by: AuthUser) -> None:
    """Delete one's own comment (reviewers and managers may delete any)."""
    roles = require(by, comment.project_id, Capability.FIND)
    if comment.author_id != by.pk and not (roles & REVIEWING or by.is_superuser):
        raise PermissionDenied(gettext("Only its author or a reviewer may delete a comment."))
    comment._history_user = by  # type: ignore[attr-defined]
    comment.delete()


# --- notifications -----------------------------------------------------------------------------


def notify(
    *,
    users: Iterable[AuthUser],
    kind: str,
    project: Project,
    actor: AuthUser | None = None,
    claim: Claim | None = None,
    question: CheckQuestion | None = None,
    comment: Comment | None = None,
    job: Job | None = None,
    release: object | None = None,
) -> list[Notification]:
    """Record a notification for each user (once each), and e-mail them after commit if enabled."""
    unique = list({u.pk: u for u in users if u.is_active}.values())
    if not unique:
        return []
    rows = Notification.objects.bulk_create([
        Notification(
            user=u, project=project, kind=kind, actor=actor, claim=claim, question=question,
            comment=comment, job=job, release=release,  # type: ignore[misc]
        )
        for u in unique
    ])
    if settings.NOTIFY_BY_EMAIL:
        # After commit: a rolled-back event sends nothing (bulk_create returns the ids on
        # PostgreSQL and SQLite alike).
        ids = [n.pk for n in rows]
        transaction.on_commit(lambda: notifications_email(ids))
    return rows


def notifications_email(ids: list[int]) -> int:
    """Send each notification to its user's address (users without one are skipped); the count sent."""
    from ..selectors.collab import notification_text, notification_url

    sent = 0
    rows = Notification.objects.filter(pk__in=ids).select_related(
        "user", "project", "actor", "claim__article", "question", "job", "release"
    )
    for note in rows:
        if not note.user.email:
            continue
        link = settings.WORKBENCH_URL.rstrip("/") + notification_url(note)
        try:
            sent += send_mail(
                subject=f"[{note.project.name}] {note.get_kind_display()}",
                message=f"{notification_text(note)}\n\n{link}\n",
                from_email=None,
                recipient_list=[note.user.email],
            )
        except OSError:
            # The mail server being down must never undo or fail the work that notified.
            log.exception("could not e-mail notification %s", note.pk)
    return sent


def notification_mark_read(*, notification: Notification, by: AuthUser) -> Notification:
    """Mark one of the user's notifications read."""
    if notification.user_id != by.pk:
        raise PermissionDenied(gettext("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, by: AuthUser) -> int:
    """Mark all the user's notifications read; how many were unread."""
    return Notification.objects.filter(user=by, read_at__isnull=True).update(read_at=timezone.now())


# --- hooks called by the services where the events happen --------------------------------------


def _holders(project: Project | int, roles: Iterable[str]) -> list[AuthUser]:
    """The project's active members holding one of the roles."""
    return list(
        get_user_model().objects.filter(
            memberships__project=project, memberships__role__in=list(roles), is_active=True
        ).distinct()
    )


def notify_adjudicated(*, claim: Claim, by: AuthUser | None) -> None:
    """Tell the claim's annotators that it has its final verdict."""
    annotators = get_user_model().objects.filter(
        pk__in=Annotation.objects.filter(claim=claim).exclude(annotator=by).values("annotator")
    )
    notify(users=annotators, kind=NotificationKind.ADJUDICATED, project=claim.article.project, actor=by, claim=claim)


def notify_disagreement(
    *, claim: Claim, before: Iterable[int | None], after: Iterable[int | None], by: AuthUser,
    adjudicated: bool | None = None,
) -> None:
    """Tell the reviewers when a save turns an agreeing claim into a disagreement.

    `adjudicated`: whether the claim has its final verdict, when the caller knows (read otherwise).
    """
    if len({v for v in before if v is not None}) > 1 or len({v for v in after if v is not None}) < 2:
        return
    if adjudicated is None:
        adjudicated = Adjudication.objects.filter(claim=claim).exists()
    if adjudicated:
        return
    project = claim.article.project
    notify(users=_holders(project, REVIEWING), kind=NotificationKind.DISAGREEMENT, project=project, actor=by, claim=claim)


def notify_job_finished(job: Job) -> None:
    """Tell who started the job that it ended; a release build also tells who reads releases."""
    if job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return
    project = job.project
    if job.created_by is not None:
        notify(users=[job.created_by], kind=NotificationKind.JOB_FINISHED, project=project, job=job)
    if job.kind == JobKind.EXPORT and job.status == JobStatus.SUCCEEDED:
        release = getattr(job, "release", None)
        if release is not None:
            readers = _holders(project, {Role.RESEARCHER, Role.REVIEWER, Role.MANAGER})
            readers = [u for u in readers if u.pk != job.created_by_id]
            notify(users=readers, kind=NotificationKind.RELEASE_READY, project=project, job=job, release=release)

