"""A project's inter-annotator agreement: verdicts and claim spans read from the database into
the pure functions of annotations.agreement, and the report every surface shows.

The same dict (JSON-serialisable) is the web page's data, the API's body and the output of
`manage.py agreement --json`. Projects with more than INLINE_LIMIT annotations are not computed
on request: the report of the latest finished agreement job is shown instead (see
annotations.services.adjudication.agreement_job_start), unless the caller asks for a fresh one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator

import numpy as np
from django.contrib.auth import get_user_model

from ..access import Capability, User, require
from ..agreement import DEFAULT_N_BOOT, Rating, Span, project_agreement, span_agreement
from ..models import (
    Annotation,
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimStatus,
    Job,
    JobKind,
    JobStatus,
    Membership,
    Project,
    Role,
    TaskKind,
)
from ..pseudonyms import pseudonym

# Above this many annotations the page and the API use the latest agreement job's report: an
# inline computation stays around a second up to here (20,000 verdicts on 10,000 claims: 0.8 s
# on SQLite, 1.0 s on PostgreSQL, loading included).
INLINE_LIMIT = 20_000
SEED = 0
_CHUNK = 5_000


def sees_names(user: User, roles: frozenset[str], project: Project) -> bool:
    """Whether the user sees annotators' usernames rather than their stable pseudonyms."""
    if getattr(user, "is_superuser", False) or roles & {Role.REVIEWER, Role.MANAGER, Role.ANNOTATOR}:
        return True
    return project.show_annotator_names


def annotator_labels(project: Project, user_ids: set[int], *, names: bool) -> dict[int, str]:
    """Each user's display name: the username, or the project's pseudonym (no query then)."""
    if not names:
        return {pk: pseudonym(project.pseudonym_salt, pk) for pk in user_ids}
    if not user_ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")
    return dict(rows)


def project_ratings(project: Project) -> Iterator[Rating]:
    """Every verdict given on the project's accepted claims, as Rating(claim id, user id, verdict code)."""
    codes = dict(project.scheme.verdicts.values_list("pk", "code"))
    rows = (
        Annotation.objects.filter(
            claim__article__project=project, claim__status=ClaimStatus.ACCEPTED,
            verdict__isnull=False,
        )
        .order_by()
        .values_list("claim_id", "annotator_id", "verdict_id")
        .iterator(chunk_size=_CHUNK)
    )
    for claim_id, annotator_id, verdict_id in rows:
        yield Rating(claim_id, annotator_id, codes[verdict_id])


def project_spans(project: Project) -> tuple[list[Span], set[tuple[int, int]]]:
    """The claim spans each annotator found, and which (article, annotator) did finding work.

    A span is stored once however many people mark it, so who found it is read from the claim's
    history: an annotator found a claim when their latest decision on it (marking it, or
    accepting a suggestion) accepted it, with the span as it was then. Rejecting it later, or the
    claim being deleted, takes it back. Done finding assignments count as annotated articles even
    when their annotator found nothing there.
    """
    annotators = set(
        Membership.objects.filter(project=project, role=Role.ANNOTATOR).values_list("user_id", flat=True)
    )
    history = (
        Claim.history.model.objects.filter(
            article_id__in=Article.objects.filter(project=project).values("pk")
        )
        .order_by("id", "history_date", "history_id")
        .values_list("id", "article_id", "start", "end", "status", "history_type", "history_user_id")
        .iterator(chunk_size=_CHUNK)
    )
    spans: list[Span] = []
    annotated: set[tuple[int, int]] = set()
    current: int | None = None
    article_id = 0
    finders: dict[int, tuple[int, int]] = {}
    previous_status = ""

    def flush() -> None:
        for user_id, (start, end) in finders.items():
            spans.append(Span(article_id, user_id, start, end))
            annotated.add((article_id, user_id))

    for claim_id, art_id, start, end, status, kind, user_id in history:
        if claim_id != current:
            if current is not None:
                flush()
            current, article_id, finders, previous_status = claim_id, art_id, {}, ""
        if kind == "-":
            finders = {}
            continue
        decided = kind == "+" or status != previous_status
        previous_status = status
        if not decided or user_id not in annotators:
            continue
        if status == ClaimStatus.ACCEPTED:
            finders[user_id] = (start, end)
        elif status == ClaimStatus.REJECTED:
            finders.pop(user_id, None)
    if current is not None:
        flush()
    done = Assignment.objects.filter(
        project=project, claim__isnull=True, status=AssignmentStatus.DONE, annotator_id__in=annotators
    ).values_list("article_id", "annotator_id")
    annotated.update(done)
    return spans, annotated


def _named(value: object, labels: dict[int, str]) -> object:
    return labels.get(value, value) if isinstance(value, int) else value


def agreement_report(
    project: Project, *, names: bool, n_boot: int = DEFAULT_N_BOOT, seed: int = SEED
) -> dict:
    """Compute the project's agreement report (no authorisation: callers check who asks).

    Verdicts are nominal; every figure has a 95 % bootstrap interval over claims (articles for
    spans). Annotators appear as usernames when `names`, else as the project's pseudonyms.
    """
    verdicts = list(project.scheme.verdicts.order_by("order", "pk"))
    codes = [v.code for v in verdicts]
    ratings = list(project_ratings(project))
    report = project_agreement(ratings, labels=codes, n_boot=n_boot, seed=seed)
    spans_report = None
    span_users: set[Hashable] = set()
    if project.task_kind != TaskKind.JUDGING:
        spans, annotated = project_spans(project)
        span_users = {s.annotator for s in spans} | {a for _, a in annotated}
        spans_report = span_agreement(spans, annotated=annotated, n_boot=n_boot, seed=seed).to_dict()
    # Raters and span annotators are any Hashable to the agreement module; here they are user ids.
    labels = annotator_labels(project, {r.rater for r in ratings} | span_users, names=names)  # type: ignore[arg-type]

    k = len(codes)
    coincidence = np.zeros((k, k), dtype=np.int64)
    per_pair = []
    for pair in report.per_pair:
        matrix = np.asarray(pair.confusion.counts, dtype=np.int64).reshape(k, k)
        coincidence += matrix + matrix.T
        row = pair.to_dict()
        row["rater_a"] = row["confusion"]["rater_a"] = _named(pair.rater_a, labels)
        row["rater_b"] = row["confusion"]["rater_b"] = _named(pair.rater_b, labels)
        per_pair.append(row)
    if spans_report is not None:
        for row in spans_report["per_pair"]:
            row["annotator_a"] = _named(row["annotator_a"], labels)
            row["annotator_b"] = _named(row["annotator_b"], labels)

    whole = report.to_dict()
    return {
        "project": project.slug,
        "available": True,
        "annotators": "usernames" if names else "pseudonyms",
        "level": "nominal",
        "n_boot": report.n_boot,
        "seed": report.seed,
        "ci_level": report.ci_level,
        "n_annotations": len(ratings),
        "labels": [{"code": v.code, "name": v.name, "colour": v.colour} for v in verdicts],
        "overall": {
            key: whole[key]
            for key in (
                "n_items", "n_ratings", "n_raters", "n_pairable_items", "alpha", "fleiss_kappa",
                "percent_agreement", "mean_pairwise_cohen",
            )
        },
        "per_verdict": whole["per_verdict"],
        "per_pair": per_pair,
        # Pairs of verdicts given to the same claim by two annotators, counted in both orders
        # (Krippendorff's coincidences before weighting): the diagonal is agreement.
        "coincidence": {"labels": codes, "counts": coincidence.tolist()},
        "spans": spans_report,
    }


def project_annotation_count(project: Project) -> int:
    """How many verdicts the project's accepted claims carry (what decides inline or job)."""
    return Annotation.objects.filter(
        claim__article__project=project, claim__status=ClaimStatus.ACCEPTED, verdict__isnull=False
    ).count()


def latest_agreement_jobs(project: Project) -> tuple[Job | None, Job | None]:
    """The project's latest agreement job (any status) and its latest succeeded one."""
    jobs = Job.objects.filter(project=project, kind=JobKind.AGREEMENT).order_by("-created_at", "-pk")
    latest = jobs.first()
    if latest is None or latest.status == JobStatus.SUCCEEDED:
        return latest, latest
    return latest, jobs.filter(status=JobStatus.SUCCEEDED).first()


def project_agreement_report(user: User, project: Project, *, fresh: bool = False) -> dict:
    """The project's agreement report for a reviewer or manager (JSON-serialisable).

    Computed now for projects up to INLINE_LIMIT annotations (or when `fresh`); for bigger ones,
    the latest succeeded agreement job's report with its job id and time, or `available: false`
    when no job has finished yet.
    """
    roles = require(user, project, Capability.REVIEW)
    names = sees_names(user, roles, project)
    count = project_annotation_count(project)
    big = count > INLINE_LIMIT
    if fresh or not big:
        report = agreement_report(project, names=names)
        report["source"] = {"kind": "inline", "job": None, "computed_at": None}
    else:
        _, done = latest_agreement_jobs(project)
        if done is not None and done.result.get("available"):
            report = dict(done.result)
            report["source"] = {
                "kind": "job", "job": done.pk,
                "computed_at": done.finished_at.isoformat() if done.finished_at else None,
            }
        else:
            report = {
                "project": project.slug, "available": False,
                "source": {"kind": "none", "job": None, "computed_at": None},
            }
    report["big"] = big
    report["inline_limit"] = INLINE_LIMIT
    report["n_annotations_now"] = count
    return report
