"""Read paths of the work queue: an annotator's assignments and what is still waiting for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from ..access import AuthUser, Capability, NotFound, User, can, require
from ..models import (
    Adjudication,
    Annotation,
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimStatus,
    Project,
    TaskKind,
)
from .counting import BoundedCount, Tally, tally

# Claims are shared by everyone who works an article, not kept per annotator, so a second
# finder would only re-read the first one's work: each article goes to one finder.
FINDERS_PER_ARTICLE = 1

OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.SKIPPED)


@dataclass(frozen=True)
class QueueKinds:
    """Which kinds of work the queue hands this user in this project."""

    judge: bool
    find: bool

    def __bool__(self) -> bool:
        return self.judge or self.find


def queue_kinds(project: Project, roles: frozenset[str], user: User) -> QueueKinds:
    """Judging needs the annotate capability, finding the find one; the project says which it asks."""
    judge = project.task_kind in (TaskKind.JUDGING, TaskKind.BOTH) and can(
        roles, Capability.ANNOTATE, user=user
    )
    find = project.task_kind in (TaskKind.FINDING, TaskKind.BOTH) and can(
        roles, Capability.FIND, user=user
    )
    return QueueKinds(judge=judge, find=find)


def _taken(field: str, **filters: object) -> Coalesce:
    """A correlated count of an item's assignments, whatever their status (0 when none)."""
    counts = (
        Assignment.objects.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts[:1]), 0, output_field=IntegerField())


def claims_open_to(project: Project, user: AuthUser) -> QuerySet[Claim]:
    """Accepted claims with a free judging slot the user has neither held nor judged; unchecked.

    The caller has authorised the user. Ordered as the queue hands them out: article, then span.
    """
    return (
        Claim.objects.filter(article__project=project, status=ClaimStatus.ACCEPTED)
        .exclude(Exists(Assignment.objects.filter(claim=OuterRef("pk"), annotator=user)))
        .exclude(Exists(Annotation.objects.filter(claim=OuterRef("pk"), annotator=user)))
        .exclude(Exists(Adjudication.objects.filter(claim=OuterRef("pk"))))
        .alias(taken=_taken("claim"))
        .filter(taken__lt=project.overlap)
        .order_by("article_id", "start", "end", "pk")
    )


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def claim_candidates(
    project: Project, user: AuthUser, *, exclude: Sequence[int] = (), limit: int, lock: bool = False,
    slots: bool = False, explain: bool = False,
) -> list[tuple]:
    """The first `limit` claims of claims_open_to in queue order: (article id, start, end, claim id).

    The queue's hot read, as one hand-written statement: the ORM spent longer building the same
    query than the database running it. It walks the project's articles in id order and each
    article's claims by span (the article's project index and claim_span_unique), so it stops
    after `limit` matches instead of sorting every claim of the project (a span is unique in its
    article, so the order is total). `lock` takes the rows FOR NO KEY UPDATE SKIP LOCKED
    (PostgreSQL; SQLite serialises writers instead). `slots` adds a fifth item, the slots of the
    claim's assignments as the statement saw them (a frozenset), so taking one needs no other read.
    tests/test_queue_queries.py checks it against claims_open_to. `explain` returns the plan's
    lines instead (bench/bench_queue.py).
    """
    q = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    excluded = ""
    if exclude:
        excluded = f" AND c.id NOT IN ({', '.join(['%s'] * len(exclude))})"
    locking = " FOR NO KEY UPDATE OF c SKIP LOCKED" if lock and postgresql else ""
    used = ""
    if slots:
        aggregate = "ARRAY(SELECT u.slot" if postgresql else "(SELECT group_concat(u.slot)"
        used = f", {aggregate} FROM {_table(Assignment)} u WHERE u.claim_id = c.id)"
    sql = (
        f"SELECT c.article_id, c.{q('start')}, c.{q('end')}, c.id{used}"
        f" FROM {_table(Claim)} c INNER JOIN {_table(Article)} a ON a.id = c.article_id"
        f" WHERE a.project_id = %s AND c.status = %s"
        f" AND NOT EXISTS (SELECT 1 FROM {_table(Assignment)} s WHERE s.claim_id = c.id AND s.annotator_id = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {_table(Annotation)} n WHERE n.claim_id = c.id AND n.annotator_id = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {_table(Adjudication)} j WHERE j.claim_id = c.id)"
        f" AND (SELECT COUNT(*) FROM {_table(Assignment)} t WHERE t.claim_id = c.id) < %s"
        f"{excluded} ORDER BY a.id, c.{q('start')}, c.{q('end')} LIMIT %s{locking}"
    )
    params: list[Any] = [project.pk, ClaimStatus.ACCEPTED.value, user.pk, user.pk, project.overlap, *exclude, limit]
    if explain:
        sql = ("EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN ") + sql
    with connection.cursor() as cursor:
        if not postgresql:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        elif connection.settings_dict["OPTIONS"].get("server_side_binding"):
            # Without statistics on the claim table (claims written since the last ANALYZE), the
            # planner expects a handful of matches and sorts them all, running the subqueries for
            # every claim of the project (135 ms at 10,000 claims instead of 0.9 ms): forbid the
            # sort for this statement, leaving the index walk. LOCAL: until the end of the
            # transaction, and reset right after.
            cursor.execute("SET LOCAL enable_sort = off")
            try:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            finally:
                cursor.execute("SET LOCAL enable_sort = DEFAULT")
        else:
            # The same three statements in one round trip: client-side binding (Django's default
            # for psycopg 3) sends them as one simple query; the SELECT's rows are the second result.
            cursor.execute(f"SET LOCAL enable_sort = off; {sql}; SET LOCAL enable_sort = DEFAULT", params)
            cursor.nextset()
            rows = cursor.fetchall()
    if explain or not slots:
        return [tuple(row) for row in rows]
    return [(*row[:4], _slots(row[4])) for row in rows]


def _slots(value: list[int] | str | None) -> frozenset[int]:
    """The slots column of claim_candidates: an array on PostgreSQL, "0,1" (or NULL) on SQLite."""
    if isinstance(value, str):
        return frozenset(int(slot) for slot in value.split(","))
    return frozenset(value or ())


def articles_open_to(project: Project, user: AuthUser) -> QuerySet[Article]:
    """Articles with a free finding slot the user has not held; unchecked (the caller authorised)."""
    return (
        Article.objects.filter(project=project)
        .exclude(
            Exists(Assignment.objects.filter(article=OuterRef("pk"), claim__isnull=True, annotator=user))
        )
        .alias(taken=_taken("article", claim__isnull=True))
        .filter(taken__lt=FINDERS_PER_ARTICLE)
        .order_by("pk")
    )


def assignment_get_for_user(user: User, assignment_id: int) -> Assignment:
    """One of the user's own assignments, with its project, article and claim."""
    if not user.is_authenticated:
        raise NotFound(gettext("No such assignment."))
    assignment = (
        Assignment.objects.select_related("project", "article", "claim")
        .filter(pk=assignment_id, annotator=user)
        .first()
    )
    if assignment is None:
        # Other people's assignments do not exist for this user.
        raise NotFound(gettext("No such assignment."))
    require(user, assignment.project, Capability.VIEW)
    return assignment


def assignment_current(user: User, project: Project) -> Assignment | None:
    """The user's open assignment in the project (the one "Next" returns), without claiming work."""
    require(user, project, Capability.VIEW)
    assert user.is_authenticated  # require() refused anonymous users
    return (
        Assignment.objects.filter(project=project, annotator=user, status=AssignmentStatus.ASSIGNED)
        .select_related("article", "claim")
        .order_by("created_at", "pk")
        .first()
    )


def assignments_pending(user: User, project: Project, *, limit: int = 50) -> list[Assignment]:
    """The user's open then skipped assignments, in the order the queue returns them."""
    require(user, project, Capability.VIEW)
    assert user.is_authenticated  # require() refused anonymous users
    rows = (
        Assignment.objects.filter(project=project, annotator=user, status__in=OPEN_STATUSES)
        .select_related("article__outlet", "claim")
        .defer("article__body")  # the list shows titles, never the text
        .order_by("status", "completed_at", "created_at", "pk")  # "assigned" sorts before "skipped"
    )
    return list(rows[:limit])


@dataclass(frozen=True)
class QueueCounts:
    """The user's queue in one project: their assignments by status, and new work still waiting."""

    open: int
    skipped: int
    done: int
    # New work still waiting stops at COUNT_CAP ("1000+"): the page never counts a whole project.
    waiting_claims: Tally  # claims the user could still be handed
    waiting_articles: Tally  # articles the user could still be handed to find claims in

    @property
    def waiting(self) -> Tally:
        return Tally(self.waiting_claims + self.waiting_articles,
                     more=self.waiting_claims.more or self.waiting_articles.more)


def queue_counts(
    user: User, project: Project, roles: frozenset[str] | None = None,
    statuses: tuple[int, int, int] | None = None,
) -> QueueCounts:
    """Counts for the project page; at most two queries, each bounded whatever the project's size.

    `statuses`, the user's open, skipped and done assignments when the caller has counted them
    already (the project's overview does), saves one.
    """
    if roles is None:
        roles = require(user, project, Capability.VIEW)
    else:
        # The caller fetched the roles; an outsider still learns nothing.
        if not can(roles, Capability.VIEW, user=user):
            raise NotFound(gettext("No such project."))
    assert user.is_authenticated  # anonymous users have no roles, nor a superuser's rights
    kinds = queue_kinds(project, roles, user)
    if statuses is None:
        by_status = dict(
            Assignment.objects.filter(project=project, annotator=user)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        statuses = (
            by_status.get(AssignmentStatus.ASSIGNED, 0), by_status.get(AssignmentStatus.SKIPPED, 0),
            by_status.get(AssignmentStatus.DONE, 0),
        )
    open_, skipped, done = statuses
    # Both kinds of waiting work in one query, each a bounded count of its own.
    counts: dict[str, BoundedCount] = {}
    if kinds.judge:
        counts["n_waiting_claims"] = BoundedCount(claims_open_to(project, user))
    if kinds.find:
        counts["n_waiting_articles"] = BoundedCount(articles_open_to(project, user))
    waiting: dict[str, int] = {}
    if counts:
        row = Project.objects.filter(pk=project.pk).annotate(**counts).values_list(*counts).get()
        waiting = dict(zip(counts, row, strict=True))
    return QueueCounts(
        open=open_, skipped=skipped, done=done,
        waiting_claims=tally(waiting.get("n_waiting_claims", 0)),
        waiting_articles=tally(waiting.get("n_waiting_articles", 0)),
    )
