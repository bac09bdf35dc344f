"""Handing out work: claims to judge and articles to find claims in, `overlap` annotators a claim.

Each item has numbered slots (0..overlap-1 for a claim, one for an article) and an assignment
holds one of them. Two annotators asking at the same instant never get the same slot:

- on PostgreSQL the candidate rows are read with SELECT … FOR NO KEY UPDATE SKIP LOCKED, so
  concurrent requests look at different items instead of queueing on the same one ("no key",
  so inserting an assignment that references a locked claim does not wait for the lock);
- on SQLite transactions are IMMEDIATE, so writers are serialised;
- on both, the unique (item, slot) and (item, annotator) constraints are the last line of
  defence: an insert that loses a race writes nothing (INSERT … ON CONFLICT DO NOTHING) and
  the next slot or candidate is tried.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from ..access import AuthUser, Capability, NotFound, allow, can, require, roles_for
from ..models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimStatus,
    Membership,
    Project,
)
from ..selectors.assignments import (
    FINDERS_PER_ARTICLE,
    OPEN_STATUSES,
    QueueKinds,
    articles_open_to,
    claim_candidates,
    queue_kinds,
)
from .common import columns_of

BATCH = 8  # candidates locked per round; most requests take the first one


def _kinds(project: Project, by: AuthUser, roles: frozenset[str]) -> QueueKinds:
    """What the queue may hand this user here, or PermissionDenied (NotFound for outsiders)."""
    kinds = queue_kinds(project, allow(by, roles, Capability.VIEW), by)
    if not kinds:
        raise PermissionDenied(gettext("Your role in this project gets no work from the queue."))
    return kinds


def _refuse_inactive(by: AuthUser) -> None:
    """Anonymous and deactivated users hold no role anywhere: the project is not theirs to see."""
    if not by.is_authenticated or not by.is_active:
        raise NotFound(gettext("No such project."))


def _locked_memberships(by: AuthUser, **where: object) -> QuerySet[Membership]:
    """The user's membership rows matching `where`, locked until the transaction ends.

    Serialises one annotator's own requests (a double-clicked Next), so one item is open at a
    time; other annotators' requests are not held up: each locks only their own rows.
    """
    _refuse_inactive(by)
    # order_by(): the default ordering joins the project, which FOR UPDATE would lock as well.
    return Membership.objects.select_for_update(no_key=True, of=("self",)).filter(user=by, **where).order_by()


def _lock_annotator(project: Project, by: AuthUser) -> frozenset[str]:
    """Lock the user's memberships here and return their roles (one statement, no other query)."""
    return frozenset(_locked_memberships(by, project=project).values_list("role", flat=True))


def _lock_annotator_in(slug: str, by: AuthUser) -> tuple[Project, frozenset[str]]:
    """_lock_annotator for a project named by slug: the project comes with the locking read.

    Hand-written, as claim_candidates: the ORM took longer to build this statement (a join and
    a row lock) than PostgreSQL to run it, on every Next. The same rows, columns and lock as
    _locked_memberships(by, project__slug=slug).select_related("project").
    """
    _refuse_inactive(by)
    q = connection.ops.quote_name
    columns = ", ".join(columns_of("p", Project))
    locking = " FOR NO KEY UPDATE OF m" if connection.vendor == "postgresql" else ""
    projects = list(Project.objects.raw(
        f"SELECT {columns}, m.{q('role')} AS caller_role FROM {q(Membership._meta.db_table)} m"
        f" INNER JOIN {q(Project._meta.db_table)} p ON p.id = m.project_id"
        f" WHERE m.user_id = %s AND p.slug = %s{locking}",
        [by.pk, slug],
    ))
    if projects:  # a row per role; caller_role: the statement's extra column
        return projects[0], frozenset(getattr(p, "caller_role") for p in projects)
    # No role here: an outsider (refused by _kinds) or a superuser, who has nothing to lock.
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise NotFound(gettext("No such project."))
    return project, frozenset()


def _open_assignment(project: Project, by: AuthUser) -> Assignment | None:
    """The user's open assignment, once the slots of claims rejected since they were handed out
    (held or skipped: they can no longer be judged) are freed; one read, and a delete when needed.

    Hand-written, as claim_candidates: building it with the ORM took longer than running it.
    """
    q = connection.ops.quote_name
    columns = ", ".join(columns_of("a", Assignment))
    rows = list(Assignment.objects.raw(
        f"SELECT {columns}, c.status AS claim_status FROM {q(Assignment._meta.db_table)} a"
        f" LEFT JOIN {q(Claim._meta.db_table)} c ON c.id = a.claim_id"
        " WHERE a.project_id = %s AND a.annotator_id = %s"
        " AND (a.status = %s OR (a.status = %s AND c.status <> %s))"  # held, or skipped and stale
        " ORDER BY a.created_at, a.id",
        [project.pk, by.pk, AssignmentStatus.ASSIGNED.value, AssignmentStatus.SKIPPED.value,
         ClaimStatus.ACCEPTED.value],
    ))
    stale = [  # claim_status: the query's extra column
        a.pk for a in rows if a.claim_id is not None and getattr(a, "claim_status") != ClaimStatus.ACCEPTED
    ]
    if stale:
        Assignment.objects.filter(pk__in=stale).delete()
    return next((a for a in rows if a.status == AssignmentStatus.ASSIGNED and a.pk not in stale), None)


def _insert(
    project: Project, by: AuthUser, *, article_id: int, claim_id: int | None,
    capacity: int, status: str = AssignmentStatus.ASSIGNED, used: frozenset[int] | None = None,
) -> Assignment | None:
    """Take the lowest free slot of the item, or None when it is full or already the user's.

    `used`: the item's slots as the candidate search read them (read here otherwise).
    """
    item = {"claim_id": claim_id} if claim_id is not None else {
        "article_id": article_id, "claim__isnull": True,
    }
    for _attempt in range(capacity):
        if used is None:
            used = frozenset(Assignment.objects.filter(**item).order_by().values_list("slot", flat=True))
        free = [slot for slot in range(capacity) if slot not in used]
        if not free:
            return None
        assignment = Assignment(
            project=project, article_id=article_id, claim_id=claim_id, annotator=by,
            slot=free[0], status=status, created_at=timezone.now(),
        )
        if status == AssignmentStatus.DONE:
            assignment.completed_at = assignment.created_at
        if _insert_unless_taken(assignment):
            return assignment
        # Someone took that slot between our read and our insert; look again.
        if Assignment.objects.filter(**item, annotator=by).exists():
            return None
        used = None
    return None


_ASSIGNMENT_FIELDS = [f for f in Assignment._meta.concrete_fields if not f.primary_key]


def _insert_unless_taken(assignment: Assignment) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: False (nothing written) when the slot, or the
    item for this annotator, is already taken (the unique constraints). Unlike a failed INSERT,
    it leaves the transaction usable, so it needs no savepoint (two round trips fewer)."""
    q = connection.ops.quote_name
    columns = ", ".join(q(cast(str, f.column)) for f in _ASSIGNMENT_FIELDS)  # concrete: never None
    values = [f.get_db_prep_save(getattr(assignment, f.attname), connection) for f in _ASSIGNMENT_FIELDS]
    sql = (
        f"INSERT INTO {q(Assignment._meta.db_table)} ({columns})"
        f" VALUES ({', '.join(['%s'] * len(values))}) ON CONFLICT DO NOTHING RETURNING {q('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    assignment.pk = row[0]
    assignment._state.adding = False
    assignment._state.db = connection.alias
    return True


def _candidates(
    project: Project, by: AuthUser, kinds: QueueKinds, *, tried: set[tuple[str, int]],
    locked: bool,
) -> list[tuple[tuple, str, int, int, frozenset[int] | None]]:
    """The next few items in queue order: (sort key, kind, article id, item id, slots or None).

    `locked` takes row locks, skipping rows other transactions hold (PostgreSQL; SQLite ignores it).
    """
    found: list[tuple[tuple, str, int, int, frozenset[int] | None]] = []
    last_keys: list[tuple] = []  # where a truncated list stops: nothing beyond it is known yet
    if kinds.judge:
        rows = claim_candidates(
            project, by, exclude=sorted(i for k, i in tried if k == "claim"), limit=BATCH, lock=locked,
            slots=True,
        )
        found += [((a, 1, s, e, pk), "claim", a, pk, used) for a, s, e, pk, used in rows]
        if len(rows) == BATCH:
            last_keys.append(found[-1][0])
    if kinds.find:
        articles = articles_open_to(project, by).exclude(
            pk__in=[i for k, i in tried if k == "article"]
        )
        if locked:
            articles = articles.select_for_update(skip_locked=True, no_key=True, of=("self",))
        ids = list(articles.values_list("pk", flat=True)[:BATCH])
        # An article's finding comes before judging its claims.
        found += [((a, 0, 0, 0, 0), "article", a, a, None) for a in ids]
        if len(ids) == BATCH:
            last_keys.append((ids[-1], 0, 0, 0, 0))
    found.sort()
    if last_keys:
        stop = min(last_keys)
        found = [c for c in found if c[0] <= stop]
    return found


def _claim_new(project: Project, by: AuthUser, kinds: QueueKinds) -> Assignment | None:
    """Take a slot of the first available item in queue order, or None when nothing is left."""
    tried: set[tuple[str, int]] = set()
    # First pass: skip rows others hold. Second pass, unlocked: items that were only skipped
    # because another request held them may still have a free slot once it committed.
    for locked in (True, False):
        while batch := _candidates(project, by, kinds, tried=tried, locked=locked):
            for _key, kind, article_id, item_id, used in batch:
                tried.add((kind, item_id))
                assignment = _insert(
                    project, by, article_id=article_id,
                    claim_id=item_id if kind == "claim" else None,
                    capacity=project.overlap if kind == "claim" else FINDERS_PER_ARTICLE,
                    used=used,
                )
                if assignment is not None:
                    return assignment
    return None


@transaction.atomic
def assignment_next(*, project: Project, by: AuthUser) -> Assignment | None:
    """The user's open assignment, else a new slot, else the oldest skipped one; None when done.

    Idempotent until the open assignment is finished or skipped. Skipped work comes back only
    once nothing new is left, in the order it was skipped.
    """
    return _next(project, by, _lock_annotator(project, by))


@transaction.atomic
def assignment_next_in(*, slug: str, by: AuthUser) -> tuple[Project, Assignment | None]:
    """assignment_next for the project named by `slug`, found by the same locking read (Next's
    hot path: no separate read of the project and the caller's roles); NotFound as for a read."""
    project, roles = _lock_annotator_in(slug, by)
    return project, _next(project, by, roles)


def _next(project: Project, by: AuthUser, roles: frozenset[str]) -> Assignment | None:
    """assignment_next once the caller's memberships are locked and their roles read."""
    kinds = _kinds(project, by, roles)
    current = _open_assignment(project, by)
    if current is not None:
        return current
    new = _claim_new(project, by, kinds)
    if new is not None:
        _commit_without_waiting()
        return new
    skipped = (
        Assignment.objects.filter(project=project, annotator=by, status=AssignmentStatus.SKIPPED)
        .order_by("completed_at", "pk").first()
    )
    if skipped is not None:
        skipped.status = AssignmentStatus.ASSIGNED
        skipped.completed_at = None
        skipped.save(update_fields=["status", "completed_at"])
    return skipped


def _commit_without_waiting() -> None:
    """On PostgreSQL, let this transaction's COMMIT return before its WAL reaches the disk.

    A new assignment is cheap to lose: PostgreSQL's asynchronous commit may forget it if the
    server crashes in the next fraction of a second (it never leaves the data inconsistent, and
    any later ordinary commit, such as the verdict, makes it durable), and the claim is then
    handed out again. Waiting for the flush is ~4 ms of every Next here. SQLite: nothing to do.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _own(assignment: Assignment, by: AuthUser) -> Assignment:
    """The user's own assignment, locked; anyone else's does not exist for them."""
    if not by.is_authenticated:
        raise NotFound(gettext("No such assignment."))
    current = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=assignment.pk, annotator_id=by.pk)
        .order_by()
        .first()
    )
    if current is None:
        raise NotFound(gettext("No such assignment."))
    require(by, current.project, Capability.VIEW)
    return current


@transaction.atomic
def assignments_release(*, project: Project, user: AuthUser) -> int:
    """Free the open slots (held or skipped) of work the user's remaining roles no longer get.

    Called when a role is taken away: otherwise the slots stay held by someone who can never
    finish them, and the claims never reach their overlap. Finished work is kept.
    """
    kinds = queue_kinds(project, roles_for(user, project), user)
    held = Assignment.objects.filter(project=project, annotator=user, status__in=OPEN_STATUSES)
    if kinds.judge and kinds.find:
        return 0
    if kinds.judge:
        held = held.filter(claim__isnull=True)
    elif kinds.find:
        held = held.filter(claim__isnull=False)
    deleted, _ = held.delete()
    return deleted


def assignment_skip(*, assignment: Assignment, by: AuthUser) -> Assignment:
    """Put the item aside: it keeps its slot and comes back after the other work."""
    current = _own(assignment, by)
    if current.status == AssignmentStatus.DONE:
        raise ValidationError({"assignment": gettext("This work is already done.")})
    current.status = AssignmentStatus.SKIPPED
    # completed_at records when the item last left the annotator's hands: the skipped queue's order.
    current.completed_at = timezone.now()
    current.save(update_fields=["status", "completed_at"])
    return current


@transaction.atomic
def assignment_complete(*, assignment: Assignment, by: AuthUser) -> Assignment:
    """Mark the work done: an article once the finder says so, a claim once it has their verdict."""
    current = _own(assignment, by)
    if current.status == AssignmentStatus.DONE:
        return current
    roles = require(by, current.project, Capability.VIEW)
    if current.claim_id is None:
        if not can(roles, Capability.FIND, user=by):
            raise PermissionDenied(gettext("Your role in this project does not allow you to find."))
    elif not Annotation.objects.filter(
        claim_id=current.claim_id, annotator=by, verdict__isnull=False
    ).exists():
        raise ValidationError({"verdict": gettext("Give the claim a verdict before marking it done.")})
    current.status = AssignmentStatus.DONE
    current.completed_at = timezone.now()
    current.save(update_fields=["status", "completed_at"])
    return current


# The assignment's columns a claim query reads for ClaimSlots.of: one row per assignment of the claim.
SLOT_COLUMNS = ("annotator_id", "slot", "status")


@dataclass(frozen=True)
class ClaimSlots:
    """One annotator's place among a claim's judging slots, read while the claim is locked."""

    mine: str | None  # the status of their assignment on the claim; None when they hold none
    used: frozenset[int]  # the slots held by anyone, whatever their status

    @classmethod
    def of(cls, rows: Iterable[Sequence], annotator_id: int) -> ClaimSlots:
        """From (annotator id, slot, status) rows of SLOT_COLUMNS (None for a claim without)."""
        held = {slot: (annotator, status) for annotator, slot, status in rows if slot is not None}
        mine = next((status for annotator, status in held.values() if annotator == annotator_id), None)
        return cls(mine=mine, used=frozenset(held))


def assignment_record_verdict(*, claim: Claim, annotation: Annotation, slots: ClaimSlots) -> None:
    """Hook of annotation_save: a verdict finishes the annotator's slot on the claim.

    A verdict given outside the queue takes the lowest free slot, already done, so that overlap
    counts everyone who judged the claim; when every slot is taken it is extra work and takes
    none. Call inside the saving transaction, with `slots` read under the claim's lock. The slot
    is inserted without a savepoint: the lock keeps other verdicts out, and an insert that still
    loses a race (to the queue's unlocked pass) raises IntegrityError, on which annotation_save
    replays the whole save.
    """
    if annotation.verdict_id is None or slots.mine == AssignmentStatus.DONE:
        return
    if slots.mine is not None:
        Assignment.objects.filter(
            claim_id=claim.pk, annotator_id=annotation.annotator_id, status__in=OPEN_STATUSES
        ).update(status=AssignmentStatus.DONE, completed_at=timezone.now())
        return
    project = claim.article.project
    slot = next((s for s in range(project.overlap) if s not in slots.used), None)
    if slot is None:
        return
    Assignment.objects.create(
        project_id=project.pk, article_id=claim.article_id, claim_id=claim.pk,
        annotator_id=annotation.annotator_id, slot=slot, status=AssignmentStatus.DONE,
        completed_at=timezone.now(),
    )
