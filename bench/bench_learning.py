#!/usr/bin/env python3
"""Benchmark learning from decisions: held-back ranking on the seed gold set, and retrain speed.

Ranking: for each of the ten ways to split the five seed articles 3/2, decisions are made from
the gold set on the three (suggestions accepted when they hit a gold claim, rejected otherwise;
gold claims the engine missed marked by hand), the project model is fitted on them, and the two
held-back articles are ranked by the engine alone and by the model: average precision over the
suggestions (what annotators see) and over every sentence.

Speed: fit + 5-fold cross-validation, as the retrain job runs them, on 100 to 10,000 decisions
(seed sentences repeated with their gold labels), and scoring throughput of a fitted model.

Usage:
  python bench/bench_learning.py [--largest 10000]
"""
from __future__ import annotations

import argparse
import itertools
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import average_precision_score  # noqa: E402

from annotations.agreement import spans_hit  # noqa: E402
from annotations.suggest import DEFAULT_THRESHOLD, Document, analyse, features, learner  # noqa: E402
from annotations.suggest import engine as rules  # noqa: E402

FIXTURES = ROOT / "fixtures"


def load() -> tuple[dict[str, dict], dict[str, list[tuple[int, int, str]]]]:
    """The seed articles by id, and their gold claims as (start, end, quote)."""
    rows = [json.loads(x) for x in (FIXTURES / "seeds" / "articles.jsonl").read_text("utf-8").splitlines()]
    articles = {r["external_id"]: r for r in rows}
    gold: dict[str, list[tuple[int, int, str]]] = {d: [] for d in articles}
    for line in (FIXTURES / "eval" / "seeds_claims.jsonl").read_text("utf-8").splitlines():
        g = json.loads(line)
        start = articles[g["doc"]]["body"].index(g["quote"])
        gold[g["doc"]].append((start, start + len(g["quote"]), g["quote"]))
    return articles, gold


def labelled(articles: dict, gold: dict) -> dict[str, list[tuple[str, rules.Scored, int]]]:
    """Every sentence of each article: its quote, the engine's view of it, its gold label."""
    out = {}
    for doc, row in articles.items():
        _, items = analyse(Document(text=row["body"], lang=row["language"]))
        out[doc] = [
            (
                row["body"][i.segment.start:i.segment.end], i,
                int(any(spans_hit((i.segment.start, i.segment.end), g[:2]) for g in gold[doc])),
            )
            for i in items
        ]
    return out


def decisions(docs: tuple[str, ...], sentences: dict, articles: dict, gold: dict) -> list[learner.Example]:
    """Accept/reject each suggestion of the articles as gold says; mark the gold claims it missed."""
    out = []
    for doc in docs:
        shown = [(q, i, y) for q, i, y in sentences[doc] if i.score >= DEFAULT_THRESHOLD]
        out += [learner.Example(q, i.cues, i.score, y) for q, i, y in shown]
        for start, end, quote in gold[doc]:
            if not any(spans_hit((start, end), (i.segment.start, i.segment.end)) for _, i, _ in shown):
                cues = features(quote, articles[doc]["language"])
                out.append(learner.Example(quote, cues, rules.score(cues), 1))
    return out


def ranking(rows: list[tuple[str, rules.Scored, int]], scorer: learner.Scorer) -> tuple[float, float]:
    """Average precision of the engine's scores and of the model's over `rows`."""
    truth = [y for _, _, y in rows]
    engine = [i.score for _, i, _ in rows]
    model = scorer.predict([q for q, _, _ in rows], [i.cues for _, i, _ in rows], engine)
    return average_precision_score(truth, engine), average_precision_score(truth, model)


def main() -> int:
    """Print the held-back table and the speed figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--largest", type=int, default=10_000, help="the largest training set to time")
    args = ap.parse_args()
    articles, gold = load()
    sentences = labelled(articles, gold)

    print(f"penalty {learner.PENALTY}; Python {platform.python_version()}")
    print("| learnt from | held back | decisions | suggestions: engine → model | every sentence: engine → model |")
    print("|---|---|---|---|---|")
    gains: dict[str, list[float]] = {"suggested": [], "all": []}
    for train in itertools.combinations(sorted(articles), 3):
        held = [d for d in sorted(articles) if d not in train]
        examples = decisions(train, sentences, articles, gold)
        scorer = learner.Scorer(learner.fit(examples))
        every = [r for d in held for r in sentences[d]]
        shown = [r for r in every if r[1].score >= DEFAULT_THRESHOLD]
        (se, sm), (ae, am) = ranking(shown, scorer), ranking(every, scorer)
        gains["suggested"].append(sm - se)
        gains["all"].append(am - ae)
        print(
            f"| {', '.join(d[:3] for d in train)} | {', '.join(d[:3] for d in held)} | {len(examples)} "
            f"| {se:.4f} → {sm:.4f} | {ae:.4f} → {am:.4f} |"
        )
    for pool, g in gains.items():
        print(
            f"{pool}: mean gain {statistics.mean(g):+.4f}, better on {sum(x > 0 for x in g)}/10 splits, "
            f"smallest {min(g):+.4f}, largest {max(g):+.4f}"
        )

    every = decisions(tuple(sorted(articles)), sentences, articles, gold)
    print("\n| decisions | fit | fit + 5-fold CV (retrain job) | scoring |")
    print("|---|---|---|---|")
    n = 100
    while n <= args.largest:
        examples = (every * (n // len(every) + 1))[:n]
        started = time.perf_counter()
        weights = learner.fit(examples)
        fitted = time.perf_counter() - started
        learner.cross_validate(examples)
        total = time.perf_counter() - started
        scorer = learner.Scorer(weights)
        started = time.perf_counter()
        scorer.predict([e.quote for e in examples], [e.cues for e in examples], [e.engine_score for e in examples])
        per_s = n / (time.perf_counter() - started)
        print(f"| {n:,} | {fitted:.2f} s | {total:.2f} s | {per_s:,.0f} spans/s |")
        n *= 10
    return 0


if __name__ == "__main__":
    sys.exit(main())
