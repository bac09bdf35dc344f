#!/usr/bin/env python3
"""Benchmark the claim graph: dev-set quality, and related-claim retrieval at 100,000 articles.

Quality: the five seed articles go through the offline command's pure part
(annotations/graph/offline.py, exactly what `manage.py suggest_relations --offline` writes) and
the output is scored by shared/eval/score_relations.py against seeds_relations_dev.jsonl.

Scale: a VectorIndex of ARTICLES × PASSAGES random unit vectors (512 dims, what the embedder
gives; random vectors are the worst case for nothing and fine for timing an exact search) is
built, saved, reopened memory-mapped and queried; then one article's passages are added and
saved (the incremental path of the job after an import); then related() re-ranks each query's
shortlist with the full pair model, on passages whose texts are drawn from the seed articles,
with and without the second embedder's vectors (csls2; 384 dims, gathered as from a second
index). The second embedder's own speed (multilingual-e5-small, one thread) is timed on the seed
passages: it is paid when passages are indexed, never per query.

Usage:
  python bench/bench_relations.py [--articles 100000] [--passages 8] [--queries 50]
                                  [--eval ../shared/eval] [--dir /tmp/bench-relations]
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotations.graph.engine import Passage, PoolStats, passages_of, related  # noqa: E402
from annotations.graph.index import VectorIndex  # noqa: E402
from annotations.graph.offline import OfflineDocument, relate_documents  # noqa: E402

SEEDS = ROOT / "fixtures" / "seeds"
DIM = 512
DIM2 = 384  # the second embedder's (annotations/suggest/embeddings_e5.py)


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dev_figures(eval_dir: Path, top: int) -> dict:
    """Run the offline relation pipeline on the seeds and score it with score_relations.py."""
    docs = [OfflineDocument(p.stem, p.read_text(encoding="utf-8"), "fr", i)
            for i, p in enumerate(sorted(SEEDS.glob("*.txt")), 1)]
    t = time.perf_counter()
    rows = relate_documents(docs, top_contradictions=top)
    elapsed = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "pairs.jsonl"
        pred.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        out = subprocess.run(
            [sys.executable, str(eval_dir / "score_relations.py"), str(eval_dir / "seeds_relations_dev.jsonl"),
             str(pred), "--seeds", str(SEEDS), "--json"],
            check=True, capture_output=True, text=True,
        )
    res = json.loads(out.stdout)
    return {"seconds": elapsed, "rows": len(rows), "result": res}


def contradiction_cuts(eval_dir: Path) -> dict:
    """Contradiction precision and recall at the shipped floor and at stricter cuts, and the
    recall of a cut chosen on the dev file without each gold contradiction (nested
    leave-one-out: what choosing the floor on these three pairs would be worth elsewhere)."""
    from dataclasses import replace

    from annotations.graph.engine import default_weights

    sys.path.insert(0, str(eval_dir))
    import score_relations as sr  # the scorer's own matching

    docs = [OfflineDocument(p.stem, p.read_text(encoding="utf-8"), "fr", i)
            for i, p in enumerate(sorted(SEEDS.glob("*.txt")), 1)]
    # Every cued pair down to a low floor (the embedders keep their rows: no second embedding).
    rows = relate_documents(docs, top_contradictions=100, weights=replace(default_weights(), contradiction_floor=0.05))
    arts = sr.Articles(str(SEEDS))
    gold = sr.load_gold(str(eval_dir / "seeds_relations_dev.jsonl"), arts)
    preds = [{"order": n, "a": arts.span(r["a"]), "b": arts.span(r["b"]), "relation": r["relation"],
              "score": float(r["score"])} for n, r in enumerate(rows, 1)]
    preds = [p for p in preds if p["a"] and p["b"]]
    floors = sorted({p["score"] for p in preds if p["relation"] == "contradicts"}, reverse=True)

    def at(floor: float, pairs: list) -> dict:
        return sr.score(pairs, preds, min_score=floor)["contradiction"]

    out = {"shipped": at(default_weights().contradiction_floor, gold),
           "cuts": {f"{f:.3f}": at(f, gold) for f in floors if f >= 0.5}}
    contra = [g for g in gold if g["relation"] == "contradicts"]
    found = 0
    for held in contra:
        rest = [g for g in gold if g is not held]
        # The cut a tuner would choose without this pair: best F1, then the lower floor.
        best = max(floors, key=lambda f: (at(f, rest)["f1"], -f))
        found += int(any(sr.pair_matches(p, held) for p in preds
                         if p["relation"] == "contradicts" and p["score"] >= best))
    out["nested_loo_recall"] = found / len(contra) if contra else 0.0
    return out


def question_figures(eval_dir: Path) -> dict:
    """The question page's candidate answers: each gold pair's check question (question_fr,
    embedded as the page embeds it: USE, and e5 as a *query*) ranks the seed passages; a hit when
    a gold claim of the pair is among the top k."""
    from annotations.suggest.embeddings import default_embedder
    from annotations.suggest.embeddings_e5 import second_embedder

    sys.path.insert(0, str(eval_dir))
    import score_relations as sr

    passages = [p for path in sorted(SEEDS.glob("*.txt"))
                for p in passages_of(path.stem, path.read_text(encoding="utf-8"), "fr")]
    texts = [p.text for p in passages]
    vecs, vecs2 = default_embedder().embed(texts), second_embedder().embed(texts)
    path = eval_dir / "seeds_relations_dev.jsonl"
    questions = [json.loads(line)["question_fr"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = sr.load_gold(str(path), sr.Articles(str(SEEDS)))
    qv, qv2 = default_embedder().embed(questions), second_embedder("query").embed(questions)
    hits = {5: 0, 10: 0}
    for i, (q, g) in enumerate(zip(questions, gold)):
        anchor = Passage(f"q{i}", "", 0, len(q), q, "fr")
        found = [(r.passage.doc, r.passage.start, r.passage.end)
                 for r in related(anchor, qv[i], passages, vecs, k=10, anchor_vec2=qv2[i], pool_vecs2=vecs2)]
        for side in ("a", "b"):
            for k in hits:
                hits[k] += any(sr.matches(s, g[side]) for s in found[:k])
    return {"instances": 2 * len(gold), **{f"recall@{k}": n / (2 * len(gold)) for k, n in hits.items()}}


def second_embedder_speed() -> dict:
    """Passages a second for multilingual-e5-small on one thread, over the seed passages."""
    from annotations.suggest.embeddings_e5 import E5SmallEmbedder

    texts = [p.text for path in sorted(SEEDS.glob("*.txt"))
             for p in passages_of(path.stem, path.read_text(encoding="utf-8"), "fr")]
    emb = E5SmallEmbedder(threads=1)
    emb.embed(texts[:2])  # load
    t = time.perf_counter()
    emb.embed(texts)
    return {"passages": len(texts), "per_second": len(texts) / (time.perf_counter() - t)}


def build(articles: int, per: int, folder: Path) -> dict:
    """Build and save an index of articles × per random unit vectors, 100,000 rows per save
    (as an import job would, article batch by article batch), then add one article."""
    rng = np.random.default_rng(0)
    n = articles * per
    index = VectorIndex.open(folder, DIM)
    t = time.perf_counter()
    batch = 100_000
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        v = rng.standard_normal((hi - lo, DIM), dtype=np.float32)
        index.add([f"s{i}" for i in range(lo, hi)], [f"a{i // per}" for i in range(lo, hi)], v)
        index.save()
    build = time.perf_counter() - t
    t = time.perf_counter()
    index.add([f"new{i}" for i in range(per)], ["new"] * per, rng.standard_normal((per, DIM), dtype=np.float32))
    index.save()
    add_one = time.perf_counter() - t
    size = sum(f.stat().st_size for f in folder.iterdir())
    segments = len(json.loads((folder / "manifest.json").read_text())["segments"])
    return {"rows": n, "build_s": build, "add_one_article_and_save_s": add_one, "size_mb": size / 2**20,
            "segments": segments, "build_peak_rss_mb": peak_rss_mb()}


def query(folder: Path, queries: int, rerank: int) -> dict:
    """Reopen the index as a reader process would and time searches and re-ranking."""
    rng = np.random.default_rng(1)
    t = time.perf_counter()
    index = VectorIndex.open(folder, DIM)
    reopen = time.perf_counter() - t
    qs = rng.standard_normal((queries, DIM), dtype=np.float32)
    index.search(qs[0], 10)  # first touch of the memory map
    times = []
    for i, q in enumerate(qs):
        t = time.perf_counter()
        index.search(q, 50, exclude_doc=f"a{i}")
        times.append(time.perf_counter() - t)
    batch_times = []
    for i in range(0, min(len(qs), 40), 8):
        t = time.perf_counter()
        index.search_many(qs[i:i + 8], 50, [f"a{i}"] * len(qs[i:i + 8]))
        batch_times.append(time.perf_counter() - t)
    # related() on an index shortlist: the seed passages stand in for the shortlisted texts.
    seed_passages = [p for path in sorted(SEEDS.glob("*.txt"))
                     for p in passages_of(path.stem, path.read_text(encoding="utf-8"), "fr")]
    stats = PoolStats.build(seed_passages)  # project-wide IDF, computed once per job
    rerank_times = []
    for i, q in enumerate(qs[:20]):
        t = time.perf_counter()
        hits = index.search(q, rerank, exclude_doc=f"a{i}")
        pool = [Passage(key, doc, 0, 1, seed_passages[j % len(seed_passages)].text, "fr")
                for j, (key, doc, _) in enumerate(hits)]
        vecs = np.stack([index.vector(key) for key, _, _ in hits])
        anchor = Passage("q", f"a{i}", 0, 1, seed_passages[i].text, "fr")
        related(anchor, q, pool, vecs, k=10, stats=stats)
        rerank_times.append(time.perf_counter() - t)
    # The same with csls2: second vectors of the shortlist read from memory-mapped storage.
    store = np.lib.format.open_memmap(str(folder / "second.npy"), mode="w+", dtype=np.float32,
                                      shape=(len(index), DIM2))
    for lo in range(0, len(store), 100_000):
        store[lo:lo + 100_000] = rng.standard_normal((len(store[lo:lo + 100_000]), DIM2), dtype=np.float32)
    store.flush()
    rerank2_times = []
    for i, q in enumerate(qs[:20]):
        t = time.perf_counter()
        hits = index.search(q, rerank, exclude_doc=f"a{i}")
        pool = [Passage(key, doc, 0, 1, seed_passages[j % len(seed_passages)].text, "fr")
                for j, (key, doc, _) in enumerate(hits)]
        vecs = np.stack([index.vector(key) for key, _, _ in hits])
        rows = np.sort(rng.choice(len(store), size=len(hits) + 1, replace=False))
        second = np.asarray(store[rows])
        anchor = Passage("q", f"a{i}", 0, 1, seed_passages[i].text, "fr")
        related(anchor, q, pool, vecs, k=10, stats=stats, anchor_vec2=second[-1], pool_vecs2=second[:-1])
        rerank2_times.append(time.perf_counter() - t)
    del store
    (folder / "second.npy").unlink()
    times.sort()
    return {
        "reopen_s": reopen, "query_median_ms": 1000 * statistics.median(times),
        "query_p95_ms": 1000 * times[max(0, int(0.95 * len(times)) - 1)],
        "rerank_median_ms": 1000 * statistics.median(rerank_times), "rerank_k": rerank,
        "rerank2_median_ms": 1000 * statistics.median(rerank2_times),
        "batch8_median_ms": 1000 * statistics.median(batch_times),
        "reader_peak_rss_mb": peak_rss_mb(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--passages", type=int, default=8)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--rerank", type=int, default=100, help="shortlist size re-ranked by related()")
    ap.add_argument("--top-contradictions", type=int, default=10)
    ap.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--dir", type=Path, default=None, help="where to build the index (default: a temp dir)")
    ap.add_argument("--skip-dev", action="store_true")
    ap.add_argument("--query-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.skip_dev and not args.query_only:
        dev = dev_figures(args.eval, args.top_contradictions)
        r = dev["result"]
        c = r["contradiction"]
        print(f"dev: recall@5={r['recall@5']:.3f} recall@10={r['recall@10']:.3f} "
              f"by relation={json.dumps(r['recall@k_by_relation'])}")
        print(f"dev: contradictions (top {args.top_contradictions}): recall={c['recall']:.3f} "
              f"precision={c['precision']:.3f} (found {c['n_found']}/{c['n_gold']}, proposed {c['n_proposed']})")
        print(f"dev: {dev['rows']} output rows in {dev['seconds']:.1f} s (embedding included)")
        cuts = contradiction_cuts(args.eval)
        for name, cc in [("shipped floor", cuts["shipped"]), *((f"floor {f}", v) for f, v in cuts["cuts"].items())]:
            print(f"dev: contradictions at {name}: precision={cc['precision']:.3f} recall={cc['recall']:.3f} "
                  f"(proposed {cc['n_proposed']})")
        print(f"dev: contradiction floor chosen without the held-out gold pair (nested leave-one-out): "
              f"recall={cuts['nested_loo_recall']:.3f}")
        qf = question_figures(args.eval)
        print(f"dev: the gold check questions' candidate answers: recall@5={qf['recall@5']:.3f} "
              f"recall@10={qf['recall@10']:.3f} (each gold claim of each pair: {qf['instances']} instances)")
        e5 = second_embedder_speed()
        print(f"second embedder: {e5['per_second']:.1f} passages/s on one thread ({e5['passages']} seed passages)")
    if args.query_only:
        print(json.dumps(query(args.query_only, args.queries, args.rerank)))
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-relations-"))
    try:
        if folder.exists():
            shutil.rmtree(folder)
        b = build(args.articles, args.passages, folder)
        # A fresh process, as a web or worker process opening the index would be.
        out = subprocess.run(
            [sys.executable, __file__, "--query-only", str(folder), "--queries", str(args.queries),
             "--rerank", str(args.rerank)], check=True, capture_output=True, text=True,
        )
        q = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"index: {b['rows']:,} vectors ({args.articles:,} articles x {args.passages}), built and saved "
          f"100,000 rows at a time in {b['build_s']:.1f} s; {b['size_mb']:.0f} MB on disk in {b['segments']} "
          f"segments; builder peak RSS {b['build_peak_rss_mb']:.0f} MB")
    print(f"index: add one article ({args.passages} passages) + save: {b['add_one_article_and_save_s']*1000:.0f} ms")
    print(f"reader: open {q['reopen_s']:.2f} s; search k=50 with exclude_doc: median {q['query_median_ms']:.0f} ms, "
          f"p95 {q['query_p95_ms']:.0f} ms")
    print(f"reader: search_many, one article's 8 passages at once: median {q['batch8_median_ms']:.0f} ms")
    print(f"reader: search {q['rerank_k']} + related() re-rank with the pair model: median {q['rerank_median_ms']:.0f} ms")
    print(f"reader: the same with the second embedder's stored vectors (csls2): median {q['rerank2_median_ms']:.0f} ms")
    print(f"reader: peak RSS {q['reader_peak_rss_mb']:.0f} MB (memory-mapped vectors count as they are touched)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
