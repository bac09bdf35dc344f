"""How many suggestions an article gets: a budget per length, filled best score first.

An engine that suggests every sentence scoring above its threshold buries annotators in
highlights on long articles; a budget keeps the best ones. Pure: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Chosen on the seed articles (bench/RESULTS.md, "Suggestion budget"): 25 per 10,000 characters
# keeps priority-1 recall ≥ 0.9 while no article gets more than ~1.3× its gold claims.
DEFAULT_PER_10K = 25
# A short article still gets a few suggestions: a brief is often nothing but claims.
MIN_PER_ARTICLE = 3


@dataclass(frozen=True)
class Budget:
    """At most `per_10k` suggestions per 10,000 characters (None: no cap), never fewer than
    MIN_PER_ARTICLE allowed."""

    per_10k: int | None = DEFAULT_PER_10K

    def allowed(self, text_length: int) -> int | None:
        """How many suggestions an article of this length may hold in all (None: any number)."""
        if self.per_10k is None:
            return None
        return max(MIN_PER_ARTICLE, math.ceil(self.per_10k * text_length / 10_000))


def within_budget(scores: Sequence[float], *, allowed: int | None, already: int = 0) -> list[int]:
    """Indexes of the candidates to keep, in their original order: the best `allowed - already`.

    `already` counts suggestions the article holds from earlier runs, so a rerun never pushes an
    article past its budget. Ties keep the earlier candidate (the text's order), so the choice is
    deterministic.
    """
    if allowed is None:
        return list(range(len(scores)))
    room = max(0, allowed - already)
    best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:room]
    return sorted(best)
