"""Read paths for reviewing: the queue of claims to settle, and one claim's work side by side.

Who sees what: reviewers and managers see every annotation and evidence with usernames;
annotators see only their own while the project is blind (everyone's otherwise); researchers see
the work on adjudicated claims only, with annotators as stable pseudonyms unless the project
shows names. Every function here runs a fixed number of queries, whatever the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, pgettext, pgettext_lazy

from ..access import Capability, NotFound, User, can, require
from ..models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Claim,
    ClaimStatus,
    Evidence,
    Project,
    Role,
    Stance,
    Verdict,
)
from ..pseudonyms import pseudonym
from ..services.adjudication import plurality
from .agreement import sees_names
from .counting import BoundedCount, BoundedPaginator, Keyset, Tally, tally

REVIEW_FILTERS = ("disagreements", "pending", "adjudicated", "all")
DEFAULT_FILTER = "disagreements"
PER_PAGE = 50
# Tab counts stop here ("100+"): a sparse tab (disagreements) is counted by walking the claims
# until this many are found, so its cost follows the cap, not the project's size.
TAB_COUNT_CAP = 100
QUEUE_KEYSET = Keyset(("article_id", "start", "end", "id"), echo=("article",))  # the queue's order
CONTEXT_CHARS = 280  # article text shown on each side of the quote
HISTORY_LIMIT = 300  # history rows read per kind of object; claims have a handful


# --- the queue --------------------------------------------------------------------------------


def _count_verdicts(*, distinct: bool) -> Coalesce:
    """A correlated count of a claim's (distinct) verdicts: no join multiplies the claim rows."""
    qs = Annotation.objects.filter(claim=OuterRef("pk"), verdict__isnull=False).order_by()
    counted = qs.values("claim").annotate(n=Count("verdict", distinct=distinct)).values("n")
    return Coalesce(Subquery(counted[:1]), 0, output_field=IntegerField())


def _judged() -> Exists:
    """The claim has at least one verdict."""
    return Exists(Annotation.objects.filter(claim=OuterRef("pk"), verdict__isnull=False))


def _disagreed() -> Exists:
    """Two of the claim's verdicts differ (a verdict with another, different one beside it)."""
    other = Annotation.objects.filter(claim=OuterRef("claim"), verdict__isnull=False).exclude(
        verdict=OuterRef("verdict")
    )
    return Exists(Annotation.objects.filter(claim=OuterRef("pk"), verdict__isnull=False).filter(Exists(other)))


def _adjudicated() -> Exists:
    return Exists(Adjudication.objects.filter(claim=OuterRef("pk")))


# EXISTS, not the verdict counts nor a LEFT JOIN's IS NULL: the database can start from the (few)
# annotated or adjudicated claims instead of counting the verdicts of every claim of the project,
# and estimates "not adjudicated" right (PostgreSQL takes `adjudication__isnull=True` on the
# joined id for a handful of rows and plans nested loops over the whole project).
FILTER_Q = {
    "disagreements": Q(_disagreed(), ~_adjudicated()),
    "pending": Q(_judged(), ~_adjudicated()),
    "adjudicated": Q(_adjudicated()),
    "all": Q(),
}


def _review_claims(project: Project) -> QuerySet[Claim]:
    """The project's accepted claims."""
    return Claim.objects.filter(article__project=project, status=ClaimStatus.ACCEPTED)


def _with_verdict_counts(qs: QuerySet[Claim]) -> QuerySet[Claim]:
    """Each claim with `n_verdicts` and `n_distinct`, for the sorts by them."""
    return qs.annotate(n_verdicts=_count_verdicts(distinct=False), n_distinct=_count_verdicts(distinct=True))


def _check_filter(name: str) -> str:
    if name not in REVIEW_FILTERS:
        raise ValidationError({"filter": f"Unknown filter {name!r}; choose one of {', '.join(REVIEW_FILTERS)}."})
    return name


@dataclass(frozen=True)
class VerdictCount:
    verdict: Verdict
    count: int


@dataclass(frozen=True)
class QueueRow:
    """One claim of the queue with its verdicts tallied."""

    claim: Claim
    n_verdicts: int
    counts: tuple[VerdictCount, ...]
    adjudication: Adjudication | None

    @property
    def disagree(self) -> bool:
        return len(self.counts) > 1


@dataclass(frozen=True)
class ReviewQueue:
    project: Project
    roles: frozenset[str]
    filter: str
    tab_counts: dict[str, Tally]  # each stops at TAB_COUNT_CAP (shown "100+")
    page: Page
    rows: tuple[QueueRow, ...]


def review_queue(
    user: User, project: Project, *, filter: str = DEFAULT_FILTER, page: int | str = 1,
    per_page: int | None = None, narrow: Callable[[QuerySet], QuerySet] | None = None,
    order_by: Sequence[str] | None = None, after: str | None = None, before: str | None = None,
) -> ReviewQueue:
    """A page of the project's claims for reviewers: disagreements to settle (default), pending,
    adjudicated or all, in article order; five queries whatever the page size or the project's.

    `narrow` applies the page's search and filters to every tab (the counts follow them);
    `order_by` replaces the article order. Tab counts stop at TAB_COUNT_CAP, and the pages are
    counted only as far as the page asked for (BoundedPaginator); in the article order, `after`
    and `before` (a row's key, from the page links) read the next or previous page by key.
    """
    roles = require(user, project, Capability.REVIEW)
    name = _check_filter(filter)
    base = _review_claims(project)
    if narrow is not None:
        base = narrow(base)
    # One query: each tab's bounded count as an uncorrelated scalar subquery.
    counted = (
        Project.objects.filter(pk=project.pk)
        .annotate(**{f"n_{key}": BoundedCount(base.filter(FILTER_Q[key]), TAB_COUNT_CAP) for key in REVIEW_FILTERS})
        .values_list(*(f"n_{key}" for key in REVIEW_FILTERS))
        .get()
    )
    tab_counts = {key: tally(n, TAB_COUNT_CAP) for key, n in zip(REVIEW_FILTERS, counted, strict=True)}
    rows_qs = base.filter(FILTER_Q[name])
    if any(field.lstrip("-") in ("n_verdicts", "n_distinct") for field in order_by or ()):
        # Sorted by them, the counts are the database's; otherwise the rows' verdicts, read anyway
        # for the chips, are counted here (two correlated counts a row fewer to build and run).
        rows_qs = _with_verdict_counts(rows_qs)
    rows_qs = (
        rows_qs
        .select_related("article", "adjudication__verdict", "adjudication__adjudicator")
        .defer("article__body", "article__metadata")  # the queue shows titles; bodies can be long
        .prefetch_related(
            Prefetch(
                "annotations",
                queryset=Annotation.objects.filter(verdict__isnull=False)
                .select_related("verdict")
                .only("pk", "claim_id", "verdict")
                .order_by("verdict__order", "pk"),
                to_attr="given",
            )
        )
        .order_by(*(order_by or ("article_id", "start", "end", "pk")))
    )
    keyset = None if order_by else QUEUE_KEYSET
    paginator = BoundedPaginator(rows_qs, per_page or PER_PAGE, cap=TAB_COUNT_CAP, known=tab_counts[name], keyset=keyset)
    current = paginator.get_page_from(page, after=after, before=before)
    rows = []
    for claim in current.object_list:
        votes = Counter(a.verdict for a in claim.given)
        counts = tuple(VerdictCount(v, n) for v, n in votes.items())
        rows.append(QueueRow(claim, len(claim.given), counts, getattr(claim, "adjudication", None)))
    return ReviewQueue(project, roles, name, tab_counts, current, tuple(rows))


def review_next_claim(user: User, claim: Claim, *, filter: str = DEFAULT_FILTER) -> int | None:
    """The id of the claim after this one in the review queue's order and filter, if any."""
    require(user, claim.article.project_id, Capability.REVIEW)
    name = _check_filter(filter)
    after = (
        Q(article_id__gt=claim.article_id)
        | Q(article_id=claim.article_id, start__gt=claim.start)
        | Q(article_id=claim.article_id, start=claim.start, end__gt=claim.end)
        | Q(article_id=claim.article_id, start=claim.start, end=claim.end, pk__gt=claim.pk)
    )
    nxt = (
        _review_claims(claim.article.project)
        .filter(FILTER_Q[name])
        .filter(after)
        .order_by("article_id", "start", "end", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return nxt


# --- one claim --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotatorWork:
    """One annotator's verdict and evidence on the claim, under the name the viewer sees."""

    who: str
    annotation: Annotation | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class HistoryEntry:
    """One change to the claim's annotations, evidence or adjudication."""

    when: datetime
    who: str
    kind: str  # annotation, evidence, adjudication
    action: str  # created, changed, deleted
    subject: str  # whose annotation, which evidence
    changes: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ClaimReview:
    """Everything the adjudication page shows about one claim."""

    claim: Claim
    project: Project
    roles: frozenset[str]
    can_adjudicate: bool
    names: bool
    before: str
    after: str
    verdicts: tuple[Verdict, ...]
    work: tuple[AnnotatorWork, ...]
    other_evidence: tuple[Evidence, ...]  # added by reviewers and others who gave no verdict
    evidence_by: dict[int, str]
    adjudication: Adjudication | None
    adjudicator: str
    gold_ids: frozenset[int]
    agrees_with: tuple[str, ...]
    counts: tuple[VerdictCount, ...]
    majority: Verdict | None
    tied: tuple[Verdict, ...]
    history: tuple[HistoryEntry, ...] = field(default=())

    @property
    def all_evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for w in self.work for e in w.evidence) + self.other_evidence


def _context(body: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT_CHARS of text either side of the quote, cut at a word boundary."""
    before = body[max(0, start - CONTEXT_CHARS):start]
    after = body[end:end + CONTEXT_CHARS]
    if start > CONTEXT_CHARS and " " in before:
        before = "…" + before[before.index(" ") + 1:]
    if end + CONTEXT_CHARS < len(body) and " " in after:
        after = after[:after.rindex(" ")] + "…"
    return before, after


def _scope(user: User, roles: frozenset[str], project: Project, claim: Claim, adjudicated: bool) -> str:
    """What the user may see of the claim's work: 'all', 'own' (blind annotator) or 'none'."""
    if can(roles, Capability.REVIEW, user=user):
        return "all"
    if Role.ANNOTATOR in roles:
        return "own" if project.blind else "all"
    if Role.RESEARCHER in roles:
        # Researchers see finished work only: the claims that have a final verdict.
        return "all" if adjudicated else "none"
    return "none"


def claim_review(user: User, claim_id: int, *, capability: Capability = Capability.VIEW) -> ClaimReview:
    """One claim with every annotation and evidence the user may see, side by side, and history.

    A fixed number of queries (about a dozen) however many annotations and changes there are.
    """
    claim = (
        Claim.objects.select_related("article__project__scheme", "article__outlet").filter(pk=claim_id).first()
    )
    if claim is None:
        raise NotFound(gettext("No such claim."))
    project = claim.article.project
    roles = require(user, project, capability)
    adjudication = (
        Adjudication.objects.filter(claim=claim)
        .select_related("verdict", "adjudicator")
        .prefetch_related("gold_evidence", "agrees_with")
        .first()
    )
    scope = _scope(user, roles, project, claim, adjudication is not None)
    names = sees_names(user, roles, project)
    verdicts = tuple(project.scheme.verdicts.order_by("order", "pk"))
    annotations = list(
        Annotation.objects.filter(claim=claim).select_related("annotator", "verdict").order_by("annotator_id")
    )
    evidence = list(
        Evidence.objects.filter(claim=claim)
        .select_related("added_by", "linked_claim", "linked_article")
        .order_by("pk")
    )
    if scope == "own":
        annotations = [a for a in annotations if a.annotator_id == user.pk]
        evidence = [e for e in evidence if e.added_by_id == user.pk]
        adjudication = None  # the final verdict would tell a blind annotator what others said
    elif scope == "none":
        annotations, evidence, adjudication = [], [], None

    history_rows = _history_rows(claim, scope, user)
    user_ids = (
        {a.annotator_id for a in annotations} | {e.added_by_id for e in evidence}
        | {row["history_user_id"] for row in history_rows if row["history_user_id"]}
        | {row["annotator_id"] for row in history_rows if row.get("annotator_id")}
        | {row["added_by_id"] for row in history_rows if row.get("added_by_id")}
        | ({adjudication.adjudicator_id} if adjudication and adjudication.adjudicator_id else set())
        | ({u.pk for u in adjudication.agrees_with.all()} if adjudication else set())
    )
    label = _labeller(project, user_ids, names)

    by_annotator: dict[int, list[Evidence]] = {}
    for e in evidence:
        by_annotator.setdefault(e.added_by_id, []).append(e)
    work = tuple(
        AnnotatorWork(label(a.annotator_id), a, tuple(by_annotator.pop(a.annotator_id, ())))
        for a in annotations
    )
    other = tuple(e for rows in by_annotator.values() for e in rows)
    tally = Counter(a.verdict for a in annotations if a.verdict is not None)
    ordered = sorted(tally.items(), key=lambda kv: (kv[0].order, kv[0].pk))
    winner, tied = plurality(a.verdict for a in annotations if a.verdict is not None)
    if sum(tally.values()) < 2:
        winner = None
    before, after = _context(claim.article.body, claim.start, claim.end)
    verdict_names = {v.pk: v.label for v in verdicts}
    return ClaimReview(
        claim=claim,
        project=project,
        roles=roles,
        can_adjudicate=can(roles, Capability.REVIEW, user=user),
        names=names,
        before=before,
        after=after,
        verdicts=verdicts,
        work=work,
        other_evidence=other,
        evidence_by={e.pk: label(e.added_by_id) for e in evidence},
        adjudication=adjudication,
        adjudicator=label(adjudication.adjudicator_id) if adjudication and adjudication.adjudicator_id else "",
        gold_ids=frozenset(e.pk for e in adjudication.gold_evidence.all()) if adjudication else frozenset(),
        agrees_with=tuple(sorted(label(u.pk) for u in adjudication.agrees_with.all())) if adjudication else (),
        counts=tuple(VerdictCount(v, n) for v, n in ordered),
        majority=winner,
        tied=tuple(sorted(tied, key=lambda v: (v.order, v.pk))),
        history=_history_entries(history_rows, label, verdict_names),
    )


def _labeller(project: Project, user_ids: set[int], names: bool):
    """A function from user id to the name the viewer sees (one query for usernames, if any)."""
    if names:
        usernames = dict(
            get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")
        ) if user_ids else {}
        return lambda pk: usernames.get(pk, "—") if pk else "—"
    return lambda pk: pseudonym(project.pseudonym_salt, pk) if pk else "—"


# Fields whose changes the history shows, per kind, with their labels.
_TRACKED = {
    "annotation": (("verdict_id", "verdict"), ("confidence", "confidence"), ("rationale", "rationale")),
    "evidence": (
        ("stance", "stance"), ("url", "url"), ("title", "title"), ("passage", "passage"),
        ("question", "question"), ("publisher", "publisher"),
    ),
    "adjudication": (
        ("verdict_id", "verdict"), ("method", "method"), ("adjudicator_id", "adjudicator"),
        ("notes", "notes"),
    ),
}
_ACTIONS = {"+": pgettext_lazy("history", "created"), "~": pgettext_lazy("history", "changed"),
            "-": pgettext_lazy("history", "deleted")}
# The history's labels and kinds as people read them (the keys stay the fields' names).
_LABELS = {
    "verdict": pgettext_lazy("history", "verdict"), "confidence": pgettext_lazy("history", "confidence"),
    "rationale": pgettext_lazy("history", "rationale"), "stance": pgettext_lazy("history", "stance"),
    "url": pgettext_lazy("history", "URL"), "title": pgettext_lazy("history", "title"),
    "passage": pgettext_lazy("history", "passage"), "question": pgettext_lazy("history", "question"),
    "publisher": pgettext_lazy("history", "publisher"), "method": pgettext_lazy("history", "method"),
    "adjudicator": pgettext_lazy("history", "adjudicator"), "notes": pgettext_lazy("history", "notes"),
    "annotation": pgettext_lazy("history", "annotation"), "evidence": pgettext_lazy("history", "evidence"),
    "adjudication": pgettext_lazy("history", "adjudication"),
}
# Stored choice values shown by their labels (supports → Supports, majority → Majority).
_CHOICES = {"stance": dict(Stance.choices), "method": dict(AdjudicationMethod.choices)}


def _history_rows(claim: Claim, scope: str, user: User) -> list[dict]:
    """The history rows of the claim's annotations, evidence and adjudication the viewer may see."""
    if scope == "none":
        return []
    common = ("history_id", "history_date", "history_type", "history_user_id", "history_change_reason", "id")
    annotation_rows = Annotation.history.model.objects.filter(claim_id=claim.pk)
    evidence_rows = Evidence.history.model.objects.filter(claim_id=claim.pk)
    if scope == "own":
        annotation_rows = annotation_rows.filter(annotator_id=user.pk)
        evidence_rows = evidence_rows.filter(added_by_id=user.pk)
    rows: list[dict] = []
    for kind, qs, extra in (
        ("annotation", annotation_rows, ("annotator_id",)),
        ("evidence", evidence_rows, ("added_by_id",)),
        ("adjudication", Adjudication.history.model.objects.filter(claim_id=claim.pk) if scope == "all" else None, ()),
    ):
        if qs is None:
            continue
        fields = common + extra + tuple(name for name, _ in _TRACKED[kind])
        for row in qs.order_by("history_date", "history_id").values(*fields)[:HISTORY_LIMIT]:
            row["kind"] = kind
            rows.append(row)
    return rows


def _show(name: str, value: object, verdict_names: dict[int, str], label) -> str:
    if value in (None, ""):
        return "—"
    if name == "verdict" and isinstance(value, int):
        return verdict_names.get(value, str(value))
    if name == "adjudicator":
        return label(value)
    if name in _CHOICES and value in _CHOICES[name]:
        return str(_CHOICES[name][value])
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def _history_entries(rows: list[dict], label, verdict_names: dict[int, str]) -> tuple[HistoryEntry, ...]:
    """Turn history rows into entries listing what each change changed, newest first."""
    previous: dict[tuple[str, int], dict] = {}
    entries = []
    for row in rows:  # oldest first within each kind: compare each row with the one before it
        key = (row["kind"], row["id"])
        before = previous.get(key)
        changes = []
        for name, shown in _TRACKED[row["kind"]]:
            new = row[name]
            if row["history_type"] == "+":
                if new not in (None, ""):
                    changes.append(f"{_LABELS[shown]}{gettext(':')} {_show(shown, new, verdict_names, label)}")
            elif row["history_type"] == "~" and before is not None and before[name] != new:
                changes.append(
                    f"{_LABELS[shown]}{gettext(':')} {_show(shown, before[name], verdict_names, label)} → "
                    f"{_show(shown, new, verdict_names, label)}"
                )
        if row["history_type"] == "~" and not changes and row["kind"] == "adjudication":
            changes.append(gettext("gold evidence"))
        previous[key] = row
        if row["kind"] == "annotation":
            subject = label(row["annotator_id"])
        elif row["kind"] == "evidence":
            subject = f"#{row['id']} ({label(row['added_by_id'])})"
        else:
            subject = ""
        if row["history_user_id"]:
            who = label(row["history_user_id"])
        else:  # only adjudications are made by nobody: the automatic unanimous acceptance
            who = pgettext("history", "automatic") if row["kind"] == "adjudication" else "—"
        entries.append(
            HistoryEntry(
                when=row["history_date"], who=who, kind=str(_LABELS[row["kind"]]),
                action=str(_ACTIONS.get(row["history_type"], row["history_type"])), subject=subject,
                changes=tuple(changes), reason=row["history_change_reason"] or "",
            )
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return tuple(entries)
