"""Read paths of the article page and the claim cluster: a fixed number of queries, whatever
the number of claims, and nothing a user may not see (blind projects, researchers)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy as _

from ..access import AuthUser, Capability, NotFound, User, can, require
from ..models import (
    Adjudication,
    Annotation,
    Article,
    Assignment,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Project,
    RelationKind,
    Role,
    Verdict,
)
from ..suggest import engine as suggest_engine
from .core import annotations_visible_to, claim_get_for_user, claims_of_article, evidence_visible_to
from .similar import SimilarClaim, similar_accepted_claims

# Highlighted in the body; rejected claims are listed but not marked.
HIGHLIGHTED = (ClaimStatus.ACCEPTED, ClaimStatus.CANDIDATE)
# How far and how wide the cluster page follows links, so one page never loads a whole corpus.
CLUSTER_MAX_DEPTH = 4
CLUSTER_MAX_CLAIMS = 60
CONTEXT_CHARS = 160


@dataclass(frozen=True)
class Permissions:
    """What the user's roles allow on this page."""

    roles: frozenset[str]
    find: bool  # mark, accept, reject, edit, add evidence, link
    annotate: bool  # give verdicts
    review: bool  # sees everyone's work

    @classmethod
    def of(cls, user: User, roles: frozenset[str]) -> Permissions:
        return cls(
            roles=roles,
            find=can(roles, Capability.FIND, user=user),
            annotate=can(roles, Capability.ANNOTATE, user=user),
            review=can(roles, Capability.REVIEW, user=user),
        )


@dataclass(frozen=True)
class Segment:
    """A run of the body between two claim boundaries, with the claims covering it."""

    start: int
    end: int
    text: str
    claims: tuple[Claim, ...]  # lowest lane first
    lanes: tuple[int, ...]  # each claim's lane, in the same order


@dataclass
class ClaimItem:
    """A claim as the list shows it: its lane in the body, the user's verdict, review counts."""

    claim: Claim
    lane: int = 0
    my_verdict: Verdict | None = None
    n_annotations: int | None = None  # reviewers only
    final_verdict: Verdict | None = None  # reviewers only


@dataclass
class RelationRow:
    """A link of the focused claim, seen from it: the kind, the direction and the other claim."""

    relation: ClaimRelation
    other: Claim
    outgoing: bool


@dataclass
class ClaimPanel:
    """Everything the side panel shows about one claim, as visible to the user."""

    claim: Claim
    perms: Permissions
    verdicts: list[Verdict]
    my_annotation: Annotation | None
    other_annotations: list[Annotation]
    evidence: list
    relations: list[RelationRow]
    adjudication: Adjudication | None
    blind_hidden: bool  # other annotators' work exists but is hidden by the blind rule
    # Suggestions only: accepted claims of other articles that read like this one.
    similar: list[SimilarClaim] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Why the engine suggested this claim: its strongest cues, as words (suggestions only)."""
        return suggestion_cues(self.claim)


def suggestion_cues(claim: Claim) -> list[str]:
    """A suggestion's strongest cues, as annotators read them ([] for other claims; no query)."""
    if claim.origin != ClaimOrigin.SUGGESTED:
        return []
    lang = claim.article.language
    cues = suggest_engine.features(claim.quote, lang)
    found = suggest_engine.reasons(cues, generic=suggest_engine.language_support(lang) == "generic")
    return [str(CUE_LABELS.get(key, key)) for key in found]


@dataclass(frozen=True)
class SuggestionReasons:
    """Why a claim was suggested: its cues, and accepted claims of other articles like it."""

    cues: list[str]
    similar: list[SimilarClaim]


def suggestion_reasons(user: User, claim: Claim, *, roles: frozenset[str] | None = None
                       ) -> SuggestionReasons | None:
    """The reasons the panel shows for a suggestion the user may see (None for other claims)."""
    if claim.origin != ClaimOrigin.SUGGESTED:
        return None
    return SuggestionReasons(cues=suggestion_cues(claim),
                             similar=similar_accepted_claims(user, claim, roles=roles))


# The engine's cues (annotations/suggest/cues.py) as annotators read them.
CUE_LABELS = {
    "speech": _("reported speech"), "according": _("“according to”"), "inverted": _("attributed quote"),
    "event": _("an event"), "past_state": _("a past state of affairs"), "event_noun": _("an event"),
    "position": _("a stated position"), "causal": _("a cause or effect"), "actor": _("a public actor"),
    "named_entities": _("named people or places"), "number": _("a number"), "amount": _("an amount"),
    "date": _("a date"), "quote_marks": _("a quotation"), "modal_relative": _("an obligation or ability"),
    "bullet": _("a list item"),
}


def claim_item_from_panel(panel: ClaimPanel) -> ClaimItem:
    """The list row of the panel's claim, from what the panel already loaded (no query)."""
    item = ClaimItem(claim=panel.claim)
    if panel.my_annotation is not None:
        item.my_verdict = panel.my_annotation.verdict
    if panel.perms.review:
        judged = [a for a in panel.other_annotations if a.verdict_id is not None]
        item.n_annotations = len(judged) + bool(item.my_verdict)
        item.final_verdict = panel.adjudication.verdict if panel.adjudication else None
    return item


@dataclass
class ArticlePage:
    """The article page: body segments, the claims list by status and the focused claim's panel."""

    article: Article
    project: Project
    perms: Permissions
    verdicts: list[Verdict]
    items: list[ClaimItem]
    segments: list[Segment]
    focus: ClaimPanel | None = None
    assignment: Assignment | None = None
    lanes: int = 0
    by_id: dict[int, ClaimItem] = field(default_factory=dict)
    user_id: int | None = None  # whom the page is for

    @property
    def accepted(self) -> list[ClaimItem]:
        return [i for i in self.items if i.claim.status == ClaimStatus.ACCEPTED]

    @property
    def candidates(self) -> list[ClaimItem]:
        return [i for i in self.items if i.claim.status == ClaimStatus.CANDIDATE]

    @property
    def rejected(self) -> list[ClaimItem]:
        return [i for i in self.items if i.claim.status == ClaimStatus.REJECTED]


def assign_lanes(claims: list[Claim]) -> dict[int, int]:
    """Give each claim the lowest lane free over its span (interval colouring), by claim id.

    Claims in different lanes never share an underline, so nested and overlapping claims stay
    distinguishable; a claim keeps its lane along its whole span.
    """
    lanes: dict[int, int] = {}
    busy: list[tuple[int, int]] = []  # (end, lane) of claims still open
    free: list[int] = []
    used = 0
    for claim in sorted(claims, key=lambda c: (c.start, -c.end, c.pk)):
        while busy and busy[0][0] <= claim.start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, used = used, used + 1
        lanes[claim.pk] = lane
        heapq.heappush(busy, (claim.end, lane))
    return lanes


def split_segments(body: str, claims: list[Claim], lanes: dict[int, int]) -> list[Segment]:
    """Cut the body at every claim boundary; each piece lists the claims covering it.

    A sweep over the sorted boundaries, claims opened and closed by position: O(boundaries ×
    depth), never boundaries × claims. Overlapping claims have distinct lanes, so the open
    claims are kept by lane.
    """
    size = len(body)
    opening: dict[int, list[Claim]] = defaultdict(list)
    closing: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims:
        opening[claim.start].append(claim)
        closing[min(claim.end, size)].append(claim)
    points = sorted({0, size, *opening, *closing})
    open_by_lane: dict[int, Claim] = {}
    segments: list[Segment] = []
    for a, b in zip(points, points[1:]):
        for claim in closing.get(a, ()):
            if open_by_lane.get(lanes.get(claim.pk, 0)) is claim:
                del open_by_lane[lanes.get(claim.pk, 0)]
        for claim in opening.get(a, ()):
            open_by_lane[lanes.get(claim.pk, 0)] = claim
        order = sorted(open_by_lane)
        segments.append(
            Segment(a, b, body[a:b], tuple(open_by_lane[lane] for lane in order), tuple(order))
        )
    return segments


def _relations_of(claim: Claim, *, adjudicated_only: bool = False) -> list[RelationRow]:
    """The claim's links either way, with the other claim and its article (one query); only
    those between two adjudicated claims for researchers."""
    links = ClaimRelation.objects.all()
    if adjudicated_only:
        links = links.filter(source__adjudication__isnull=False, target__adjudication__isnull=False)
    rows = (
        links.filter(Q(source=claim) | Q(target=claim))
        .select_related("source__article__outlet", "target__article__outlet")
        .defer("source__article__body", "target__article__body")
        .order_by("kind", "pk")
    )
    out = []
    for relation in rows:
        outgoing = relation.source_id == claim.pk
        out.append(RelationRow(relation, relation.target if outgoing else relation.source, outgoing))
    return out


def claim_panel(
    user: User, claim: Claim, *, perms: Permissions | None = None,
    verdicts: list[Verdict] | None = None,
) -> ClaimPanel:
    """The side panel of one claim (a fixed number of queries); the claim's project is loaded."""
    project = claim.article.project
    if perms is None:
        perms = Permissions.of(user, require(user, project, Capability.VIEW))
    if verdicts is None:
        verdicts = list(Verdict.objects.filter(scheme_id=project.scheme_id).order_by("order"))
    annotations = list(annotations_visible_to(user, claim).order_by("created_at", "pk"))
    mine = next((a for a in annotations if a.annotator_id == user.pk), None)
    others = [a for a in annotations if a.annotator_id != user.pk]
    evidence = list(
        evidence_visible_to(user, claim)
        .select_related("linked_claim__article", "linked_article")
        .defer("linked_claim__article__body", "linked_article__body")
        .order_by("created_at", "pk")
    )
    if perms.find or perms.review:
        relations = _relations_of(claim)
    elif can(perms.roles, Capability.RELEASES, user=user):
        relations = _relations_of(claim, adjudicated_only=True)  # as the API and releases show them
    else:
        relations = []
    adjudication = None
    if perms.review:
        adjudication = (
            Adjudication.objects.select_related("verdict", "adjudicator").filter(claim=claim).first()
        )
    # Whether to say that work is hidden: never how much, and only to blind annotators.
    blind_hidden = bool(project.blind and perms.annotate and not perms.review)
    return ClaimPanel(
        claim=claim, perms=perms, verdicts=verdicts, my_annotation=mine,
        other_annotations=others, evidence=evidence, relations=relations,
        adjudication=adjudication, blind_hidden=blind_hidden,
        similar=similar_accepted_claims(user, claim, roles=perms.roles),
    )


def claim_visible_to(user: User, claim_id: int) -> tuple[Claim, Permissions]:
    """A claim the user may see: candidates exist only for those who find claims."""
    claim = claim_get_for_user(user, claim_id)
    perms = Permissions.of(user, require(user, claim.article.project, Capability.VIEW))
    if claim.status == ClaimStatus.CANDIDATE and not (perms.find or user.is_superuser):
        raise NotFound(gettext("No such claim."))
    return claim, perms


def claim_panel_for_user(user: User, claim_id: int) -> ClaimPanel:
    """The side panel of a claim by id, if the user may see it."""
    claim, perms = claim_visible_to(user, claim_id)
    return claim_panel(user, claim, perms=perms)


def article_page_for_user(
    user: User, article_id: int, *, focus_claim_id: int | None = None,
    assignment_id: int | None = None,
) -> ArticlePage:
    """The article page for the user: a fixed number of queries whatever the number of claims.

    A focus claim of another article, or one the user may not see, is ignored rather than
    refused: the parameter comes from a URL and the page itself is allowed.
    """
    article = (
        Article.objects.select_related("project__scheme", "outlet").filter(pk=article_id).first()
    )
    if article is None:
        raise NotFound(gettext("No such article."))
    project = article.project
    roles = require(user, project, Capability.VIEW)
    assert user.is_authenticated  # require() refused anonymous users
    perms = Permissions.of(user, roles)
    # Timestamps and authors are never shown on the page: not loading them saves real time
    # when an article has hundreds of claims.
    claims = list(
        # created_by stays: the panel offers deletion to a claim's author.
        claims_of_article(user, article).defer("created_at", "updated_at", "decided_by")
    )
    for claim in claims:
        claim.article = article  # every claim shares the one loaded article and project
    verdicts = list(Verdict.objects.filter(scheme_id=project.scheme_id).order_by("order"))
    verdict_by_id = {v.pk: v for v in verdicts}
    highlighted = [c for c in claims if c.status in HIGHLIGHTED]
    lanes = assign_lanes(highlighted)
    items = [ClaimItem(claim=c, lane=lanes.get(c.pk, 0)) for c in claims]
    by_id = {i.claim.pk: i for i in items}
    if perms.annotate:
        mine = Annotation.objects.filter(claim__article=article, annotator=user).values_list(
            "claim_id", "verdict_id"
        )
        for claim_id, verdict_id in mine:
            if claim_id in by_id and verdict_id is not None:
                by_id[claim_id].my_verdict = verdict_by_id.get(verdict_id)
    if perms.review:
        counts = (
            Annotation.objects.filter(claim__article=article, verdict__isnull=False)
            .order_by()
            .values("claim_id")
            .annotate(n=Count("pk"))
            .values_list("claim_id", "n")
        )
        for claim_id, n in counts:
            if claim_id in by_id:
                by_id[claim_id].n_annotations = n
        finals = Adjudication.objects.filter(claim__article=article).values_list(
            "claim_id", "verdict_id"
        )
        for claim_id, verdict_id in finals:
            if claim_id in by_id:
                by_id[claim_id].final_verdict = verdict_by_id.get(verdict_id)
    page = ArticlePage(
        article=article, project=project, perms=perms, verdicts=verdicts, items=items,
        segments=split_segments(article.body, highlighted, lanes),
        lanes=max(lanes.values(), default=-1) + 1, by_id=by_id, user_id=user.pk,
    )
    if focus_claim_id is not None and focus_claim_id in by_id:
        page.focus = claim_panel(user, by_id[focus_claim_id].claim, perms=perms, verdicts=verdicts)
    if assignment_id is not None and user.is_authenticated:
        # Only the user's own assignment on this article; anything else is silently ignored.
        page.assignment = (
            Assignment.objects.select_related("claim")
            .filter(pk=assignment_id, annotator=user, article=article)
            .first()
        )
    return page


def _visible_annotations(user: AuthUser, project: Project, perms: Permissions) -> QuerySet[Annotation]:
    """annotations_visible_to's rule for any number of claims of one project, in one query.

    Reviewers and managers see all; annotators their own in a blind project, all otherwise;
    researchers none (they get releases). tests/ui/test_cluster.py checks the two agree.
    """
    qs = Annotation.objects.all()
    if user.is_superuser or perms.roles & {Role.REVIEWER, Role.MANAGER}:
        return qs
    if Role.ANNOTATOR in perms.roles:
        return qs.filter(annotator=user) if project.blind else qs
    return qs.none()


# --- the claim cluster ------------------------------------------------------------------------


@dataclass
class ClusterMember:
    """One claim of a cluster with its article, the quote in context and its visible verdicts."""

    claim: Claim
    before: str
    after: str
    links: list[tuple[str, int, bool]]  # (kind, other claim id, outgoing) within the cluster
    depth: int
    annotations: list[Annotation] = field(default_factory=list)
    adjudication: Adjudication | None = None


@dataclass
class Cluster:
    """A claim and the claims linked to it, transitively, within the bounds."""

    root: Claim
    perms: Permissions
    members: list[ClusterMember]
    truncated: bool  # the bounds stopped the walk before it ran out of links
    blind_hidden: bool

    @property
    def others(self) -> list[ClusterMember]:
        return [m for m in self.members if m.claim.pk != self.root.pk]

    @property
    def root_member(self) -> ClusterMember:
        return next(m for m in self.members if m.claim.pk == self.root.pk)


def claim_cluster_for_user(
    user: User, claim_id: int, *, max_depth: int = CLUSTER_MAX_DEPTH,
    max_claims: int = CLUSTER_MAX_CLAIMS,
) -> Cluster:
    """The claim and every claim linked to it through any kind of relation, bounded.

    Queries: the claim, roles, one per level of the walk (at most max_depth), the members, and
    their visible annotations and adjudications.
    """
    root, perms = claim_visible_to(user, claim_id)
    assert user.is_authenticated  # claim_visible_to() refused anonymous users
    project = root.article.project
    depth_of = {root.pk: 0}
    edges: dict[int, tuple[int, int, str]] = {}
    # Links between claims are the work of those who find claims, who see candidates too, so
    # every link walked may be shown. Researchers see the links between adjudicated claims, as
    # the API's claim-relations and the releases show them; other roles see none.
    links_of = ClaimRelation.objects.all()
    if not perms.find:
        links_of = links_of.filter(source__adjudication__isnull=False, target__adjudication__isnull=False)
    walks = perms.find or can(perms.roles, Capability.RELEASES, user=user)
    frontier = {root.pk} if walks else set()
    truncated = False
    for depth in range(1, max_depth + 1):
        if not frontier:
            break
        rows = links_of.filter(
            Q(source_id__in=frontier) | Q(target_id__in=frontier)
        ).values_list("pk", "source_id", "target_id", "kind")
        next_frontier: set[int] = set()
        for pk, source, target, kind in rows:
            for node in (source, target):
                if node not in depth_of:
                    if len(depth_of) >= max_claims:
                        truncated = True
                        continue
                    depth_of[node] = depth
                    next_frontier.add(node)
            if source in depth_of and target in depth_of:
                edges[pk] = (source, target, kind)
        frontier = next_frontier
    else:
        truncated = truncated or bool(frontier) and links_of.filter(
            Q(source_id__in=frontier) | Q(target_id__in=frontier)
        ).exclude(source_id__in=depth_of, target_id__in=depth_of).exists()
    claims = {
        c.pk: c
        for c in Claim.objects.filter(pk__in=depth_of, article__project=project).select_related(
            "article__outlet"
        )
    }
    links: dict[int, list[tuple[str, int, bool]]] = defaultdict(list)
    for source, target, kind in edges.values():
        links[source].append((kind, target, True))
        links[target].append((kind, source, False))
    members = {}
    for pk, claim in claims.items():
        body = claim.article.body
        claim.article.project = project
        members[pk] = ClusterMember(
            claim=claim,
            before=body[max(0, claim.start - CONTEXT_CHARS) : claim.start],
            after=body[claim.end : claim.end + CONTEXT_CHARS],
            links=sorted(links.get(pk, []), key=lambda x: (_KIND_ORDER.get(x[0], 9), x[1])),
            depth=depth_of[pk],
        )
    visible = (
        _visible_annotations(user, project, perms)
        .filter(claim_id__in=list(members))
        .select_related("annotator", "verdict")
        .order_by("claim_id", "created_at", "pk")
    )
    for annotation in visible:
        members[annotation.claim_id].annotations.append(annotation)
    if perms.review:
        for adjudication in Adjudication.objects.filter(claim_id__in=list(members)).select_related(
            "verdict"
        ):
            members[adjudication.claim_id].adjudication = adjudication
    ordered = sorted(
        members.values(),
        key=lambda m: (m.depth, m.claim.article.published_on is None, m.claim.article.published_on
                       or 0, m.claim.article_id, m.claim.start),
    )
    return Cluster(
        root=claims[root.pk], perms=perms, members=ordered, truncated=truncated,
        blind_hidden=bool(project.blind and perms.annotate and not perms.review),
    )


_KIND_ORDER: dict[str, int] = {
    RelationKind.SAME: 0, RelationKind.CONTRADICTS: 1, RelationKind.SUPPORTS: 2,
    RelationKind.RELATED: 3,
}


def cluster_answers(cluster: Cluster) -> list:
    """The answers the cluster's claims give to check questions, with their questions (one query).

    The claim graph, as links, is for those who find claims: nobody else gets any.
    """
    from ..models import QuestionAnswer

    if not cluster.perms.find:
        return []
    return list(
        QuestionAnswer.objects.filter(claim_id__in=[m.claim.pk for m in cluster.members])
        .select_related("question").order_by("question_id", "claim_id")
    )
