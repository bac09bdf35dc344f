"""Undoable changes to claims: deciding many suggestions at once, deleting one's own claim, and
the one undo that restores exactly what either changed (the ClaimBatch keeps what it needs)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from ..access import AuthUser, Capability, can, require
from ..models import (
    Adjudication,
    Annotation,
    Article,
    Assignment,
    BatchKind,
    Claim,
    ClaimBatch,
    ClaimRelation,
    ClaimStatus,
    Comment,
    Evidence,
    Notification,
    QuestionAnswer,
)
from ..reading import paragraphs

# How many ids an error message names before it says "…".
NAMED_IDS = 20


def _ids(ids: Iterable[int]) -> str:
    ids = sorted(ids)
    return ", ".join(f"#{pk}" for pk in ids[:NAMED_IDS]) + ("…" if len(ids) > NAMED_IDS else "")


def _save(claim: Claim, by: AuthUser, fields: list[str]) -> None:
    """Save the fields (and updated_at) with a history row naming `by`."""
    claim._history_user = by
    claim.save(update_fields=[*fields, "updated_at"])


# --- many decisions at once ------------------------------------------------------------------


def _chosen(
    article: Article, *, claim_ids: Iterable[int] | None, min_score: float | None,
    below_score: float | None, paragraph: int | None,
) -> list[Claim]:
    """The article's suggestions still waiting for a decision that meet every criterion given,
    locked; a criterion naming what does not exist is refused."""
    errors: dict[str, str] = {}
    chosen = Claim.objects.select_for_update().filter(article=article, status=ClaimStatus.CANDIDATE)
    if claim_ids is not None:
        ids = {int(pk) for pk in claim_ids}
        if not ids:
            errors["claim_ids"] = gettext("Choose at least one suggestion.")
        found = set(Claim.objects.filter(article=article, pk__in=ids).values_list("pk", flat=True))
        if ids - found:
            errors["claim_ids"] = gettext("No such claim in this article: %(ids)s.") % {"ids": _ids(ids - found)}
        chosen = chosen.filter(pk__in=ids)
    for name, value in (("min_score", min_score), ("below_score", below_score)):
        if value is not None and (isinstance(value, bool) or not 0 <= value <= 1):
            errors[name] = gettext("Give a score between 0 and 1.")
    if min_score is not None:
        chosen = chosen.filter(score__gte=min_score)
    if below_score is not None:
        chosen = chosen.filter(Q(score__lt=below_score) | Q(score__isnull=True))
    if paragraph is not None:
        spans = paragraphs(article.body)
        if not 0 <= paragraph < len(spans):
            errors["paragraph"] = gettext("The article has paragraphs 0 to %(last)s.") % {"last": len(spans) - 1}
        else:
            start, end = spans[paragraph]
            chosen = chosen.filter(start__gte=start, end__lte=end)
    if claim_ids is None and min_score is None and below_score is None and paragraph is None:
        errors["claim_ids"] = gettext(
            "Say which suggestions: chosen ones (claim_ids), those above a score (min_score), "
            "below one (below_score), or those of a paragraph (paragraph).")
    if errors:
        raise ValidationError(errors)
    return list(chosen.order_by("start", "end", "pk"))


@transaction.atomic
def claims_decide_batch(
    *, article: Article, by: AuthUser, status: str, claim_ids: Iterable[int] | None = None,
    min_score: float | None = None, below_score: float | None = None, paragraph: int | None = None,
) -> ClaimBatch:
    """Accept or reject the article's waiting suggestions that meet every criterion given,
    recorded as one batch that `batch_undo` reverts. Those who find claims."""
    require(by, article.project_id, Capability.FIND)
    if status not in (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED):
        raise ValidationError({"status": gettext("Choose accepted or rejected.")})
    claims = _chosen(article, claim_ids=claim_ids, min_score=min_score, below_score=below_score,
                     paragraph=paragraph)
    if not claims:
        raise ValidationError(gettext("No suggestion waiting for a decision matches; nothing was changed."))
    items = []
    for claim in claims:
        items.append({"id": claim.pk, "status": claim.status, "decided_by": claim.decided_by_id,
                      "version": claim.version, "after": claim.version + 1})
        claim.status, claim.decided_by, claim.version = status, by, claim.version + 1
        _save(claim, by, ["status", "decided_by", "version"])
    return ClaimBatch.objects.create(
        article=article, kind=BatchKind.DECIDE, status=status, items=items, size=len(items),
        created_by=by,
    )


def _undo_decisions(batch: ClaimBatch, by: AuthUser) -> None:
    """Put every claim of the batch back as it was, or refuse if any changed since."""
    before = {item["id"]: item for item in batch.items}
    claims = {c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=before)}
    changed = {pk for pk, item in before.items() if pk not in claims or claims[pk].version != item["after"]}
    if changed:
        raise ValidationError(ngettext(
            "Claim %(ids)s changed since; nothing was undone.",
            "Claims %(ids)s changed since; nothing was undone.", len(changed)) % {"ids": _ids(changed)})
    # A verdict given on a claim the batch accepted would be left on a claim no one judges.
    judged = set(Annotation.objects.filter(
        claim_id__in=[pk for pk, item in before.items() if item["status"] != ClaimStatus.ACCEPTED]
    ).values_list("claim_id", flat=True))
    if judged:
        raise ValidationError(ngettext(
            "Claim %(ids)s has been judged since; nothing was undone.",
            "Claims %(ids)s have been judged since; nothing was undone.", len(judged)) % {"ids": _ids(judged)})
    for pk, item in before.items():
        claim = claims[pk]
        claim.status, claim.decided_by_id, claim.version = item["status"], item["decided_by"], claim.version + 1
        _save(claim, by, ["status", "decided_by", "version"])


# --- deleting one's own claim ----------------------------------------------------------------


def others_work(claim: Claim, by: AuthUser) -> list[str]:
    """What others did on the claim, as phrases ([] when only `by` worked on it)."""
    found = []
    if Annotation.objects.filter(claim=claim).exclude(annotator=by).exists():
        found.append(gettext("another annotator's verdict"))
    if Evidence.objects.filter(Q(claim=claim) | Q(linked_claim=claim)).exclude(added_by=by).exists():
        found.append(gettext("evidence added by someone else"))
    if Evidence.objects.filter(linked_claim=claim, gold_for__isnull=False).exists():
        found.append(gettext("gold evidence of an adjudication"))
    if ClaimRelation.objects.filter(Q(source=claim) | Q(target=claim)).filter(
            Q(created_by__isnull=True) | ~Q(created_by=by)).exists():
        found.append(gettext("links made by someone else"))
    if QuestionAnswer.objects.filter(claim=claim).filter(
            Q(answered_by__isnull=True) | ~Q(answered_by=by)).exists():
        found.append(gettext("answers to check questions by someone else"))
    if Comment.objects.filter(claim=claim).exclude(author=by).exists():
        found.append(gettext("comments by someone else"))
    if Adjudication.objects.filter(claim=claim).exists():
        found.append(gettext("an adjudication"))
    return found


def _dependants(claim: Claim) -> list[Model]:
    """The rows deleting the claim takes with it, in an order that restores them."""
    rows: list[Model] = [claim]
    rows += list(Annotation.objects.filter(claim=claim))
    rows += list(Evidence.objects.filter(Q(claim=claim) | Q(linked_claim=claim)))
    rows += list(ClaimRelation.objects.filter(Q(source=claim) | Q(target=claim)))
    rows += list(QuestionAnswer.objects.filter(claim=claim))
    rows += list(Assignment.objects.filter(claim=claim))
    # The author's own comments, and what they notified others of: back with the claim.
    rows += list(Comment.objects.filter(claim=claim))
    rows += list(Notification.objects.filter(Q(claim=claim) | Q(comment__claim=claim)))
    return rows


@transaction.atomic
def claim_delete(*, claim: Claim, by: AuthUser) -> ClaimBatch:
    """Delete a claim its author marked, while nobody else has worked on it; the returned batch
    keeps it and its rows (the author's own verdict, evidence, links) for `batch_undo`."""
    require(by, claim.article.project_id, Capability.FIND)
    # Locked so that no one adds work to it between the check and the delete.
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if current.created_by_id != by.pk:
        raise PermissionDenied(gettext(
            "Only the person who marked a claim may delete it; reject it instead."))
    work = others_work(current, by)
    if work:
        raise ValidationError(gettext(
            "This claim cannot be deleted: others have worked on it (%(work)s). Reject it instead."
        ) % {"work": ", ".join(work)})
    items = json.loads(serializers.serialize("json", _dependants(current)))
    batch = ClaimBatch.objects.create(
        article_id=current.article_id, kind=BatchKind.DELETE, items=items, size=1, created_by=by,
    )
    current._history_user = by
    current.delete()
    return batch


def _undo_delete(batch: ClaimBatch, by: AuthUser) -> None:
    """Put the deleted claim and its rows back, with their ids, and a history row for each."""
    restored = list(serializers.deserialize("json", json.dumps(batch.items)))
    try:
        with transaction.atomic():
            for row in restored:
                row.save()  # raw: the values exactly as they were
    except IntegrityError:
        raise ValidationError(gettext(
            "The claim cannot be restored: another claim now covers exactly this span, or a row "
            "it pointed to is gone.")) from None
    for row in restored:
        model = type(row.object)
        if hasattr(model, "history"):  # a raw save records no history: say it came back
            model.history.bulk_history_create(
                [row.object], default_user=by, default_change_reason="restored (undo of a deletion)")


# --- undo ------------------------------------------------------------------------------------


def batch_undo(*, batch: ClaimBatch, by: AuthUser) -> ClaimBatch:
    """Revert a batch of decisions or a deletion, once; its author, or a reviewer or manager."""
    roles = require(by, batch.article.project_id, Capability.FIND)
    if batch.created_by_id != by.pk and not can(roles, Capability.REVIEW, user=by):
        raise PermissionDenied(gettext("Only the person who made this change, or a reviewer, may undo it."))
    with transaction.atomic():
        current = ClaimBatch.objects.select_for_update().get(pk=batch.pk)
        if current.undone_at is not None:
            raise ValidationError(gettext("This change was already undone."))
        if current.kind == BatchKind.DECIDE:
            _undo_decisions(current, by)
        else:
            _undo_delete(current, by)
        current.undone_at, current.undone_by = timezone.now(), by
        current.save(update_fields=["undone_at", "undone_by"])
    return current


def restored_claim_id(batch: ClaimBatch) -> int | None:
    """The id of the claim a deletion batch holds (None for decisions)."""
    if batch.kind != BatchKind.DELETE or not batch.items:
        return None
    return int(batch.items[0]["pk"])
