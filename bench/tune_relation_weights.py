#!/usr/bin/env python3
"""Reproduce the choice of the relatedness weights (annotations/graph/data/PAIR_WEIGHTS.md).

Every cross-article pair of the five seed articles' candidate passages gets its pair features;
each grid point (a few values per feature) ranks, for each of the 28 anchor instances of the dev
pairs, all passages of other articles; the script prints the best grid points by recall@10 then
recall@5, and the nested leave-one-pair-out recall@10 (the grid point chosen without a pair,
scored on that pair): the honest estimate on unseen pairs.

With --standardised the two embedders' similarities (csls, csls2) get one weight per standard
deviation of each over the cross-article pairs instead of a raw weight each (weights v3), and the
script also prints the nested estimate when only that weight is chosen, the others held.

Usage:
  python bench/tune_relation_weights.py [--eval ../shared/eval] [--top 5] [--standardised]
"""
from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotations.graph import engine as E  # noqa: E402

SEEDS = ROOT / "fixtures" / "seeds"
GRID = {
    "csls": [4, 6, 8, 10], "cosine": [0, 2], "words": [0, 2, 4, 8], "names": [0, 1, 2],
    "claimness": [0, 2, 4], "same_date": [0, 1, 2], "same_number": [0, 0.5, 1],
    "attributed": [0, 0.5, 1], "cue": [0, 1, 2], "csls2": [0, 3, 6, 8],
}

# With --standardised: the weight of both similarities per standard deviation (replaces the csls
# and csls2 rows of GRID).
STANDARDISED_SIM = [0.25, 0.5, 0.75, 1.0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--standardised", action="store_true",
                    help="one weight for both embedders' similarities, per standard deviation of each")
    args = ap.parse_args()
    sys.path.insert(0, str(args.eval))
    import score_relations as sr  # the scorer's own span matching

    from annotations.suggest.embeddings import default_embedder
    from annotations.suggest.embeddings_e5 import second_embedder

    passages = [p for path in sorted(SEEDS.glob("*.txt"))
                for p in E.passages_of(path.stem, path.read_text(encoding="utf-8"), "fr")]
    vecs = default_embedder().embed([p.text for p in passages])
    vecs2 = second_embedder().embed([p.text for p in passages])  # csls2; [0] in the grid = without
    stats = E.PoolStats.build(passages, vecs, vecs2=vecs2)
    n, names = len(passages), list(E.FEATURES)
    x = np.zeros((n, n, len(names)), np.float32)
    for i in range(n):
        for j in range(i + 1, n):
            if passages[i].doc != passages[j].doc:
                f = E.pair_features(passages[i], passages[j], vecs[i], vecs[j], stats, vecs2[i], vecs2[j])
                x[i, j] = x[j, i] = [f[k] for k in names]
    arts = sr.Articles(str(SEEDS))  # the same texts as shared/seeds
    gold = sr.load_gold(str(args.eval / "seeds_relations_dev.jsonl"), arts)
    spans = [(p.doc, p.start, p.end) for p in passages]
    docs = np.array([p.doc for p in passages])
    cross = docs[:, None] != docs[None, :]
    instances = []
    for gi, g in enumerate(gold):
        ia = [i for i, s in enumerate(spans) if sr.matches(s, g["a"])]
        ib = [i for i, s in enumerate(spans) if sr.matches(s, g["b"])]
        for anchors, targets in ((ia, ib), (ib, ia)):
            if anchors and targets:
                instances.append((gi, anchors[0], targets))
    ix = {k: i for i, k in enumerate(names)}
    # Spread of each embedder's similarity over the cross-article pairs: with --standardised the
    # grid has one weight per standard deviation for both (csls = sim / sd1, csls2 = sim / sd2).
    sd = {k: float(x[:, :, ix[k]][cross].std()) for k in ("csls", "csls2")}
    grid = dict(GRID)
    if args.standardised:
        del grid["csls"], grid["csls2"]
        grid = {"sim": STANDARDISED_SIM, **grid}
        print(f"standard deviations over cross-article pairs: csls {sd['csls']:.4f}, csls2 {sd['csls2']:.4f}")
    results = []
    for combo in itertools.product(*grid.values()):
        d = dict(zip(grid, combo))
        if "sim" in d:
            d["csls"], d["csls2"] = (round(d["sim"] / sd[k], 2) for k in ("csls", "csls2"))
        w = np.zeros(len(names), np.float32)
        for k, v in d.items():
            if k not in ("cue", "sim"):
                w[ix[k]] = v
        w[ix["vague_date_conflict"]] = w[ix["stasis_change"]] = 2 * d["cue"]
        w[ix["polarity_contrast"]] = d["cue"]
        ranks = []
        for _, a, targets in instances:
            s = np.where(cross[a], x[a] @ w, -np.inf)
            ranks.append(int((s > max(s[t] for t in targets)).sum()) + 1)
        results.append((d, np.array(ranks)))

    def key(r: np.ndarray) -> tuple:
        return (int((r <= 10).sum()), int((r <= 5).sum()), -float(np.log(r).mean()))

    results.sort(key=lambda t: key(t[1]), reverse=True)
    for d, r in results[:args.top] + [t for t in results if t[0]["words"] >= 2][:args.top]:
        print(f"recall@10={np.mean(r <= 10):.3f} recall@5={np.mean(r <= 5):.3f} {d}")

    def nested(candidates: list) -> np.ndarray:
        held = []
        for gi in range(len(gold)):
            mask = np.array([t[0] != gi for t in instances])
            best = max(candidates, key=lambda t: key(t[1][mask]))
            held.extend(best[1][~mask])
        return np.array(held)

    h = nested(results)
    print(f"nested leave-one-pair-out: recall@10={np.mean(h <= 10):.3f} recall@5={np.mean(h <= 5):.3f}")
    # The shipped weights' other values held, only the similarity weight(s) chosen per fold.
    shipped = E.default_weights().weights
    fixed = {k: shipped.get(k, 0.0) for k in grid if k not in ("cue", "sim", "csls", "csls2")}
    fixed["cue"] = shipped.get("polarity_contrast", 0.0)
    own = [t for t in results if all(t[0][k] == v for k, v in fixed.items())]
    if own:
        h = nested(own)
        print(f"the shipped weights held but the similarity ({len(own)} grid points), nested "
              f"leave-one-pair-out: recall@10={np.mean(h <= 10):.3f} recall@5={np.mean(h <= 5):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
