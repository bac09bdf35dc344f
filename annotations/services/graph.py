"""Write paths for the claim graph: check questions, their answers, proposed relations.

Who may do what: anyone who finds claims (annotators, reviewers, managers) writes questions and
records answers; a question is edited by its author or a reviewer and deleted by a reviewer;
proposed relations are decided by reviewers. Answers say what a claim asserts in reply to a
question, not whether it is true, so they are not blind: every member who sees the claim sees them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from ..access import AuthUser, Capability, can, require
from ..models import (
    OPPOSITE_ANSWERS,
    SYMMETRIC_RELATIONS,
    Answer,
    Article,
    CandidateOrigin,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Project,
    QuestionAnswer,
    RelationCandidate,
    RelationKind,
)
from .claims import claim_create, claim_decide, claim_relate
from .common import lock_version

PROPOSABLE_KINDS = frozenset({RelationKind.SAME, RelationKind.CONTRADICTS, RelationKind.SUPPORTS})


def _clean_text(value: str, field: str, *, required: bool) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError({field: gettext("Write the question.")})
    return text


# --- questions -----------------------------------------------------------------------------------


@transaction.atomic
def question_create(
    *, project: Project, by: AuthUser, text: str, text_en: str = "",
    claim: Claim | None = None, answer: str | None = None,
) -> CheckQuestion:
    """Write a check question; with a claim (and its answer), attach the claim to it at once."""
    require(by, project, Capability.FIND)
    question = CheckQuestion(
        project=project, text=_clean_text(text, "text", required=True),
        text_en=_clean_text(text_en, "text_en", required=False), created_by=by,
    )
    question._history_user = by  # type: ignore[attr-defined]
    question.full_clean(validate_unique=False, validate_constraints=False)
    if CheckQuestion.objects.filter(project=project, text=question.text).exists():
        raise ValidationError({"text": gettext("This project already has this question.")})
    try:
        with transaction.atomic():
            question.save()
    except IntegrityError:
        raise ValidationError({"text": gettext("This project already has this question.")}) from None
    if claim is not None:
        answer_set(question=question, claim=claim, answer=answer or Answer.UNCLEAR, by=by)
    return question


def _may_edit(by: AuthUser, question: CheckQuestion) -> None:
    roles = require(by, question.project_id, Capability.FIND)
    if question.created_by_id != by.pk and not can(roles, Capability.REVIEW, user=by):
        raise PermissionDenied(gettext("Only its author or a reviewer may change this question."))


@transaction.atomic
def question_update(
    *, question: CheckQuestion, by: AuthUser, version: int, text: str | None = None,
    text_en: str | None = None,
) -> CheckQuestion:
    """Reword a question (its author or a reviewer); answers stay attached."""
    _may_edit(by, question)
    current = lock_version(CheckQuestion, question.pk, version)
    if text is not None:
        current.text = _clean_text(text, "text", required=True)
    if text_en is not None:
        current.text_en = _clean_text(text_en, "text_en", required=False)
    if CheckQuestion.objects.filter(project_id=current.project_id, text=current.text).exclude(pk=current.pk).exists():
        raise ValidationError({"text": gettext("This project already has this question.")})
    current._history_user = by  # type: ignore[attr-defined]
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    return current


@transaction.atomic
def question_delete(*, question: CheckQuestion, by: AuthUser) -> None:
    """Delete a question and its answers (reviewers and managers only)."""
    require(by, question.project_id, Capability.REVIEW)
    question._history_user = by  # type: ignore[attr-defined]
    question.delete()


# --- answers -------------------------------------------------------------------------------------


@transaction.atomic
def answer_set(*, question: CheckQuestion, claim: Claim, answer: str, by: AuthUser) -> QuestionAnswer:
    """Record (or change) what the claim answers; opposite answers propose a contradiction."""
    require(by, question.project_id, Capability.FIND)
    if claim.article.project_id != question.project_id:
        raise ValidationError({"claim": gettext("The claim and the question must belong to the same project.")})
    if answer not in Answer.values:
        raise ValidationError({"answer": gettext("Choose yes, no, partly or unclear.")})
    if claim.status == ClaimStatus.REJECTED:
        raise ValidationError({"claim": gettext("A rejected claim cannot answer a question.")})
    row = QuestionAnswer.objects.select_for_update().filter(question=question, claim=claim).first()
    if row is None:
        row = QuestionAnswer(question=question, claim=claim, answer=answer, answered_by=by)
    elif row.answer != answer:
        row.answer, row.answered_by, row.version = answer, by, row.version + 1
    else:
        return row
    row._history_user = by  # type: ignore[attr-defined]
    row.save()
    propose_from_answers(question=question, claim=claim)
    return row


@transaction.atomic
def answer_remove(*, answer: QuestionAnswer, by: AuthUser) -> None:
    """Detach a claim from a question (whoever may find claims in the project)."""
    require(by, answer.question.project_id, Capability.FIND)
    answer._history_user = by  # type: ignore[attr-defined]
    answer.delete()


def _ordered(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[tuple[int, int, int], tuple[int, int, int], bool]:
    """The two (article, start, end) spans in storage order, and whether they were swapped."""
    return (a, b, False) if a <= b else (b, a, True)


def _related_already(a: Claim, b: Claim, kind: str) -> bool:
    return ClaimRelation.objects.filter(
        Q(source=a, target=b) | Q(source=b, target=a), kind=kind
    ).exists()


def propose_from_answers(*, question: CheckQuestion, claim: Claim) -> list[RelationCandidate]:
    """Propose `contradicts` between the claim and each claim answering the question oppositely."""
    mine = QuestionAnswer.objects.filter(question=question, claim=claim).values_list("answer", flat=True).first()
    if mine is None:
        return []
    made = []
    others = (
        QuestionAnswer.objects.filter(question=question)
        .exclude(claim=claim).exclude(claim__article_id=claim.article_id)
        .select_related("claim")
    )
    for other in others:
        if (mine, other.answer) not in OPPOSITE_ANSWERS or _related_already(claim, other.claim, RelationKind.CONTRADICTS):
            continue
        labels = dict(Answer.choices)
        reason = gettext("Opposite answers (%(a)s / %(b)s) to: %(q)s") % {
            "a": labels[mine], "b": labels[other.answer], "q": question.text,
        }
        candidate = candidate_propose(
            project_id=question.project_id, kind=RelationKind.CONTRADICTS, a=claim, b=other.claim,
            score=1.0, reasons=[reason], origin=CandidateOrigin.QUESTION, question=question,
        )
        if candidate is not None:
            made.append(candidate)
    return made


# --- proposed relations --------------------------------------------------------------------------


def candidate_propose(
    *, project_id: int, kind: str, a: Claim | tuple[int, int, int], b: Claim | tuple[int, int, int],
    score: float, reasons: list[str], origin: str, features: dict | None = None,
    question: CheckQuestion | None = None, job_id: int | None = None,
) -> RelationCandidate | None:
    """Record a proposed relation once per pair and kind; a pair already decided stays decided."""
    def span(side: Claim | tuple[int, int, int]) -> tuple[tuple[int, int, int], Claim | None]:
        if isinstance(side, Claim):
            return (side.article_id, side.start, side.end), side
        return side, None

    (sa, ca), (sb, cb) = span(a), span(b)
    if sa[0] == sb[0]:
        return None  # the graph links claims across articles
    # Symmetric kinds are stored in span order so a pair is proposed once; `supports` reads a→b.
    first, second, swapped = _ordered(sa, sb) if kind in SYMMETRIC_RELATIONS else (sa, sb, False)
    if swapped:
        ca, cb = cb, ca
    existing = RelationCandidate.objects.filter(
        project_id=project_id, kind=kind, a_article_id=first[0], a_start=first[1], a_end=first[2],
        b_article_id=second[0], b_start=second[1], b_end=second[2],
    ).first()
    if existing is not None:
        if existing.status == CandidateStatus.PENDING and (score > existing.score or question and not existing.question_id):
            existing.score = max(score, existing.score)
            existing.reasons = list(dict.fromkeys([*reasons, *existing.reasons]))
            existing.question = existing.question or question
            existing.save(update_fields=["score", "reasons", "question"])
        return None
    candidate = RelationCandidate(
        project_id=project_id, kind=kind,
        a_article_id=first[0], a_start=first[1], a_end=first[2], a_claim=ca,
        b_article_id=second[0], b_start=second[1], b_end=second[2], b_claim=cb,
        score=float(score), reasons=list(reasons), features=features or {}, origin=origin,
        question=question, job_id=job_id,
    )
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # proposed meanwhile by another job
        return None
    return candidate


def _claim_at(article: Article, start: int, end: int, claim: Claim | None, by: AuthUser) -> Claim:
    """The claim on one side of an accepted proposal: kept, accepted if suggested, else created."""
    if claim is None or claim.article_id != article.pk:
        claim = Claim.objects.filter(article=article, start=start, end=end).first()
    if claim is None:
        return claim_create(article=article, start=start, end=end, by=by, origin=ClaimOrigin.MANUAL)
    if claim.status != ClaimStatus.ACCEPTED:
        # Reviewers who accept a relation vouch for both claims being worth checking.
        claim = claim_decide(claim=claim, by=by, status=ClaimStatus.ACCEPTED, version=claim.version)
    return claim


@transaction.atomic
def candidate_decide(*, candidate: RelationCandidate, by: AuthUser, status: str, version: int) -> RelationCandidate:
    """Accept (link the two claims, marking or accepting them as needed) or reject a proposal."""
    require(by, candidate.project_id, Capability.REVIEW)
    if status not in (CandidateStatus.ACCEPTED, CandidateStatus.REJECTED):
        raise ValidationError({"status": gettext("Choose accepted or rejected.")})
    current = lock_version(RelationCandidate, candidate.pk, version)
    if status == CandidateStatus.ACCEPTED:
        a = _claim_at(current.a_article, current.a_start, current.a_end, current.a_claim, by)
        b = _claim_at(current.b_article, current.b_start, current.b_end, current.b_claim, by)
        current.a_claim, current.b_claim = a, b
        current.relation = claim_relate(source=a, target=b, kind=current.kind, by=by)
    else:
        current.relation = None
    current.status, current.decided_by, current.decided_at = status, by, timezone.now()
    current._history_user = by  # type: ignore[attr-defined]
    current.save()
    return current


def relate_and_accept(
    *, source: Claim, target: Claim, kind: str, by: AuthUser, note: str = "", accept_target: bool = False,
) -> ClaimRelation:
    """Link two claims; on request, accept the target first when it is still a suggestion."""
    with transaction.atomic():
        if accept_target and target.status == ClaimStatus.CANDIDATE:
            target = claim_decide(claim=target, by=by, status=ClaimStatus.ACCEPTED, version=target.version)
        return claim_relate(source=source, target=target, kind=kind, by=by, note=note)
