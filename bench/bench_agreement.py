#!/usr/bin/env python
"""Time of the pure agreement engine on a large project: alpha with a bootstrap CI, and the report.

Usage: bench/bench_agreement.py [--items 20000] [--raters 3] [--boot 1000]

Generates items rated by `raters` annotators (70 % agree with a hidden truth, the rest random over
four labels), then times krippendorff_alpha with `boot` bootstrap replicates and the whole
project_agreement report. No database: the engine is pure.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.agreement import Rating, krippendorff_alpha, project_agreement  # noqa: E402


def ratings(items: int, raters: int, seed: int = 0) -> list[Rating]:
    """Synthetic nominal ratings with ~70 % agreement with a hidden label."""
    rng = random.Random(seed)
    out = []
    for item in range(items):
        truth = rng.randrange(4)
        for rater in range(raters):
            out.append(Rating(item, rater, truth if rng.random() < 0.7 else rng.randrange(4)))
    return out


def timed(label: str, fn) -> object:  # type: ignore[no-untyped-def]
    """Run fn once, print its wall time, return its result."""
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return result


def main() -> None:
    """Parse arguments and print the timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--raters", type=int, default=3)
    ap.add_argument("--boot", type=int, default=1000)
    args = ap.parse_args()
    data = ratings(args.items, args.raters)
    print(f"{args.items:,} items x {args.raters} raters = {len(data):,} ratings")
    estimate = timed(f"alpha + {args.boot}-replicate CI", lambda: krippendorff_alpha(data, n_boot=args.boot, seed=0))
    print(f"  alpha = {estimate.value:.4f} [{estimate.ci_low:.4f}, {estimate.ci_high:.4f}]")
    timed("full project report", lambda: project_agreement(data, n_boot=args.boot))


if __name__ == "__main__":
    main()
