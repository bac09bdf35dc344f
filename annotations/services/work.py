"""Write paths for judging claims: annotations and evidence (adjudications: .adjudication)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from ..access import AuthUser, Capability, NotFound, StaleVersion, can, require
from ..models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    Assignment,
    Claim,
    ClaimStatus,
    Evidence,
    Membership,
    Project,
    Stance,
    Verdict,
)
from ..selectors.visibility import REVIEWING, verdict_of_project
from .collab import notify_disagreement
from .common import attnames_of, columns_of, from_row
from .assignments import SLOT_COLUMNS, ClaimSlots, assignment_record_verdict
# claim_adjudicate lives with the other adjudication services; callers still import it from here.
from .adjudication import (  # noqa: F401
    adjudication_auto,
    adjudication_auto_apply,
    adjudication_auto_due,
    claim_adjudicate,
)

T = TypeVar("T")


# --- annotations ------------------------------------------------------------------------------
#
# Saving a verdict is the hottest write path, so each save reads what it needs in two statements:
# 1. the claim, locked (SELECT … FOR NO KEY UPDATE OF the claim), with the few columns of its article
#    and project the save uses, the caller's memberships there (a row per role) and, for the
#    API, the verdict named by its code;
# 2. once the lock is held, the claim's annotations, adjudication and assignments (LEFT JOINs).
# Then it writes the annotation (INSERT, or UPDATE … WHERE version = the one named) and its
# history row, and the annotator's slot. Auto-adjudication only runs when the claim is (or was)
# unanimous. The claim's lock is what every save of the claim queues on: of two annotators
# saving at once, the second reads the first one's verdict in step 2, so unanimity is never
# missed. On SQLite, IMMEDIATE transactions serialise writers instead. Joins rather than
# subqueries keep the ORM's own work (building and compiling the SQL) small as well.

# What the save reads of the claim and its project; nothing else is loaded.
_CLAIM_ONLY = ("status", "article__project", "article__project__scheme", "article__project__overlap",
               "article__project__blind", "article__project__auto_accept_unanimous")
# What full_clean() would check with a query per foreign key: the save checks these itself.
_CHECKED_HERE = ("claim", "annotator", "verdict")
_FIELDS = tuple(f.name for f in Annotation._meta.concrete_fields)
_ATTNAMES = attnames_of(Annotation)
_ATTEMPTS = 3  # a save that lost an insert race is replayed (see assignment_record_verdict)

R = TypeVar("R", Claim, Annotation)


class Keep(Enum):
    """A field annotation_update leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def _replayed(save: Callable[[], T]) -> T:
    """Run the save in a transaction of its own; replay it if an insert lost a race."""
    for _attempt in range(_ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return save()
        except IntegrityError:
            continue  # rolled back; the replay reads again what the other transaction committed
    with transaction.atomic():
        return save()


def _lock(
    qs: QuerySet[R], *, by: AuthUser, to_claim: str, only: Sequence[str] = (),
    verdict_code: str | None = None,
) -> tuple[R | None, frozenset[str]]:
    """The one row of qs with its claim locked, and the caller's roles in the claim's project.

    `to_claim` is the path from qs's model to the claim ("" for claims). The memberships are a
    LEFT JOIN (a row per role); given a code, the project's verdict with it is `chosen`.
    """
    prefix = f"{to_claim}__" if to_claim else ""
    project = f"{prefix}article__project"
    qs = (
        qs.select_for_update(of=(to_claim or "self",), no_key=True)
        .select_related(project)
        .only(*only, *(prefix + name for name in _CLAIM_ONLY))
        .annotate(
            membership=FilteredRelation(
                f"{project}__memberships", condition=Q(**{f"{project}__memberships__user_id": by.pk})
            ),
            caller_role=F("membership__role"),
        )
        .order_by()
    )
    if verdict_code is not None:
        verdicts = f"{project}__scheme__verdicts"
        # Django's select_related() follows a FilteredRelation; the plugin knows only fields.
        qs = qs.annotate(  # type: ignore[misc]
            chosen=FilteredRelation(verdicts, condition=Q(**{f"{verdicts}__code": verdict_code}))
        ).select_related("chosen")
    rows = list(qs)
    if not rows:
        return None, frozenset()
    roles = frozenset(row.caller_role for row in rows if row.caller_role)
    return rows[0], roles


# What _lock_claim reads of each model: the columns _lock's only() names, the whole verdict.
_LOCKED_CLAIM = ("id", "status", "article_id")
_LOCKED_ARTICLE = ("id", "project_id")
_LOCKED_PROJECT = ("id", "scheme_id", "overlap", "blind", "auto_accept_unanimous")
_VERDICT = attnames_of(Verdict)


def _lock_claim(claim_id: int, *, by: AuthUser, verdict_code: str | None = None) -> tuple[Claim | None, frozenset[str]]:
    """_lock(Claim.objects.filter(pk=claim_id), to_claim="") as one hand-written statement.

    The same rows, columns, instances and lock (FOR NO KEY UPDATE OF the claim on PostgreSQL): every
    verdict saved through the API takes this read, and the ORM took longer to build it (joins,
    a FilteredRelation per LEFT JOIN) than the database to run it.
    """
    q = connection.ops.quote_name
    select = [
        *columns_of("c", Claim, _LOCKED_CLAIM), *columns_of("a", Article, _LOCKED_ARTICLE),
        *columns_of("p", Project, _LOCKED_PROJECT), f"m.{q('role')}",
    ]
    joins = [
        f"INNER JOIN {q(Article._meta.db_table)} a ON a.id = c.{q('article_id')}",
        f"INNER JOIN {q(Project._meta.db_table)} p ON p.id = a.{q('project_id')}",
        f"LEFT OUTER JOIN {q(Membership._meta.db_table)} m ON m.{q('project_id')} = p.id AND m.{q('user_id')} = %s",
    ]
    params: list[int | str] = [by.pk]
    if verdict_code is not None:
        select += columns_of("v", Verdict)
        joins.append(
            f"LEFT OUTER JOIN {q(Verdict._meta.db_table)} v"
            f" ON v.{q('scheme_id')} = p.{q('scheme_id')} AND v.{q('code')} = %s"
        )
        params.append(verdict_code)
    # NO KEY UPDATE, as the queue's candidate read takes: a row inserted elsewhere that only
    # references the claim (its foreign-key check takes KEY SHARE) does not wait for this lock,
    # which a FOR UPDATE made it do (a deadlock between three savers and the queue seen in CI).
    locking = " FOR NO KEY UPDATE OF c" if connection.features.has_select_for_update_of else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(select)} FROM {q(Claim._meta.db_table)} c {' '.join(joins)}"
            f" WHERE c.id = %s{locking}",
            [*params, claim_id],
        )
        rows = cursor.fetchall()
    if not rows:
        return None, frozenset()
    row = rows[0]
    article_at = len(_LOCKED_CLAIM)
    project_at = article_at + len(_LOCKED_ARTICLE)
    role_at = project_at + len(_LOCKED_PROJECT)
    claim = from_row(Claim, _LOCKED_CLAIM, row[:article_at])
    article = from_row(Article, _LOCKED_ARTICLE, row[article_at:project_at])
    article.project = from_row(Project, _LOCKED_PROJECT, row[project_at:role_at])
    claim.article = article
    if verdict_code is not None and row[role_at + 1] is not None:  # else unset, as _lock leaves it
        setattr(claim, "chosen", from_row(Verdict, _VERDICT, row[role_at + 1:]))
    return claim, frozenset(r[role_at] for r in rows if r[role_at])


def _allow(by: AuthUser, roles: frozenset[str], capability: Capability) -> None:
    """access.require() on roles the locking read already fetched: NotFound to outsiders,
    PermissionDenied to members whose role lacks the capability."""
    if can(roles, capability, user=by):
        return
    if not roles and not by.is_superuser:
        raise NotFound(gettext("No such project."))
    raise PermissionDenied(f"Your role in this project does not allow you to {capability.value}.")


def _chosen(row: Claim | Annotation, project: Project, code: str | None) -> Verdict | None:
    """The verdict the caller named by code, found by the locking read; an error naming the field."""
    if code is None:
        return None
    verdict = getattr(row, "chosen", None)  # unset, not None, when no verdict has that code
    if verdict is None:
        # Looked up again for the error, which lists the scheme's codes.
        return verdict_of_project(project, code)
    return verdict


@dataclass(frozen=True)
class _Judged:
    """A claim as the save finds it once locked: every annotation, the adjudication, the slots."""

    annotations: list[Annotation]
    adjudication: tuple[int, bool] | None  # (id, automatic) of the claim's final verdict
    slots: ClaimSlots


def _judged(claim_id: int, annotator_id: int) -> _Judged:
    """One statement, after the lock: a row per (annotation, assignment) of the claim.

    Hand-written, as _lock_claim (the ORM's values_list over three reverse joins cost more to
    build than to run); the columns of Claim.objects.filter(pk=…).values_list(annotations__…,
    adjudication__…, assignments__…).
    """
    q = connection.ops.quote_name
    claim_fk = {
        model: q(model._meta.get_field("claim").column) for model in (Annotation, Adjudication, Assignment)
    }
    select = [
        *columns_of("an", Annotation), *columns_of("adj", Adjudication, ("id", "method", "adjudicator_id")),
        *columns_of("asg", Assignment, SLOT_COLUMNS),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(select)} FROM {q(Claim._meta.db_table)} c"
            f" LEFT OUTER JOIN {q(Annotation._meta.db_table)} an ON an.{claim_fk[Annotation]} = c.id"
            f" LEFT OUTER JOIN {q(Adjudication._meta.db_table)} adj ON adj.{claim_fk[Adjudication]} = c.id"
            f" LEFT OUTER JOIN {q(Assignment._meta.db_table)} asg ON asg.{claim_fk[Assignment]} = c.id"
            " WHERE c.id = %s",
            [claim_id],
        )
        rows = cursor.fetchall()
    n = len(_ATTNAMES)
    annotations = {row[0]: row[:n] for row in rows if row[0] is not None}
    adjudication_id, method, adjudicator_id = rows[0][n:n + 3]
    automatic = method == AdjudicationMethod.UNANIMOUS and adjudicator_id is None
    return _Judged(
        annotations=[from_row(Annotation, _ATTNAMES, values) for values in annotations.values()],
        adjudication=None if adjudication_id is None else (adjudication_id, automatic),
        slots=ClaimSlots.of((row[n + 3:] for row in rows), annotator_id),
    )


def _check_verdict(claim: Claim, verdict: Verdict | None) -> None:
    """Refuse a verdict from another scheme than the claim's project uses."""
    if verdict is not None and verdict.scheme_id != claim.article.project.scheme_id:
        raise ValidationError({"verdict": gettext("This verdict is not in the project's scheme.")})


def _judge(
    *,
    claim: Claim,
    roles: frozenset[str],
    annotator: AuthUser,
    verdict: Verdict | None,
    version: int | None,
    confidence: int | None,
    rationale: str,
    time_spent_seconds: int,
) -> Annotation:
    """The save proper, on a claim locked by the caller's read (inside its transaction)."""
    _allow(annotator, roles, Capability.ANNOTATE)
    if claim.status != ClaimStatus.ACCEPTED:
        raise ValidationError({"claim": gettext("Only accepted claims are judged.")})
    _check_verdict(claim, verdict)
    judged = _judged(claim.pk, annotator.pk)
    existing = next((a for a in judged.annotations if a.annotator_id == annotator.pk), None)
    if existing is not None:
        existing.claim, existing.annotator = claim, annotator  # for the caller; no reload
    if version is None:
        if existing is not None:
            raise StaleVersion(existing, gettext("You already annotated this claim; reload to edit it."))
        annotation = Annotation(claim=claim, annotator=annotator)
    else:
        if existing is None:
            raise ValidationError({"version": gettext("There is no annotation to update.")})
        if existing.version != version:
            raise StaleVersion(existing)
        annotation = existing
    annotation.verdict = verdict
    annotation.confidence = confidence
    annotation.rationale = rationale
    annotation.time_spent_seconds = time_spent_seconds
    annotation.clean_fields(exclude=_CHECKED_HERE)
    annotation._history_user = annotator
    if version is None:
        annotation.save()  # INSERT, and simple-history's INSERT of the history row
    else:
        _update_at(annotation, version)
    verdicts = {a.annotator_id: a.verdict_id for a in judged.annotations}
    verdicts[annotator.pk] = annotation.verdict_id
    automatic = None if judged.adjudication is None else judged.adjudication[1]
    project = claim.article.project
    adjudicated = judged.adjudication is not None
    if adjudication_auto_due(verdict_ids=verdicts.values(), project=project, automatic=automatic):
        existing_adjudication = (
            None if judged.adjudication is None
            else Adjudication.objects.get(pk=judged.adjudication[0])
        )
        adjudicated = adjudication_auto_apply(
            claim=claim,
            verdicts=[(a, v) for a, v in verdicts.items() if v is not None],
            existing=existing_adjudication,
        ) is not None
    assignment_record_verdict(claim=claim, annotation=annotation, slots=judged.slots)
    notify_disagreement(
        claim=claim, before=[a.verdict_id for a in judged.annotations], after=verdicts.values(), by=annotator,
        adjudicated=adjudicated,  # as this save left it, under the claim's lock: no need to ask again
    )
    return annotation


def _update_at(annotation: Annotation, version: int) -> None:
    """UPDATE … WHERE version = `version`, then the history row save() would have written.

    The claim's lock keeps other saves out; the version condition also refuses a writer that
    went around it.
    """
    annotation.version = version + 1
    annotation.updated_at = timezone.now()
    changed = Annotation.objects.filter(pk=annotation.pk, version=version).update(
        verdict=annotation.verdict_id, confidence=annotation.confidence,
        rationale=annotation.rationale, time_spent_seconds=annotation.time_spent_seconds,
        version=annotation.version, updated_at=annotation.updated_at,
    )
    if not changed:
        current = Annotation.objects.select_related("annotator", "verdict").filter(pk=annotation.pk).first()
        if current is None:
            raise NotFound(gettext("No such annotation."))
        raise StaleVersion(current)
    Annotation.history.bulk_history_create([annotation], update=True, default_change_reason=None)


def annotation_save(
    *,
    claim: Claim,
    annotator: AuthUser,
    verdict: Verdict | None,
    version: int | None = None,
    confidence: int | None = None,
    rationale: str = "",
    time_spent_seconds: int = 0,
) -> Annotation:
    """Create the annotator's annotation of the claim, or update it at `version`.

    Creating needs version None; a second create, or an update at an old version, is refused
    with StaleVersion carrying the current annotation.
    """
    if not annotator.is_authenticated or not annotator.is_active:
        raise NotFound(gettext("No such project."))

    def save() -> Annotation:
        row, roles = _lock_claim(claim.pk, by=annotator)
        if row is None:
            raise NotFound(gettext("No such claim."))
        annotation = _judge(
            claim=row, roles=roles, annotator=annotator, verdict=verdict, version=version,
            confidence=confidence, rationale=rationale, time_spent_seconds=time_spent_seconds,
        )
        annotation.claim = claim  # the caller's instance, as they gave it
        return annotation

    return _replayed(save)


def annotation_create(
    *,
    claim_id: int,
    by: AuthUser,
    verdict_code: str | None,
    confidence: int | None = None,
    rationale: str = "",
    time_spent_seconds: int = 0,
) -> Annotation:
    """annotation_save for a claim and a verdict named by id and code (the API's create).

    Outsiders get NotFound, as for the claim itself; an unknown code a ValidationError naming
    the verdict field and the codes of the project's scheme.
    """
    if not by.is_authenticated or not by.is_active:
        raise NotFound(gettext("No such claim."))

    def save() -> Annotation:
        claim, roles = _lock_claim(claim_id, by=by, verdict_code=verdict_code)
        if claim is None:
            raise NotFound(gettext("No such claim."))
        _allow(by, roles, Capability.VIEW)
        if claim.status == ClaimStatus.CANDIDATE and not can(roles, Capability.FIND, user=by):
            # Suggestions are hidden from researchers: as missing here as in every read.
            raise NotFound(gettext("No such claim."))
        verdict = _chosen(claim, claim.article.project, verdict_code)
        return _judge(
            claim=claim, roles=roles, annotator=by, verdict=verdict, version=None,
            confidence=confidence, rationale=rationale, time_spent_seconds=time_spent_seconds,
        )

    return _replayed(save)


def annotation_update(
    *,
    annotation_id: int,
    by: AuthUser,
    version: int,
    verdict_code: str | None | Keep = KEEP,
    confidence: int | None | Keep = KEEP,
    rationale: str | Keep = KEEP,
    time_spent_seconds: int | Keep = KEEP,
) -> Annotation:
    """Change the caller's own annotation, named by id, at `version` (the API's PATCH).

    What is left as KEEP keeps its value. Someone else's annotation is NotFound where the
    blindness rule hides it and PermissionDenied where it does not (only its annotator changes it).
    """
    if not by.is_authenticated or not by.is_active:
        raise NotFound(gettext("No such annotation."))

    def save() -> Annotation:
        code = None if verdict_code is KEEP else verdict_code
        current, roles = _lock(
            Annotation.objects.filter(pk=annotation_id).select_related("verdict"), by=by,
            to_claim="claim", only=(*_FIELDS, "verdict"), verdict_code=code,
        )
        if current is None:
            raise NotFound(gettext("No such annotation."))
        claim = current.claim
        project = claim.article.project
        _allow(by, roles, Capability.FIND)
        if current.annotator_id != by.pk:
            # As the selectors do: another annotator's work is hidden in a blind project.
            if project.blind and not (by.is_superuser or roles & REVIEWING):
                raise NotFound(gettext("Not found."))
            raise PermissionDenied(gettext("Only its annotator may change an annotation."))
        verdict = current.verdict if verdict_code is KEEP else _chosen(current, project, verdict_code)
        return _judge(
            claim=claim, roles=roles, annotator=by, verdict=verdict, version=version,
            confidence=current.confidence if confidence is KEEP else confidence,
            rationale=current.rationale if rationale is KEEP else rationale,
            time_spent_seconds=(
                current.time_spent_seconds if time_spent_seconds is KEEP else time_spent_seconds
            ),
        )

    return _replayed(save)


# --- evidence ---------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    """Allow only http(s) links, so stored evidence never carries javascript: or file: URLs."""
    if url and urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": gettext("Evidence links must start with http:// or https://.")})


def evidence_add(
    *,
    claim: Claim,
    by: AuthUser,
    stance: str,
    url: str = "",
    title: str = "",
    publisher: str = "",
    published_on: dt.date | None = None,
    passage: str = "",
    question: str = "",
    linked_claim: Claim | None = None,
    linked_article: Article | None = None,
) -> Evidence:
    """Attach one source to the claim: a web page, or a claim or article of the same project."""
    require(by, claim.article.project_id, Capability.FIND)
    _check_url(url)
    project_id = claim.article.project_id
    if linked_claim is not None and linked_claim.pk == claim.pk:
        # The database refuses it too (evidence_not_own_claim), but as an error, not a message.
        raise ValidationError({"linked_claim": gettext("A claim cannot be its own evidence.")})
    if linked_claim is not None and linked_claim.article.project_id != project_id:
        raise ValidationError({"linked_claim": gettext("The linked claim belongs to another project.")})
    if linked_article is not None and linked_article.project_id != project_id:
        raise ValidationError({"linked_article": gettext("The linked article belongs to another project.")})
    if sum(bool(x) for x in (url, linked_claim, linked_article)) != 1:
        raise ValidationError({"url": gettext("Give exactly one source: a URL, a claim or an article.")})
    if stance not in Stance.values:
        raise ValidationError({"stance": gettext("Choose one of %(choices)s.") % {"choices": ", ".join(Stance.values)}})
    evidence = Evidence(
        claim=claim,
        added_by=by,
        stance=stance,
        url=url,
        title=title,
        publisher=publisher,
        published_on=published_on,
        passage=passage,
        question=question,
        linked_claim=linked_claim,
        linked_article=linked_article,
    )
    evidence.full_clean(validate_constraints=False)
    evidence._history_user = by
    evidence.save()
    return evidence


def evidence_delete(*, evidence: Evidence, by: AuthUser) -> None:
    """Remove evidence: its author, or a reviewer."""
    project_id = evidence.claim.article.project_id
    if evidence.added_by_id != by.pk:
        require(by, project_id, Capability.REVIEW)
    else:
        require(by, project_id, Capability.FIND)
    evidence.delete()
