#!/usr/bin/env python
"""Fact-check feeds: reading a large ClaimReview DataFeed, embedding its claims (what the import job
does once), and ranking a claim against the stored vectors (what each claim panel does).

Usage: bench/bench_factchecks.py [--reviews 5000] [--embed 1000]

No database: the reader, the embedder and the ranking are pure. The selector adds one query that
reads `reviews` vectors of 2 KB each, and the in_bulk of the matches.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.importers.claimreview import read_claimreview  # noqa: E402
from annotations.suggest.embeddings import default_embedder  # noqa: E402
from annotations.suggest.factcheck_match import rank  # noqa: E402

FEED = ROOT / "tests" / "fixtures" / "factchecks" / "datacommons_feed.json"


def feed(reviews: int) -> bytes:
    """A DataFeed of `reviews` ClaimReviews shaped like the Data Commons fixture's first item."""
    base = json.loads(FEED.read_text())["dataFeedElement"][0]
    elements = []
    for i in range(reviews):
        element = json.loads(json.dumps(base))
        review = element["item"][0]
        review["url"] = element["url"] = f"https://factuel.example.org/v/{i}"
        review["claimReviewed"] = f"Affirmation {i} : la Russie aurait obtenu {i % 97} concessions à Anchorage."
        elements.append(element)
    return json.dumps({"@context": "http://schema.org", "@type": "DataFeed", "dataFeedElement": elements}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=5000)
    parser.add_argument("--embed", type=int, default=1000, help="reviews embedded for the timing")
    args = parser.parse_args()
    data = feed(args.reviews)
    start = time.perf_counter()
    records = list(read_claimreview("feed.json", data))
    print(f"read {args.reviews:,} reviews ({len(data) / 1e6:.1f} MB): {time.perf_counter() - start:.2f} s")
    embedder = default_embedder()
    embedder.embed(["warm-up"])
    texts = [r.claim_reviewed for r in records]
    start = time.perf_counter()
    sample = embedder.embed(texts[: args.embed])
    seconds = time.perf_counter() - start
    print(f"embed {args.embed:,} claims reviewed: {seconds:.2f} s ({args.embed / seconds:.0f}/s)")
    vectors = np.resize(sample, (len(texts), embedder.dim)).astype(np.float32)  # stored vectors
    blobs = [row.astype("<f4").tobytes() for row in vectors]
    claim = "Sergueï Lavrov a déclaré que la position de la Russie restait inchangée."
    query = embedder.embed([claim])[0]
    start = time.perf_counter()
    for _ in range(10):
        loaded = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), embedder.dim)
        rank(query, claim, loaded, texts)
    print(f"rank one claim against {len(texts):,} stored vectors: {(time.perf_counter() - start) * 100:.1f} ms")


if __name__ == "__main__":
    main()
