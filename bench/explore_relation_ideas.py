#!/usr/bin/env python3
"""Measure candidate ranking ideas for related claims the honest way (PAIR_WEIGHTS.md, round 4).

Each idea adds one score family to the shipped relatedness logit (weights v3, every other weight
held) and is measured on the 28 anchor instances of shared/eval/seeds_relations_dev.jsonl, ranking
all passages of other articles as bench/tune_relation_weights.py does:

- in-sample recall@5 / recall@10 at every value of the idea's parameter (0 = the idea off);
- nested leave-one-pair-out recall@10 (@5): the parameter chosen (by recall@10, then recall@5,
  then mean log rank; ties go to the smaller value, i.e. towards "off") on the other 13 pairs and
  scored on the held-out pair. With the idea off the ranking is v3's: 0.714 (0.643).

A change is worth shipping only when its nested figure beats v3's: the in-sample column alone
rewards reading the dev file back. The last block measures a selection procedure rather than a
feature: averaging the weight vectors of the N best grid points of the standardised grid
(bench/tune_relation_weights.py --standardised) instead of taking the single best.

Usage:
  python bench/explore_relation_ideas.py [--eval ../shared/eval]
"""
from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotations.graph import engine as E  # noqa: E402

SEEDS = ROOT / "fixtures" / "seeds"
GRID = {"sim": [0.25, 0.5, 0.75, 1.0], "cosine": [0, 2], "words": [0, 2, 4, 8], "names": [0, 1, 2],
        "claimness": [0, 2, 4], "same_date": [0, 1, 2], "same_number": [0, 0.5, 1],
        "attributed": [0, 0.5, 1], "cue": [0, 1, 2]}


class Bench:
    """The seed passages, their pair features and the dev instances."""

    def __init__(self, eval_dir: Path) -> None:
        sys.path.insert(0, str(eval_dir))
        import score_relations as sr  # the scorer's own span matching

        from annotations.suggest.embeddings import default_embedder
        from annotations.suggest.embeddings_e5 import second_embedder

        self.passages = [p for path in sorted(SEEDS.glob("*.txt"))
                         for p in E.passages_of(path.stem, path.read_text(encoding="utf-8"), "fr")]
        texts = [p.text for p in self.passages]
        self.v1 = _unit(default_embedder().embed(texts))
        self.v2 = _unit(second_embedder().embed(texts))
        stats = E.PoolStats.build(self.passages, self.v1, vecs2=self.v2)
        n, self.names = len(self.passages), list(E.FEATURES)
        self.ix = {k: i for i, k in enumerate(self.names)}
        self.x = np.zeros((n, n, len(self.names)), np.float32)
        for i in range(n):
            for j in range(i + 1, n):
                if self.passages[i].doc != self.passages[j].doc:
                    f = E.pair_features(self.passages[i], self.passages[j], self.v1[i], self.v1[j], stats,
                                        self.v2[i], self.v2[j])
                    self.x[i, j] = self.x[j, i] = [f[k] for k in self.names]
        self.docs = np.array([p.doc for p in self.passages])
        self.cross = self.docs[:, None] != self.docs[None, :]
        arts = sr.Articles(str(SEEDS))
        gold = sr.load_gold(str(eval_dir / "seeds_relations_dev.jsonl"), arts)
        spans = [(p.doc, p.start, p.end) for p in self.passages]
        self.instances: list[tuple[int, int, list[int]]] = []
        for gi, g in enumerate(gold):
            ia = [i for i, s in enumerate(spans) if sr.matches(s, g["a"])]
            ib = [i for i, s in enumerate(spans) if sr.matches(s, g["b"])]
            for anchors, targets in ((ia, ib), (ib, ia)):
                if anchors and targets:
                    self.instances.append((gi, anchors[0], targets))
        self.groups = np.array([g for g, _, _ in self.instances])
        self.base = self.x @ self.weights(E.default_weights().weights)

    def weights(self, w: dict[str, float]) -> np.ndarray:
        out = np.zeros(len(self.names), np.float32)
        for k, v in w.items():
            if k in self.ix:
                out[self.ix[k]] = v
        return out

    def ranks(self, s: np.ndarray) -> np.ndarray:
        """Each instance's rank of its best gold partner under the pair score matrix `s`."""
        out = []
        for _, a, targets in self.instances:
            row = np.where(self.cross[a], s[a], -np.inf)
            out.append(int((row > max(row[t] for t in targets)).sum()) + 1)
        return np.array(out)


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _key(r: np.ndarray) -> tuple:
    return (int((r <= 10).sum()), int((r <= 5).sum()), -float(np.log(r).mean()))


def nested(rank_sets: list[np.ndarray], groups: np.ndarray) -> np.ndarray:
    """Leave one gold pair out: the candidate (listed from "off" up) best on the other pairs,
    scored on the held-out pair; ties go to the earlier candidate."""
    held = []
    for g in sorted(set(groups)):
        m = groups != g
        best = max(range(len(rank_sets)), key=lambda c: (_key(rank_sets[c][m]), -c))
        held.extend(rank_sets[best][~m])
    return np.array(held)


def report(name: str, b: Bench, params: list, make: Callable[[object], np.ndarray]) -> None:
    """One idea: in-sample figures per parameter value and the nested estimate."""
    sets = [b.ranks(make(p)) for p in params]
    cells = "  ".join(f"{p}: {np.mean(r <= 5):.2f}/{np.mean(r <= 10):.2f}" for p, r in zip(params, sets))
    h = nested(sets, b.groups)
    print(f"{name}\n   in-sample @5/@10 by value  {cells}\n   nested leave-one-pair-out "
          f"@10={np.mean(h <= 10):.3f} @5={np.mean(h <= 5):.3f}")


def gold_relation(eval_dir: Path, index: int) -> str:
    """The relation of the dev file's pair number `index` (file order)."""
    import json

    lines = (eval_dir / "seeds_relations_dev.jsonl").read_text(encoding="utf-8").splitlines()
    return str([json.loads(line) for line in lines if line.strip()][index]["relation"])


def hubness(b: Bench, c: np.ndarray, k: int) -> np.ndarray:
    return np.sort(np.where(b.cross, c, -np.inf), axis=1)[:, -k:].mean(axis=1)


def csls(b: Bench, u: np.ndarray, k: int = E.HUB_K) -> np.ndarray:
    c = u @ u.T
    h = hubness(b, c, k)
    return 2 * c - h[:, None] - h[None, :]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    args = ap.parse_args()
    b = Bench(args.eval)
    w = E.default_weights().weights
    n = len(b.passages)
    base = b.base
    r0 = b.ranks(base)
    print(f"{n} passages, {len(b.instances)} anchor instances; v3: recall@5={np.mean(r0 <= 5):.3f} "
          f"recall@10={np.mean(r0 <= 10):.3f}; ranks {r0.tolist()}")

    # Within-article rank of each candidate for each anchor (under v3), for the mutual ideas.
    within = np.full((n, n), float(n))
    for d in sorted(set(b.docs)):
        m = b.docs == d
        sub = np.where(b.cross[:, m], base[:, m], -np.inf)
        within[:, m] = (-sub).argsort(axis=1).argsort(axis=1) + 1
    mutual_log = -np.log(within) - np.log(within.T)
    report("mutual within-article rank (-log rank(b|a, doc b) - log rank(a|b, doc a)), weight", b,
           [0, 0.25, 0.5, 1, 2, 4], lambda p: base + p * mutual_log)
    best_pair = ((within == 1) & (within.T == 1)).astype(float)
    report("mutual best match across two articles (alignment), bonus", b,
           [0, 0.25, 0.5, 1, 2, 4], lambda p: base + p * best_pair)
    full = np.where(b.cross, base, -np.inf)
    overall = (-full).argsort(axis=1).argsort(axis=1) + 1
    def mutual_knn(k: int) -> np.ndarray:
        return ((overall <= k) & (overall.T <= k)).astype(float)
    report("mutual kNN over all articles: bonus 1 when each is in the other's top K, K", b,
           [0, 5, 10, 20, 40], lambda k: base + (mutual_knn(int(k)) if k else 0))

    report("per-article diversity cap: at most C passages of one other article before the rest (0 = off)", b,
           [0, 1, 2, 3, 4, 5, 6], lambda c: base - 1000.0 * (within > c) if c else base)

    # Article-level context: the mean of the 20 best pair scores between the two articles.
    doc_pair = np.zeros((n, n))
    for da, db in itertools.permutations(sorted(set(b.docs)), 2):
        ma, mb = b.docs == da, b.docs == db
        doc_pair[np.ix_(ma, mb)] = np.sort(base[np.ix_(ma, mb)].ravel())[-20:].mean()
    doc_pair -= doc_pair[b.cross].mean()
    report("article-pair similarity (mean of the 20 best pair scores of the two articles), weight", b,
           [0, 0.25, 0.5, 1, 2], lambda p: base + p * doc_pair)

    sim1, sim2 = b.x[:, :, b.ix["csls"]], b.x[:, :, b.ix["csls2"]]
    rest = base - w["csls"] * sim1 - w["csls2"] * sim2

    def resim(c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
        """Both similarities at v3's 0.5 per standard deviation over the cross-article pairs."""
        return rest + 0.5 / c1[b.cross].std() * c1 + 0.5 / c2[b.cross].std() * c2

    report("hubness neighbourhood k of CSLS (both embedders; 10 shipped)", b, [10, 3, 5, 20, 40],
           lambda k: resim(csls(b, b.v1, int(k)), csls(b, b.v2, int(k))))

    def abtt(u: np.ndarray, d: int) -> np.ndarray:
        """All-but-the-top: centre on the pool and remove its d main directions."""
        c = u - u.mean(axis=0)
        if d:
            top = np.linalg.svd(c, full_matrices=False)[2][:d]
            c = c - (c @ top.T) @ top
        return _unit(c)
    report("all-but-the-top post-processing of both embeddings, components removed (-1 = off)", b,
           [-1, 0, 1, 2, 3, 5, 8, 12],
           lambda d: base if d < 0 else resim(csls(b, abtt(b.v1, int(d))), csls(b, abtt(b.v2, int(d)))))

    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [p.text.lower() for p in b.passages]
    for label, kw in (("character 3-5-gram", {"analyzer": "char_wb", "ngram_range": (3, 5)}),
                      ("word", {"analyzer": "word"})):
        m = TfidfVectorizer(sublinear_tf=True, **kw).fit_transform(texts)
        t = (m @ m.T).toarray()
        t /= t[b.cross].std()
        report(f"{label} TF-IDF cosine, weight per standard deviation", b, [0, 0.25, 0.5, 1],
               lambda p, t=t: base + p * t)

    claim = np.array([E.claimness(p.text, p.lang) for p in b.passages])
    report("candidate check-worthiness floor (rule score; passages below it never listed)", b,
           [E.PASSAGE_FLOOR, 0.2, 0.25, 0.3],
           lambda f: np.where(claim[None, :] >= f, base, -1e9))
    slots = [np.argsort(-np.where(b.cross[a], base[a], -np.inf))[:10] for _, a, _ in b.instances]
    low = np.mean([claim[s] < 0.3 for s in slots])
    print(f"   share of the anchors' top-10 slots held by passages scoring < 0.3: {low:.2f}")
    overlap = sum(1 for i, p in enumerate(b.passages) for q in b.passages[i + 1:]
                  if p.doc == q.doc and min(p.end, q.end) > max(p.start, q.start))
    print(f"overlapping candidate spans within an article (near-duplicate slots): {overlap}")

    # Contradictions: would "a shared topic" (both embedders' similarity, standardised, above a
    # percentile of the cross-article pairs) sharpen the proposals? Where each proposal stands.
    from annotations.graph.offline import relate_passages

    sim = b.x[:, :, b.ix["csls"]] + b.x[:, :, b.ix["csls2"]] / E.SECOND_SCALE
    at = {(p.doc, p.start): i for i, p in enumerate(b.passages)}
    gold_contra = {frozenset((b.instances[j][1], t)) for j in range(len(b.instances)) for t in b.instances[j][2]
                   if gold_relation(args.eval, b.instances[j][0]) == "contradicts"}
    for row in relate_passages(b.passages, b.v1.astype(np.float32), vecs2=b.v2.astype(np.float32)):
        if row["relation"] != "contradicts":
            continue
        i, j = at[(row["a"]["doc"], row["a"]["start"])], at[(row["b"]["doc"], row["b"]["start"])]
        print(f"proposed contradiction {row['a']['doc'][:3]}-{row['b']['doc'][:3]} p={row['score']:.3f} "
              f"{'(dev gold)' if frozenset((i, j)) in gold_contra else '(not in dev gold)'}: topical similarity "
              f"above {np.mean(sim[b.cross] < sim[i, j]):.0%} of cross-article pairs")

    # Selection: model averaging over the best N grid points, per fold.
    sd = {k: float(b.x[:, :, b.ix[k]][b.cross].std()) for k in ("csls", "csls2")}
    combos = list(itertools.product(*GRID.values()))
    ws = np.zeros((len(combos), len(b.names)), np.float32)
    for c, combo in enumerate(combos):
        d = dict(zip(GRID, combo))
        d["csls"], d["csls2"] = (round(d["sim"] / sd[k], 2) for k in ("csls", "csls2"))
        for k, v in d.items():
            if k in b.ix:
                ws[c, b.ix[k]] = v
        ws[c, b.ix["vague_date_conflict"]] = ws[c, b.ix["stasis_change"]] = 2 * d["cue"]
        ws[c, b.ix["polarity_contrast"]] = d["cue"]
    grid_ranks = np.zeros((len(combos), len(b.instances)), np.int32)
    for j, (_, a, targets) in enumerate(b.instances):
        s = b.x[a][b.cross[a]] @ ws.T
        grid_ranks[:, j] = (s > (b.x[a][targets] @ ws.T).max(axis=0)[None, :]).sum(axis=0) + 1
    order = np.lexsort((np.log(grid_ranks).mean(1), -(grid_ranks <= 5).sum(1), -(grid_ranks <= 10).sum(1)))
    for top in (1, 10, 100, 1000):
        held = []
        for g in sorted(set(b.groups)):
            m = b.groups != g
            sub = grid_ranks[:, m]
            best = np.lexsort((np.log(sub).mean(1), -(sub <= 5).sum(1), -(sub <= 10).sum(1)))[:top]
            held.extend(b.ranks(b.x @ ws[best].mean(0))[~m])
        h = np.array(held)
        r = b.ranks(b.x @ ws[order[:top]].mean(0))
        print(f"grid selection, weights averaged over the best {top}: in-sample @5={np.mean(r <= 5):.3f} "
              f"@10={np.mean(r <= 10):.3f}; nested @10={np.mean(h <= 10):.3f} @5={np.mean(h <= 5):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
