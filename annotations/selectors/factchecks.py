"""Reference fact checks: the project's list, one by id, and those that match a claim."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from django.db.models import QuerySet

from ..access import Capability, NotFound, User, require
from ..models import Claim, ReferenceFactCheck
from ..suggest.factcheck_match import MAX_MATCHES, rank
from .similar import _embed
from .visibility import Scope, _within

# The most recent fact checks compared with a claim: their vectors are 2 KB each (10 MB at most).
MATCH_POOL = 5000
# Rows without a vector for the current embedder (written before vectors were kept, or after the
# embedder changed) embedded by one request, at most; later panels do the rest, and until then
# those rows are not matched.
EMBED_PER_REQUEST = 128


def factchecks_listable(scope: Scope) -> QuerySet[ReferenceFactCheck]:
    """Reference fact checks of the user's projects (any member)."""
    return _within(ReferenceFactCheck.objects.all(), scope, "project", Capability.VIEW)


def factcheck_get_for_user(user: User, factcheck_id: int) -> ReferenceFactCheck:
    """A reference fact check with its project, if the user is a member of that project."""
    factcheck = ReferenceFactCheck.objects.select_related("project").filter(pk=factcheck_id).first()
    if factcheck is None:
        raise NotFound("No such fact check.")
    require(user, factcheck.project_id, Capability.VIEW)
    return factcheck


def factcheck_of_project(project_id: int, factcheck_id: int) -> ReferenceFactCheck:
    """A fact check of this project (the caller has checked the user's role), else NotFound."""
    factcheck = ReferenceFactCheck.objects.filter(pk=factcheck_id, project_id=project_id).first()
    if factcheck is None:
        raise NotFound("No such fact check.")
    return factcheck


@dataclass(frozen=True)
class FactCheckMatch:
    """A reference fact check that reads like a claim, and how close."""

    factcheck: ReferenceFactCheck
    score: float
    similarity: float
    overlap: float


def factcheck_matches(claim: Claim, *, limit: int = MAX_MATCHES) -> list[FactCheckMatch]:
    """The project's fact checks that read like the claim, best first. The caller has checked the
    user may see the claim.

    Two queries (the pool's vectors, then the matches' rows); none embedded but the claim when the
    import stored the vectors (it does, in the worker); older rows are embedded here and stored.
    """
    from ..suggest.embeddings import default_embedder

    embedder = default_embedder()
    pool = list(
        ReferenceFactCheck.objects.filter(project_id=claim.article.project_id)
        .order_by("-pk")
        .values_list("pk", "claim_reviewed", "embedder", "embedding")[:MATCH_POOL]
    )
    if not pool:
        return []
    vectors = np.empty((len(pool), embedder.dim), dtype=np.float32)
    missing = []
    for i, (pk, _text, name, blob) in enumerate(pool):
        if name == embedder.name and blob is not None and len(blob) == 4 * embedder.dim:
            vectors[i] = np.frombuffer(bytes(blob), dtype="<f4")
        else:
            missing.append(i)
    left_out = set(missing[EMBED_PER_REQUEST:])
    missing = missing[:EMBED_PER_REQUEST]
    if missing:
        fresh = embedder.embed([pool[i][1] for i in missing])
        for i, row in zip(missing, fresh):
            vectors[i] = row
        # Kept for the next panel: a feed imported before vectors were stored pays once.
        for i, row in zip(missing, fresh):
            ReferenceFactCheck.objects.filter(pk=pool[i][0]).update(
                embedding=row.astype("<f4").tobytes(), embedder=embedder.name
            )
    if left_out:
        keep = [i for i in range(len(pool)) if i not in left_out]
        pool, vectors = [pool[i] for i in keep], vectors[keep]
    query = _embed([(claim.pk, claim.version, claim.quote)])[0]
    ranked = rank(query, f"{claim.quote} {claim.statement}", vectors, [row[1] for row in pool], limit=limit)
    rows = ReferenceFactCheck.objects.defer("raw", "embedding").in_bulk([pool[r.index][0] for r in ranked])
    return [FactCheckMatch(rows[pool[r.index][0]], r.score, r.cosine, r.overlap) for r in ranked]
