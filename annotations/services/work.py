"""Write paths for judging claims: annotations and evidence (adjudications: .adjudication)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from ..access import Capability, StaleVersion, require
from ..models import (
    Annotation,
    Article,
    Claim,
    ClaimStatus,
    Evidence,
    Stance,
    Verdict,
)
from .assignments import assignment_record_verdict
from .common import lock_version
# claim_adjudicate lives with the other adjudication services; callers still import it from here.
from .adjudication import adjudication_auto, claim_adjudicate  # noqa: F401


def _check_verdict(claim: Claim, verdict: Verdict | None) -> None:
    """Refuse a verdict from another scheme than the claim's project uses."""
    if verdict is not None and verdict.scheme_id != claim.article.project.scheme_id:
        raise ValidationError({"verdict": gettext("This verdict is not in the project's scheme.")})


@transaction.atomic
def annotation_save(
    *,
    claim: Claim,
    annotator: AbstractBaseUser,
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
    require(annotator, claim.article.project_id, Capability.ANNOTATE)
    if claim.status != ClaimStatus.ACCEPTED:
        raise ValidationError({"claim": gettext("Only accepted claims are judged.")})
    _check_verdict(claim, verdict)
    existing = Annotation.objects.filter(claim=claim, annotator=annotator).first()
    if version is None:
        if existing is not None:
            raise StaleVersion(existing, gettext("You already annotated this claim; reload to edit it."))
        annotation = Annotation(claim=claim, annotator=annotator)
    else:
        if existing is None:
            raise ValidationError({"version": gettext("There is no annotation to update.")})
        annotation = lock_version(Annotation, existing.pk, version)
    annotation.verdict = verdict
    annotation.confidence = confidence
    annotation.rationale = rationale
    annotation.time_spent_seconds = time_spent_seconds
    annotation.full_clean(validate_unique=False, validate_constraints=False)
    annotation._history_user = annotator  # type: ignore[attr-defined]
    annotation.save()
    adjudication_auto(claim=claim)  # unanimous claims get their final verdict at once
    assignment_record_verdict(claim=claim, annotation=annotation)  # after the claim's lock: no deadlock
    return annotation


def _check_url(url: str) -> None:
    """Allow only http(s) links, so stored evidence never carries javascript: or file: URLs."""
    if url and urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": gettext("Evidence links must start with http:// or https://.")})


def evidence_add(
    *,
    claim: Claim,
    by: AbstractBaseUser,
    stance: str,
    url: str = "",
    title: str = "",
    publisher: str = "",
    published_on: dt.date | None = None,
    passage: str = "",
    linked_claim: Claim | None = None,
    linked_article: Article | None = None,
) -> Evidence:
    """Attach one source to the claim: a web page, or a claim or article of the same project."""
    require(by, claim.article.project_id, Capability.FIND)
    _check_url(url)
    project_id = claim.article.project_id
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
        linked_claim=linked_claim,
        linked_article=linked_article,
    )
    evidence.full_clean(validate_constraints=False)
    evidence._history_user = by  # type: ignore[attr-defined]
    evidence.save()
    return evidence


def evidence_delete(*, evidence: Evidence, by: AbstractBaseUser) -> None:
    """Remove evidence: its author, or a reviewer."""
    project_id = evidence.claim.article.project_id
    if evidence.added_by_id != by.pk:
        require(by, project_id, Capability.REVIEW)
    else:
        require(by, project_id, Capability.FIND)
    evidence.delete()
