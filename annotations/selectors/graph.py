"""Reads of the claim graph: questions, their answers and contradictions, proposed relations.

The graph is the work of those who find claims (annotators, reviewers, managers), as links are:
researchers read it in releases. Verdicts beside answers follow the cluster page's rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from ..access import Capability, NotFound, User, require
from ..models import (
    OPPOSITE_ANSWERS,
    Adjudication,
    Annotation,
    Answer,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Project,
    QuestionAnswer,
    RelationCandidate,
    RelationKind,
)
from .article_page import Permissions, _visible_annotations
from .visibility import Scope, _within

CONTEXT_CHARS = 120


def _perms(user: User, project: Project | int) -> Permissions:
    """The user's permissions in the project; the graph needs FIND (NotFound/PermissionDenied else)."""
    roles = require(user, project, Capability.FIND)
    return Permissions.of(user, roles)


def questions_of_project(user: User, project: Project, *, search: str = "") -> QuerySet[CheckQuestion]:
    """The project's questions with their answer counts, newest first."""
    _perms(user, project)
    qs = CheckQuestion.objects.filter(project=project)
    if search:
        qs = qs.filter(Q(text__icontains=search) | Q(text_en__icontains=search))
    live = ~Q(answers__claim__status=ClaimStatus.REJECTED)
    return qs.annotate(
        n_answers=Count("answers", filter=live),
        n_yes=Count("answers", filter=live & Q(answers__answer=Answer.YES)),
        n_no=Count("answers", filter=live & Q(answers__answer=Answer.NO)),
        contradicted=Exists(_opposed_answers(OuterRef("pk"))),
    ).order_by("-updated_at", "-pk")


def _opposed_answers(question: OuterRef) -> QuerySet[QuestionAnswer]:
    """Yes answers to the question that a no answer of another article contradicts."""
    live = QuestionAnswer.objects.exclude(claim__status=ClaimStatus.REJECTED)
    noes = live.filter(question=OuterRef("question"), answer=Answer.NO).exclude(
        claim__article=OuterRef("claim__article")
    )
    return live.filter(question=question, answer=Answer.YES).filter(Exists(noes))


def question_get_for_user(user: User, question_id: int) -> tuple[CheckQuestion, Permissions]:
    """A question the user may see (NotFound for outsiders, as for any object of a project)."""
    question = CheckQuestion.objects.select_related("project", "created_by").filter(pk=question_id).first()
    if question is None:
        raise NotFound(gettext("No such question."))
    return question, _perms(user, question.project)


def answer_get_for_user(user: User, answer_id: int) -> QuestionAnswer:
    """An answer the user may see."""
    answer = QuestionAnswer.objects.select_related("question__project", "claim__article").filter(pk=answer_id).first()
    if answer is None:
        raise NotFound(gettext("No such answer."))
    question_get_for_user(user, answer.question_id)
    return answer


@dataclass
class AnswerCard:
    """One claim answering a question, in its article, with the verdicts the user may see."""

    answer: QuestionAnswer
    claim: Claim
    before: str
    after: str
    annotations: list[Annotation] = field(default_factory=list)
    adjudication: Adjudication | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class QuestionPage:
    """A question: the claims answering it grouped by answer, and the contradictions among them."""

    question: CheckQuestion
    perms: Permissions
    groups: list[tuple[str, str, list[AnswerCard]]]  # (answer, label, cards)
    contradictions: list[tuple[AnswerCard, AnswerCard]]
    blind_hidden: bool


def question_page_for_user(user: User, question_id: int) -> QuestionPage:
    """Everything the question's page shows, in a fixed number of queries."""
    question, perms = question_get_for_user(user, question_id)
    assert user.is_authenticated  # question_get_for_user refused anonymous users
    project = question.project
    answers = list(
        question.answers.select_related("claim__article__outlet", "answered_by")
        .exclude(claim__status=ClaimStatus.REJECTED)
        .order_by("claim__article__published_on", "claim__article_id", "claim__start")
    )
    cards: dict[int, AnswerCard] = {}
    for a in answers:
        body = a.claim.article.body
        cards[a.claim_id] = AnswerCard(
            answer=a, claim=a.claim,
            before=body[max(0, a.claim.start - CONTEXT_CHARS):a.claim.start],
            after=body[a.claim.end:a.claim.end + CONTEXT_CHARS],
        )
    ids = list(cards)
    for annotation in (
        _visible_annotations(user, project, perms).filter(claim_id__in=ids)
        .select_related("annotator", "verdict").order_by("claim_id", "created_at", "pk")
    ):
        cards[annotation.claim_id].annotations.append(annotation)
    if perms.review:
        for adjudication in Adjudication.objects.filter(claim_id__in=ids).select_related("verdict"):
            cards[adjudication.claim_id].adjudication = adjudication
    visible_evidence = Evidence.objects.filter(claim_id__in=ids)
    if project.blind and not perms.review:
        visible_evidence = visible_evidence.filter(added_by=user)
    for ev in visible_evidence.order_by("claim_id", "pk"):
        cards[ev.claim_id].evidence.append(ev)
    labels = dict(Answer.choices)
    groups = []
    for value in Answer.values:
        members = [c for c in cards.values() if c.answer.answer == value]
        if members:
            groups.append((value, str(labels[value]), members))
    contradictions = [
        (x, y) for x, y in combinations(cards.values(), 2)
        if (x.answer.answer, y.answer.answer) in OPPOSITE_ANSWERS and x.claim.article_id != y.claim.article_id
    ]
    return QuestionPage(
        question=question, perms=perms, groups=groups, contradictions=contradictions,
        blind_hidden=bool(project.blind and perms.annotate and not perms.review),
    )


@dataclass(frozen=True)
class ClaimQuestion:
    """A question a claim answers, its answer, and the claims that answer it the opposite way."""

    answer: QuestionAnswer
    question: CheckQuestion
    opposed_by: tuple[Claim, ...]


def questions_of_claim(claim: Claim) -> list[ClaimQuestion]:
    """The questions a claim answers, each with the claims contradicting it there (two queries)."""
    mine = list(claim.question_answers.select_related("question").order_by("question_id"))
    if not mine:
        return []
    others: dict[int, list[QuestionAnswer]] = defaultdict(list)
    for row in (
        QuestionAnswer.objects.filter(question_id__in=[a.question_id for a in mine])
        .exclude(claim=claim).exclude(claim__status=ClaimStatus.REJECTED)
        .select_related("claim__article")
    ):
        others[row.question_id].append(row)
    return [
        ClaimQuestion(
            answer=a, question=a.question,
            opposed_by=tuple(
                o.claim for o in others[a.question_id]
                if (a.answer, o.answer) in OPPOSITE_ANSWERS and o.claim.article_id != claim.article_id
            ),
        )
        for a in mine
    ]


def contradicting_claims(claim: Claim) -> list[Claim]:
    """Claims contradicting this one: by a contradicts link or by opposite answers to a question."""
    linked = ClaimRelation.objects.filter(
        Q(source=claim) | Q(target=claim), kind=RelationKind.CONTRADICTS
    ).values_list("source_id", "target_id")
    ids = {s if s != claim.pk else t for s, t in linked}
    for item in questions_of_claim(claim):
        ids.update(c.pk for c in item.opposed_by)
    return list(Claim.objects.filter(pk__in=ids).select_related("article").order_by("article_id", "start"))


def candidates_for_user(
    user: User, project: Project, *, status: str = CandidateStatus.PENDING, kind: str | None = None,
) -> QuerySet[RelationCandidate]:
    """The project's proposed relations, best first (reviewers and managers)."""
    require(user, project, Capability.REVIEW)
    qs = RelationCandidate.objects.filter(project=project, status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related(
        "a_article__outlet", "b_article__outlet", "a_claim", "b_claim", "question", "decided_by"
    ).order_by("-score", "pk")


def candidate_get_for_user(user: User, candidate_id: int) -> RelationCandidate:
    """A proposed relation the user may see (reviewers and managers)."""
    candidate = RelationCandidate.objects.select_related("project").filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound(gettext("No such proposal."))
    require(user, candidate.project_id, Capability.REVIEW)
    return candidate


def candidate_sides(candidate: RelationCandidate) -> tuple[str, str]:
    """The two quoted spans of a proposal, as they read in their articles now."""
    return (
        candidate.a_article.body[candidate.a_start:candidate.a_end],
        candidate.b_article.body[candidate.b_start:candidate.b_end],
    )


def pending_candidates_count(project: Project) -> int:
    """How many proposals wait for a reviewer (for the project page's counter)."""
    return RelationCandidate.objects.filter(project=project, status=CandidateStatus.PENDING).count()


# --- related claims (semantic retrieval over the project's vector index) ----------------------


@dataclass(frozen=True)
class RelatedItem:
    """A passage of another article likely about the same thing as the anchor, and why."""

    article_id: int
    article_title: str
    start: int
    end: int
    quote: str
    claim: Claim | None  # the claim at this span, if there is one (else a sentence nobody marked)
    score: float
    relation: str  # the engine's guess: same, contradicts, supports or related
    reasons: tuple[str, ...]
    linked: tuple[str, ...]  # kinds of the links that already join it to the anchor claim


def _items(project: Project, ranked: list, anchor_claim: Claim | None) -> list[RelatedItem]:
    from ..services.graph_jobs import parse_key

    claim_ids = [parse_key(r.passage.key)[1] for r in ranked if r.passage.key.startswith("c")]
    article_ids = {int(r.passage.doc) for r in ranked}
    claims = {c.pk: c for c in Claim.objects.filter(pk__in=claim_ids)}
    spans = {
        (c.article_id, c.start, c.end): c
        for c in Claim.objects.filter(article_id__in=article_ids).exclude(status=ClaimStatus.REJECTED)
    }
    titles = dict(project.articles.filter(pk__in=article_ids).values_list("pk", "title"))
    linked: dict[int, list[str]] = defaultdict(list)
    if anchor_claim is not None:
        for s, t, kind in ClaimRelation.objects.filter(Q(source=anchor_claim) | Q(target=anchor_claim)).values_list(
            "source_id", "target_id", "kind"
        ):
            linked[t if s == anchor_claim.pk else s].append(kind)
    out = []
    for r in ranked:
        p = r.passage
        kind, a, _, _ = parse_key(p.key)
        claim = claims.get(a) if kind == "c" else spans.get((int(p.doc), p.start, p.end))
        out.append(RelatedItem(
            article_id=int(p.doc), article_title=titles.get(int(p.doc), ""), start=p.start, end=p.end,
            quote=p.text, claim=claim, score=round(float(r.score), 3), relation=r.relation,
            reasons=tuple(r.reasons), linked=tuple(linked.get(claim.pk, ())) if claim else (),
        ))
    return out


def related_for_user(user: User, claim_id: int, *, k: int = 10) -> list[RelatedItem]:
    """The claim's related passages from other articles, best first ([] before the first index)."""
    from ..services import graph_jobs
    from .article_page import claim_visible_to

    claim, perms = claim_visible_to(user, claim_id)
    if not perms.find:
        require(user, claim.article.project_id, Capability.FIND)
    project = claim.article.project
    index = graph_jobs.open_index(project.pk)
    if index is None or not len(index):
        return []
    key = graph_jobs.claim_key(claim.pk)
    anchor = graph_jobs.passages_for_keys(project, [key]).get(key)
    if anchor is None:  # a rejected claim: rank its text all the same
        from ..graph.engine import Passage

        anchor = Passage(key=key, doc=str(claim.article_id), start=claim.start, end=claim.end,
                         text=claim.quote, lang=claim.article.language or project.language)
    vec = index.vectors([key])[0] if key in index else graph_jobs.default_embedder().embed([claim.quote])[0]
    ranked = graph_jobs.rank_related(project, anchor, vec, index, k=k, weights=graph_jobs.current_weights(project))
    return _items(project, ranked, claim)


def answer_candidates_for_user(user: User, question_id: int, *, k: int = 10) -> list[RelatedItem]:
    """Passages across the corpus likely to answer the question, not yet attached to it."""
    from ..graph.engine import Passage
    from ..services import graph_jobs

    question, perms = question_get_for_user(user, question_id)
    project = question.project
    index = graph_jobs.open_index(project.pk)
    if index is None or not len(index):
        return []
    text = question.text
    anchor = Passage(key=f"q{question.pk}", doc="", start=0, end=len(text), text=text, lang=project.language)
    vec = graph_jobs.default_embedder().embed([text])[0]
    vec2 = None
    if graph_jobs.open_second_index(project.pk) is not None:
        from ..suggest.embeddings_e5 import second_embedder

        # e5 was trained to match a "query: " against "passage: " texts: a question is a query.
        vec2 = second_embedder("query").embed([text])[0]
    ranked = graph_jobs.rank_related(project, anchor, vec, index, k=k + 10,
                                     weights=graph_jobs.current_weights(project), vec2=vec2)
    attached = set(question.answers.values_list("claim_id", flat=True))
    items = [i for i in _items(project, ranked, None) if not (i.claim and i.claim.pk in attached)]
    return items[:k]


# --- API lists (scoped like every other list: visibility.list_scope) ---------------------------


def questions_listable(scope: Scope) -> QuerySet[CheckQuestion]:
    """Questions of the projects where the user finds claims."""
    return _within(CheckQuestion.objects.all(), scope, "project", Capability.FIND)


def answers_listable(scope: Scope) -> QuerySet[QuestionAnswer]:
    """Answers of the projects where the user finds claims."""
    return _within(QuestionAnswer.objects.all(), scope, "question__project", Capability.FIND)


def candidates_listable(scope: Scope) -> QuerySet[RelationCandidate]:
    """Proposed relations of the projects the user reviews."""
    return _within(RelationCandidate.objects.all(), scope, "project", Capability.REVIEW)
