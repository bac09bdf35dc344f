"""The suggestion budget: pure selection, and the default measured on the seed gold set."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from annotations.agreement import spans_hit as hits  # the scorer's hit rule
from annotations.suggest import suggest
from annotations.suggest.budget import DEFAULT_PER_10K, MIN_PER_ARTICLE, Budget, within_budget

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_it_keeps_the_best_scores_in_text_order():
    assert within_budget([0.6, 0.9, 0.7, 0.9], allowed=2) == [1, 3]
    assert within_budget([0.6, 0.9, 0.7], allowed=2, already=1) == [1]
    assert within_budget([0.6, 0.9], allowed=2, already=5) == []
    assert within_budget([0.6, 0.9], allowed=None) == [0, 1]


def test_it_scales_with_length_with_a_floor():
    assert Budget(25).allowed(10_000) == 25
    assert Budget(25).allowed(10_001) == 26
    assert Budget(25).allowed(100) == MIN_PER_ARTICLE
    assert Budget(None).allowed(10**6) is None


def test_the_default_budget_meets_the_seed_targets():
    """Priority-1 recall ≥ 0.9 at precision ≥ 0.75, no article over 1.3× its gold claims."""
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (FIXTURES / "seeds").glob("*.txt")}
    gold: dict[str, list[tuple[tuple[int, int], int]]] = defaultdict(list)
    for line in (FIXTURES / "eval" / "seeds_claims.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        start = texts[row["doc"]].find(row["quote"])
        gold[row["doc"]].append(((start, start + len(row["quote"])), row["priority"]))
    kept_total = hit_total = p1 = p1_found = 0
    for doc, text in texts.items():
        found = suggest(text, "fr").suggestions
        keep = within_budget([s.score for s in found], allowed=Budget(DEFAULT_PER_10K).allowed(len(text)))
        spans = [(found[i].start, found[i].end) for i in keep]
        assert len(spans) <= 1.3 * len(gold[doc]), doc
        kept_total += len(spans)
        hit_total += sum(any(hits(s, g) for g, _ in gold[doc]) for s in spans)
        for g, priority in gold[doc]:
            if priority == 1:
                p1 += 1
                p1_found += any(hits(s, g) for s in spans)
    assert p1_found / p1 >= 0.9
    assert hit_total / kept_total >= 0.75
