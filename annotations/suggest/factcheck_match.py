"""Ranking reference fact checks for a claim: meaning (embeddings) and shared words. Pure.

Cosine of multilingual sentence embeddings finds a fact check written in another language or in
other words; the share of content words in common breaks ties between reviews of neighbouring
claims (two fact checks about one summit read alike, the one naming the same figures wins).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# score = cosine + OVERLAP_BONUS x word overlap: shared words add to meaning, never subtract, so
# a restatement in another language (no word in common) keeps its cosine. Measured on the seed
# claims against tests/fixtures/factchecks: restatements score 0.57-0.73 (Lavrov's "position
# inchangée" 0.73, Vance's "concessions" 0.68, "trois heures" against the English review 0.57);
# a claim about bread prices scores 0.03, a review of another claim about the same summit
# 0.56-0.58 (shown below the right one: the annotator decides).
OVERLAP_BONUS = 0.15
# At or above this score a fact check is shown as a match ...
MIN_SCORE = 0.55
# ... unless it scores this much below the best one: then it reviews a neighbouring claim (the
# sanctions review scores 0.56 against Lavrov's claim, whose own review scores 0.73).
MARGIN = 0.1
MAX_MATCHES = 5
# Shared words are counted for the best candidates by meaning only: they add at most
# OVERLAP_BONUS, and counting words is the slow part (0.15 ms a text).
OVERLAP_SHORTLIST = 50

_WORD = re.compile(r"\w+", re.UNICODE)
# Words too common to say two sentences are about the same thing (French and English).
_STOP = frozenset(
    "a à au aux avec ce ces dans de des du elle en est et il ils la le les leur lors mais ne ni "
    "nous on ou par pas pour qu que qui sa se ses son sur un une vous été être a après avant "
    "the an and are as at be by for from has have he in is it its of on or that the their this "
    "to was were will with after before not no".split()
)


def content_words(text: str) -> frozenset[str]:
    """Lower-cased, accent-folded words of a text, without stop words or one-letter words."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(w for w in _WORD.findall(folded) if len(w) > 1 and w not in _STOP)


def word_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller text's content words found in the other (0 when either has none)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True, slots=True)
class Ranked:
    """One candidate's place: its index in the candidates, and the parts of its score."""

    index: int
    score: float
    cosine: float
    overlap: float


def rank(
    query: np.ndarray,
    query_text: str,
    vectors: np.ndarray,
    texts: Sequence[str],
    *,
    limit: int = MAX_MATCHES,
    min_score: float = MIN_SCORE,
    margin: float = MARGIN,
) -> list[Ranked]:
    """Candidates (unit `vectors`, with their `texts`) scoring at least `min_score` and within
    `margin` of the best, best first."""
    if len(texts) == 0 or limit <= 0:
        return []
    cosine = vectors @ query
    words = content_words(query_text)
    overlap = np.zeros(len(texts), dtype=np.float32)
    for i in np.argsort(-cosine, kind="stable")[:OVERLAP_SHORTLIST]:
        overlap[i] = word_overlap(words, content_words(texts[i]))
    score = cosine + OVERLAP_BONUS * overlap
    order = np.argsort(-score, kind="stable")[:limit]
    floor = max(min_score, float(score[order[0]]) - margin)
    return [
        Ranked(int(i), round(float(score[i]), 3), round(float(cosine[i]), 3), round(float(overlap[i]), 3))
        for i in order if score[i] >= floor
    ]
