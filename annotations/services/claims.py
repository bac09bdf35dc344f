"""Write paths for claims and the relations between them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ..access import AuthUser, Capability, require
from ..models import (
    SYMMETRIC_RELATIONS,
    Article,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
)
from .common import lock_version

MAX_SPEAKER = 300  # Claim.speaker's max_length
EDITABLE_CLAIM_FIELDS = frozenset(
    {"statement", "speaker", "asserted_by_article", "statement_date", "kind"}
)


def _check_span(article: Article, start: int, end: int, quote: str | None) -> str:
    """Return body[start:end], refusing offsets outside the body or a quote that differs."""
    if not 0 <= start < end <= len(article.body):
        raise ValidationError(
            {"end": gettext("The span %(start)s–%(end)s is outside the article (0–%(length)s).")
             % {"start": start, "end": end, "length": len(article.body)}}
        )
    actual = article.body[start:end]
    if quote is not None and quote != actual:
        raise ValidationError(
            {"quote": gettext("The quote does not match the article at %(start)s–%(end)s: %(actual)s.")
             % {"start": start, "end": end, "actual": repr(actual[:60])}}
        )
    return actual


def article_voice(article: Article) -> str:
    """Who speaks when the article itself asserts a claim: its author, else its outlet, else ""."""
    if article.author:
        return article.author[:MAX_SPEAKER]
    return article.outlet.name[:MAX_SPEAKER] if article.outlet_id is not None and article.outlet else ""


def claim_create(
    *,
    article: Article,
    start: int,
    end: int,
    by: AuthUser | None,
    quote: str | None = None,
    statement: str = "",
    speaker: str = "",
    asserted_by_article: bool = False,
    statement_date: dt.date | None = None,
    kind: str = "",
    origin: str = ClaimOrigin.MANUAL,
    status: str | None = None,
    score: float | None = None,
    engine_version: str = "",
) -> Claim:
    """Mark a span of the article as a claim; suggestions arrive as candidates, others accepted.

    `by` is None only for the suggestion job acting for the project; people need FIND.
    """
    if by is not None:
        require(by, article.project_id, Capability.FIND)
    claim = Claim(
        article=article,
        start=start,
        end=end,
        quote=_check_span(article, start, end, quote),
        statement=statement,
        # A claim the article asserts is its author's (or outlet's) unless told otherwise.
        speaker=speaker or (article_voice(article) if asserted_by_article else ""),
        asserted_by_article=asserted_by_article,
        statement_date=statement_date,
        kind=kind,
        origin=origin,
        status=status
        or (ClaimStatus.CANDIDATE if origin == ClaimOrigin.SUGGESTED else ClaimStatus.ACCEPTED),
        score=score,
        engine_version=engine_version,
        created_by=by,
        decided_by=by if origin == ClaimOrigin.MANUAL else None,
    )
    return _save_claim(claim, by)


def _save_claim(claim: Claim, by: AuthUser | None) -> Claim:
    """Validate and save (history records `by`), turning a span clash into a field error."""
    claim._history_user = by
    claim.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        raise ValidationError({"start": gettext("Another claim already covers exactly this span.")}) from None
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    by: AuthUser,
    version: int,
    start: int | None = None,
    end: int | None = None,
    **fields: object,
) -> Claim:
    """Edit a claim's statement, speaker, date or kind; reviewers may also move its span."""
    require(by, claim.article.project_id, Capability.FIND)
    unknown = set(fields) - EDITABLE_CLAIM_FIELDS
    if unknown:
        raise ValidationError({name: gettext("This field cannot be edited.") for name in sorted(unknown)})
    if start is not None or end is not None:
        require(by, claim.article.project_id, Capability.REVIEW)
    current = lock_version(Claim, claim.pk, version)
    for name, value in fields.items():
        setattr(current, name, value)
    if fields.get("asserted_by_article") and not current.speaker:
        current.speaker = article_voice(claim.article)  # the article's voice has a name
    if start is not None or end is not None:
        current.start = current.start if start is None else start
        current.end = current.end if end is None else end
        current.quote = _check_span(claim.article, current.start, current.end, None)
    return _save_claim(current, by)


@transaction.atomic
def claim_decide(*, claim: Claim, by: AuthUser, status: str, version: int) -> Claim:
    """Accept or reject a claim (usually a suggested candidate)."""
    require(by, claim.article.project_id, Capability.FIND)
    if status not in (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED):
        raise ValidationError({"status": gettext("Choose accepted or rejected.")})
    current = lock_version(Claim, claim.pk, version)
    current.status = status
    current.decided_by = by
    return _save_claim(current, by)


def claim_relate(
    *, source: Claim, target: Claim, kind: str, by: AuthUser, note: str = ""
) -> ClaimRelation:
    """Link two claims of one project (idempotent); symmetric kinds are stored lower id first."""
    require(by, source.article.project_id, Capability.FIND)
    if source.pk == target.pk:
        raise ValidationError({"target": gettext("A claim cannot be related to itself.")})
    if source.article.project_id != target.article.project_id:
        raise ValidationError({"target": gettext("Both claims must belong to the same project.")})
    if kind in SYMMETRIC_RELATIONS and source.pk > target.pk:
        source, target = target, source
    relation = ClaimRelation(source=source, target=target, kind=kind, note=note, created_by=by)
    relation.full_clean(validate_unique=False, validate_constraints=False)
    relation, _ = ClaimRelation.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"note": note, "created_by": by}
    )
    return relation


def claim_unrelate(*, relation: ClaimRelation, by: AuthUser) -> None:
    """Remove a link between two claims."""
    require(by, relation.source.article.project_id, Capability.FIND)
    relation.delete()
