"""Accepted claims of other articles that read like a suggestion: a reason shown beside its cues.

Computed at read time for the one claim a panel shows: the suggestion's quote and the project's
most recent accepted claims are embedded (embeddings.py; each claim's vector is kept in this
process, keyed by its id and version) and compared by cosine. No column, no index: the claim
graph (annotations/graph/) keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..access import Capability, User, require
from ..models import Claim, ClaimOrigin, ClaimStatus
from .visibility import Scope, claims_listable

if TYPE_CHECKING:
    from ..graph.index import VectorIndex

# At or above this cosine a claim reads "like" the suggestion. On the seed gold claims no pair
# from different articles reaches 0.67 (5,179 pairs; 99.9th percentile 0.62), though they all
# cover one summit, while restatements of one fact score 0.72-0.90 ("Les discussions ont duré
# environ trois heures." / "Les pourparlers ont duré près de trois heures.": 0.72).
SIMILAR_MIN_COSINE = 0.70
SIMILAR_MAX = 2
# The most recent accepted claims compared, so one panel never embeds a whole corpus.
SIMILAR_POOL = 2000
# Vectors kept per process: 20,000 rows of 512 float32 are 40 MB.
_KEPT = 20_000
_vectors: OrderedDict[tuple[int, int], tuple[str, np.ndarray]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class SimilarClaim:
    """An accepted claim of another article of the project, and how close it reads."""

    claim_id: int
    article_id: int
    article_title: str
    quote: str
    similarity: float


def _embed(rows: list[tuple[int, int, str]], index: VectorIndex | None = None) -> np.ndarray:
    """Unit vectors of (id, version, quote) rows, embedding only those not kept yet.

    A claim the project's claim-graph index holds (key `c<id>`) takes its vector from there: a
    big project's pool then costs no embedding at all, even in a fresh web process.
    """
    from ..suggest.embeddings import default_embedder  # the model loads on first embed

    out = np.empty((len(rows), default_embedder().dim), dtype=np.float32)
    todo: list[int] = []
    with _lock:
        for i, (pk, version, quote) in enumerate(rows):
            kept = _vectors.get((pk, version))
            if kept is not None and kept[0] == quote:
                out[i] = kept[1]
                _vectors.move_to_end((pk, version))
            elif index is not None and f"c{pk}" in index:
                out[i] = index.vector(f"c{pk}")
            else:
                todo.append(i)
    if todo:
        fresh = default_embedder().embed([rows[i][2] for i in todo])
        with _lock:
            for i, vector in zip(todo, fresh):
                out[i] = vector
                pk, version, quote = rows[i]
                _vectors[(pk, version)] = (quote, vector.copy())
            while len(_vectors) > _KEPT:
                _vectors.popitem(last=False)
    return out


def similar_accepted_claims(
    user: User, claim: Claim, *, roles: frozenset[str] | None = None, limit: int = SIMILAR_MAX,
) -> list[SimilarClaim]:
    """Up to `limit` accepted claims of other articles of the claim's project that read like it,
    closest first; only for suggestions, and only claims the user may see. One query (none
    when the claim is not a suggestion); `claim.article` is loaded."""
    if claim.origin != ClaimOrigin.SUGGESTED or limit <= 0:
        return []
    project_id = claim.article.project_id
    if roles is None:
        roles = require(user, project_id, Capability.VIEW)
    # The lists' own visibility rule, over this one project.
    visible = claims_listable(Scope(user, {project_id: roles}))
    pool = list(
        visible.filter(article__project_id=project_id, status=ClaimStatus.ACCEPTED)
        .exclude(article_id=claim.article_id)
        .order_by("-pk")
        .values_list("pk", "version", "quote", "article_id", "article__title")[:SIMILAR_POOL]
    )
    if not pool:
        return []  # and the model is not loaded for nothing
    from ..services.graph_jobs import open_index

    vectors = _embed([(pk, version, quote) for pk, version, quote, _a, _t in pool], open_index(project_id))
    mine = _embed([(claim.pk, claim.version, claim.quote)])[0]
    similarity = vectors @ mine
    best = [i for i in np.argsort(-similarity, kind="stable")[:limit]
            if similarity[i] >= SIMILAR_MIN_COSINE]
    return [
        SimilarClaim(claim_id=pool[i][0], article_id=pool[i][3], article_title=pool[i][4],
                     quote=pool[i][2], similarity=round(float(similarity[i]), 3))
        for i in best
    ]
