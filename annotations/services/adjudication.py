"""Write paths for final verdicts: adjudication, automatic unanimous acceptance, majority, overrides.

Also the agreement job (JobKind.AGREEMENT), which computes a big project's agreement report in
a worker and stores it on the Job.

Rules kept here:
- Only reviewers and managers adjudicate (Capability.REVIEW): annotators get PermissionDenied,
  outsiders NotFound.
- An automatic adjudication (method unanimous, no adjudicator) is made, kept in step or withdrawn
  by `adjudication_auto` whenever a claim's annotations change; a person's adjudication is never
  touched by it.
- Changing an existing adjudication is an override: it names the version it saw (optimistic
  locking, StaleVersion otherwise) and, from the web UI or over an automatic decision, a reason,
  kept in the notes and in the history row's change reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext, gettext_noop

from ..access import AuthUser, Capability, StaleVersion, require
from ..models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Claim,
    ClaimStatus,
    Evidence,
    Job,
    JobKind,
    JobStatus,
    Project,
    Verdict,
)
from .collab import notify_adjudicated
from .common import lock_version
from .jobs import Progress, UserFacingError, job_create, job_enqueue

# history_change_reason is a CharField(max_length=100); the full reason is kept in `notes`.
REASON_MAX = 100
AUTO_REASON = "automatic: unanimous verdicts"
WITHDRAWN_REASON = "automatic: withdrawn, the annotators no longer agree"

T = TypeVar("T", bound=Hashable)


def plurality(labels: Iterable[T]) -> tuple[T | None, tuple[T, ...]]:
    """The most frequent label, or (None, the tied labels) when several share the top count."""
    counts = Counter(labels)
    if not counts:
        return None, ()
    top = max(counts.values())
    leaders = tuple(label for label, n in counts.items() if n == top)
    return (leaders[0], ()) if len(leaders) == 1 else (None, leaders)


def min_unanimous(overlap: int) -> int:
    """How many agreeing verdicts make a claim unanimous: the overlap, and never fewer than two."""
    return max(overlap, 2)


# --- recording a decision ---------------------------------------------------------------------


def _check_verdict(claim: Claim, verdict: Verdict) -> None:
    """Refuse a verdict from another scheme than the claim's project uses."""
    if verdict.scheme_id != claim.article.project.scheme_id:
        raise ValidationError({"verdict": gettext("This verdict is not in the project's scheme.")})


def _check_gold(claim: Claim, gold: Sequence[Evidence]) -> None:
    if any(e.claim_id != claim.pk for e in gold):
        raise ValidationError({"gold_evidence": gettext("Gold evidence must be evidence of this claim.")})


def _is_automatic(adjudication: Adjudication) -> bool:
    return adjudication.method == AdjudicationMethod.UNANIMOUS and adjudication.adjudicator_id is None


ALREADY_ADJUDICATED = gettext_noop("This claim was already adjudicated; reload to change it.")


def _lock_claim(claim: Claim) -> Adjudication | None:
    """Lock the claim's row and return its adjudication as committed now. Call inside a transaction.

    Two reviewers deciding one claim at once would both read "no adjudication" and both insert;
    the second insert would break the one-per-claim constraint (a 500). Holding the claim's row
    until commit makes the second wait and then read the first's decision (StaleVersion, a 409).
    Annotation saves and adjudication_auto lock the same row first, so the order is the same.
    """
    Claim.objects.select_for_update(of=("self",)).filter(pk=claim.pk).order_by().values_list("pk").first()
    return Adjudication.objects.filter(claim=claim).first()


def _insert(adjudication: Adjudication) -> None:
    """Save a new adjudication; losing an insert race to another writer is StaleVersion, not a 500.

    The claim's lock already serialises the services here; this covers any writer that went
    around it (SQLite without row locks, a future code path).
    """
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            adjudication.save()
    except IntegrityError:
        current = Adjudication.objects.filter(claim_id=adjudication.claim_id).first()
        if current is None:
            raise  # not the one-per-claim constraint: a real error
        raise StaleVersion(current, gettext(ALREADY_ADJUDICATED)) from None


def _record(
    *,
    claim: Claim,
    by: AuthUser | None,
    verdict: Verdict,
    method: str,
    notes: str,
    gold: Sequence[Evidence],
    version: int | None,
    reason: str,
    reason_required: bool,
    existing: Adjudication | None,
) -> Adjudication:
    """Create the claim's adjudication (version None) or override it at `version`.

    Call inside a transaction, after _lock_claim (`existing` is what it returned).
    `reason_required` applies to overrides; overriding an automatic decision always needs one.
    """
    if existing is None:
        if version is not None:
            raise ValidationError({"version": gettext("There is no adjudication to update.")})
        adjudication = Adjudication(claim=claim)
    else:
        if version is None:
            raise StaleVersion(existing, gettext(ALREADY_ADJUDICATED))
        adjudication = lock_version(Adjudication, existing.pk, version)
        if (reason_required or _is_automatic(adjudication)) and not reason.strip():
            raise ValidationError(
                {"reason": gettext("Give a reason for overriding the existing adjudication.")}
            )
    adjudication.verdict = verdict
    adjudication.adjudicator = by
    adjudication.method = method
    adjudication.notes = notes
    adjudication.full_clean(validate_unique=False, validate_constraints=False)
    adjudication._history_user = by
    if existing is not None and reason.strip():
        adjudication._change_reason = _short(f"override: {reason.strip()}")
    if existing is None:
        _insert(adjudication)
    else:
        adjudication.save()
    adjudication.gold_evidence.set(gold)
    adjudication.agrees_with.set(
        Annotation.objects.filter(claim=claim, verdict=verdict).values_list("annotator", flat=True)
    )
    notify_adjudicated(claim=claim, by=by)
    return adjudication


def _short(text: str) -> str:
    """Fit a reason into the history's change-reason column."""
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


@transaction.atomic
def claim_adjudicate(
    *,
    claim: Claim,
    by: AuthUser | None,
    verdict: Verdict,
    method: str = AdjudicationMethod.ADJUDICATED,
    notes: str = "",
    gold_evidence: Iterable[Evidence] = (),
    version: int | None = None,
    reason: str = "",
) -> Adjudication:
    """Record the claim's final verdict; `by` is None only for unanimous auto-acceptance.

    Creating needs version None; changing an adjudication names its current version. Overriding
    an automatic (unanimous) decision needs a reason.
    """
    if by is None:
        if method != AdjudicationMethod.UNANIMOUS:
            raise ValidationError({"adjudicator": gettext("Only unanimous verdicts are accepted automatically.")})
    else:
        require(by, claim.article.project_id, Capability.REVIEW)
    _check_verdict(claim, verdict)
    gold = list(gold_evidence)
    _check_gold(claim, gold)
    existing = _lock_claim(claim)
    return _record(
        claim=claim, by=by, verdict=verdict, method=method, notes=notes, gold=gold,
        version=version, reason=reason, reason_required=False, existing=existing,
    )


@transaction.atomic
def adjudication_decide(
    *,
    claim: Claim,
    by: AuthUser,
    verdict: Verdict,
    note: str = "",
    gold_evidence: Iterable[Evidence] = (),
    version: int | None = None,
) -> Adjudication:
    """A reviewer's final verdict from the review page: new, or an override whose note is its reason."""
    require(by, claim.article.project_id, Capability.REVIEW)
    _check_verdict(claim, verdict)
    gold = list(gold_evidence)
    _check_gold(claim, gold)
    existing = _lock_claim(claim)
    return _record(
        claim=claim, by=by, verdict=verdict, method=AdjudicationMethod.ADJUDICATED, notes=note,
        gold=gold, version=version, reason=note, reason_required=True, existing=existing,
    )


@transaction.atomic
def adjudication_override(
    *,
    claim: Claim,
    by: AuthUser,
    verdict: Verdict,
    reason: str,
    version: int,
    gold_evidence: Iterable[Evidence] | None = None,
    notes: str | None = None,
) -> Adjudication:
    """Replace an existing (automatic or any) adjudication; the reason is required and recorded.

    Gold evidence is kept as it was unless given; the notes become the reason unless given.
    """
    require(by, claim.article.project_id, Capability.REVIEW)
    if not reason.strip():
        raise ValidationError({"reason": gettext("Give a reason for overriding the existing adjudication.")})
    _check_verdict(claim, verdict)
    current = _lock_claim(claim)
    if current is None:
        raise ValidationError({"claim": gettext("This claim has no adjudication to override.")})
    gold = list(current.gold_evidence.all() if gold_evidence is None else gold_evidence)
    _check_gold(claim, gold)
    return _record(
        claim=claim, by=by, verdict=verdict, method=AdjudicationMethod.ADJUDICATED,
        notes=reason if notes is None else notes, gold=gold, version=version, reason=reason,
        reason_required=True, existing=current,
    )


@transaction.atomic
def adjudication_accept_majority(
    *,
    claim: Claim,
    by: AuthUser,
    version: int | None = None,
    reason: str = "",
) -> Adjudication:
    """Make the verdict most annotators gave final (method majority); ties are refused.

    Needs at least two verdicts. Over an existing adjudication it is an override: `version` and
    a reason are required.
    """
    require(by, claim.article.project_id, Capability.REVIEW)
    current = _lock_claim(claim)
    if current is not None and version is None:
        raise StaleVersion(current, gettext(ALREADY_ADJUDICATED))
    given = list(
        Annotation.objects.filter(claim=claim, verdict__isnull=False)
        .select_related("verdict")
        .order_by("verdict__order", "verdict__pk")
    )
    if len(given) < 2:
        raise ValidationError({"verdict": gettext("A majority needs at least two verdicts on the claim.")})
    winner, tied = plurality(a.verdict for a in given if a.verdict is not None)  # all are, by the query
    if winner is None:
        counts = Counter(a.verdict_id for a in given)
        names = ", ".join(f"{v.label} ({counts[v.pk]})" for v in tied)
        raise ValidationError(
            {"verdict": gettext(
                "There is no majority: the verdicts are tied between %(names)s. "
                "Choose the final verdict yourself."
            ) % {"names": names}}
        )
    # An override keeps the gold evidence the reviewer chose before.
    gold = [] if current is None else list(current.gold_evidence.all())
    return _record(
        claim=claim, by=by, verdict=winner, method=AdjudicationMethod.MAJORITY, notes=reason,
        gold=gold, version=version, reason=reason, reason_required=True, existing=current,
    )


# --- automatic unanimous acceptance -----------------------------------------------------------


@transaction.atomic
def adjudication_auto(*, claim: Claim) -> Adjudication | None:
    """Keep the claim's automatic adjudication in step with its annotations; return it if any.

    Called after annotation changes (annotation_save decides from what it already read and calls
    adjudication_auto_apply itself). When the project auto-accepts unanimous verdicts and the
    claim has at least `overlap` (and two) verdicts, all the same, the claim is adjudicated with
    method unanimous and no adjudicator. An automatic adjudication follows later changes (same
    verdict by everyone: updated; no longer unanimous: withdrawn). A person's decision is left
    alone.
    """
    # Lock the claim: of two annotators saving at once, the second to get here sees both verdicts.
    existing = _lock_claim(claim)
    verdicts = list(
        Annotation.objects.filter(claim=claim, verdict__isnull=False).values_list(
            "annotator_id", "verdict_id"
        )
    )
    return adjudication_auto_apply(claim=claim, verdicts=verdicts, existing=existing)


def adjudication_auto_due(
    *, verdict_ids: Iterable[int | None], project: Project, automatic: bool | None
) -> bool:
    """Whether adjudication_auto_apply could change anything, from what a save already read.

    `verdict_ids`: every verdict on the claim, read under its lock; `automatic`: whether its
    adjudication is automatic, None when it has none. A person's decision is never touched; an
    automatic one follows every change (kept, updated or withdrawn); without one, only a
    unanimous claim in a project that auto-accepts gets one.
    """
    if automatic is not None:
        return automatic
    given = [v for v in verdict_ids if v is not None]
    return (
        project.auto_accept_unanimous
        and len(set(given)) == 1
        and len(given) >= min_unanimous(project.overlap)
    )


def adjudication_auto_apply(
    *, claim: Claim, verdicts: Sequence[tuple[int, int]], existing: Adjudication | None
) -> Adjudication | None:
    """adjudication_auto's decision, on (annotator id, verdict id) pairs and the adjudication read
    while the caller holds the claim's lock (inside its transaction)."""
    project = claim.article.project
    verdict_ids = {verdict_id for _, verdict_id in verdicts}
    unanimous = len(verdict_ids) == 1 and len(verdicts) >= min_unanimous(project.overlap)
    if existing is not None and not _is_automatic(existing):
        return existing
    if not unanimous:
        if existing is not None:
            existing._history_user = None
            existing._change_reason = WITHDRAWN_REASON
            existing.delete()
        return None
    if existing is None and not project.auto_accept_unanimous:
        return None
    (verdict_id,) = verdict_ids
    annotators = sorted(annotator_id for annotator_id, _ in verdicts)
    if existing is None:
        adjudication = Adjudication(
            claim=claim, verdict_id=verdict_id, adjudicator=None, method=AdjudicationMethod.UNANIMOUS
        )
    elif existing.verdict_id != verdict_id:
        adjudication = existing
        adjudication.verdict_id = verdict_id
        adjudication.version += 1
    else:
        if sorted(existing.agrees_with.values_list("pk", flat=True)) != annotators:
            existing.agrees_with.set(annotators)
        return existing
    adjudication._history_user = None
    adjudication._change_reason = AUTO_REASON
    adjudication.save()
    if existing is None:
        adjudication.agrees_with.add(*annotators)  # a new row has none to compare with
    else:
        adjudication.agrees_with.set(annotators)
    return adjudication


def _verdicts_of(claim_ref: OuterRef, *, distinct: bool) -> Coalesce:
    """How many (distinct) verdicts a claim's annotations carry, as a scalar subquery."""
    qs = Annotation.objects.filter(claim=claim_ref, verdict__isnull=False).order_by()
    counted = qs.values("claim").annotate(n=Count("verdict", distinct=distinct)).values("n")
    return Coalesce(Subquery(counted[:1]), 0, output_field=IntegerField())


def adjudication_backfill(*, project: Project, by: AuthUser) -> int:
    """Auto-adjudicate the project's unanimous claims that have no final verdict yet; return how many.

    For a project that has just turned on auto-acceptance, or claims judged before it was on.
    """
    require(by, project, Capability.REVIEW)
    if not project.auto_accept_unanimous:
        raise ValidationError(
            {"auto_accept_unanimous": gettext("This project does not accept unanimous verdicts automatically.")}
        )
    candidates = (
        Claim.objects.filter(article__project=project, status=ClaimStatus.ACCEPTED)
        .annotate(
            n_verdicts=_verdicts_of(OuterRef("pk"), distinct=False),
            n_distinct=_verdicts_of(OuterRef("pk"), distinct=True),
            adjudicated=Exists(Adjudication.objects.filter(claim=OuterRef("pk"))),
        )
        .filter(
            n_distinct=1, adjudicated=False,
            n_verdicts__gte=Greatest(F("article__project__overlap"), 2),
        )
        .select_related("article__project")
        .order_by("pk")
    )
    created = 0
    for claim in candidates.iterator(chunk_size=500):
        # One transaction per claim: a long backfill never holds every lock at once.
        if adjudication_auto(claim=claim) is not None:
            created += 1
    return created


# --- the agreement job ------------------------------------------------------------------------


class AgreementRefused(UserFacingError):
    """The agreement job cannot run for its owner (they lost the right, or no longer exist)."""


def agreement_job_start(*, project: Project, by: AuthUser) -> Job:
    """Queue an agreement computation for the project (reviewers and managers).

    A job already queued or running for the project is returned instead of a second one.
    """
    require(by, project, Capability.REVIEW)
    with transaction.atomic():
        # Serialise starts per project so two clicks cannot queue two jobs.
        Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").first()
        pending = (
            Job.objects.filter(
                project=project, kind=JobKind.AGREEMENT,
                status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if pending is not None:
            return pending
        job = job_create(project=project, kind=JobKind.AGREEMENT, by=by, params={})
        from ..tasks import agreement_task  # tasks import services; keep that one-way

        job_enqueue(job, agreement_task)
    return job


def agreement_job_work(job: Job, progress: Progress) -> dict:
    """The agreement job's body: compute the report for its owner and return it as the result."""
    from ..selectors.agreement import agreement_report  # selectors read; the job only stores

    owner = job.created_by
    if owner is None:
        raise AgreementRefused("The person who started this job no longer exists.")
    require(owner, job.project_id, Capability.REVIEW)
    progress("computing agreement", 0, 1)
    report = agreement_report(job.project, names=True)
    progress("computing agreement", 1, 1)
    return report


__all__ = [
    "AUTO_REASON",
    "WITHDRAWN_REASON",
    "AgreementRefused",
    "adjudication_accept_majority",
    "adjudication_auto",
    "adjudication_auto_apply",
    "adjudication_auto_due",
    "adjudication_backfill",
    "adjudication_decide",
    "adjudication_override",
    "agreement_job_start",
    "agreement_job_work",
    "claim_adjudicate",
    "min_unanimous",
    "plurality",
]
