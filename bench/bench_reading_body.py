#!/usr/bin/env python
"""CPU time of laying out an article's body for reading (paragraphs, headings, emphasis, marks).

Usage: bench/bench_reading_body.py [--claims 50 500] [--runs 20]

No database: the seed corpus's five articles repeated to 20,000 characters, random claims
(a quarter suggestions) cut into segments as the page does, then `render_body` timed with
`time.process_time()`; also the plain marks-only rendering it replaced, for comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
os.environ.setdefault("SECRET_KEY", "bench")

import django  # noqa: E402

django.setup()

from annotations.models import Claim  # noqa: E402
from annotations.selectors.article_page import Segment, assign_lanes, split_segments  # noqa: E402
from annotations.ui.views.annotate.body import render_body  # noqa: E402


def marks_only(segments: list[Segment]) -> str:
    """The rendering before the reading view: escaped text in marks, no blocks or styles."""
    parts = []
    for segment in segments:
        parts.append("".join(f'<mark class="c l{lane} {c.status}" data-claim="{c.pk}">'
                             for c, lane in zip(segment.claims, segment.lanes)))
        parts.append(escape(segment.text))
        parts.append("</mark>" * len(segment.claims))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    text = "".join(p.read_text() for p in sorted((ROOT / "fixtures" / "seeds").glob("*.txt")))
    body = (text * (20_000 // len(text) + 1))[:20_000]
    rng = random.Random(1)
    print("| claims | segments | reading view ms CPU | marks only ms CPU |")
    print("|---|---|---|---|")
    for n in args.claims:
        claims = []
        for k in range(n):
            start = rng.randrange(0, len(body) - 200)
            claims.append(Claim(pk=k + 1, start=start, end=start + rng.randrange(20, 200),
                                status="candidate" if k % 4 == 0 else "accepted", score=0.5))
        segments = split_segments(body, claims, assign_lanes(claims))
        timed = []
        for render in (lambda: render_body(segments, 1), lambda: marks_only(segments)):
            render()
            began = time.process_time()
            for _ in range(args.runs):
                render()
            timed.append((time.process_time() - began) / args.runs * 1000)
        print(f"| {n} | {len(segments)} | {timed[0]:.1f} | {timed[1]:.1f} |")


if __name__ == "__main__":
    main()
