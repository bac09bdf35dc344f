#!/usr/bin/env python
"""Check-worthiness measured the way the held-out test is: through the offline command.

Converts CheckThat! 2024 development files (TSV: text and Yes/No label) to the command's input
(`{"id", "text", "lang"}` lines), runs `manage.py suggest_claims --offline`, and scores it: a
document is predicted check-worthy when the command says so (a suggestion reached the default
threshold), ranked by its best sentence score. Prints F1 of the positive class, precision,
recall and average precision per language, for the shipped scoring and for the rules alone.
Development files only: the script refuses any file named test.

    .venv/bin/python bench/bench_checkworthy.py --data /path/to/checkthat/ct24
    .venv/bin/python bench/bench_checkworthy.py --data /path/to/checkthat/ct24 --speed 1000

--speed N: N KB of English articles (dev sentences joined into ~3,000-character articles)
suggested through `suggest_scored`, as the suggest job does, in this process pinned to one
core: KB/s and peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from sklearn.metrics import average_precision_score, precision_recall_fscore_support

ROOT = Path(__file__).resolve().parent.parent
FILES = {"en": "CT24_checkworthy_english_dev.tsv", "es": "CT24_checkworthy_spanish_dev.tsv",
         "nl": "CT24_checkworthy_dutch_dev.tsv", "ar": "CT24_checkworthy_arabic_dev.tsv"}


def _rows(path: Path) -> list[tuple[str, str, bool]]:
    if "test" in path.name.lower():
        raise SystemExit(f"{path.name}: test files are the held-out measure; use dev splits only")
    csv.field_size_limit(10**7)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        out = []
        for row in reader:
            text = row.get("Text") or row.get("tweet_text") or row.get("text") or ""
            ident = row.get("Sentence_id") or row.get("tweet_id") or str(len(out))
            out.append((ident, text, (row.get("class_label") or "").strip().lower() == "yes"))
        return out


def _run(docs: Path, out: Path, threshold: float | None) -> dict[str, dict]:
    cmd = [sys.executable, "manage.py", "suggest_claims", "--offline", "--input", str(docs),
           "--output", str(out)]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    subprocess.run(cmd, cwd=ROOT, check=True, env={"DEBUG": "1", "PATH": "/usr/bin:/bin"})
    return {json.loads(line)["id"]: json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--langs", default="en,es,nl,ar")
    parser.add_argument("--speed", type=int, default=0, help="KB of English articles to time")
    args = parser.parse_args()
    if args.speed:
        _speed(args.data, args.speed)
        return
    print("| language | documents (check-worthy) | F1 | precision | recall | average precision |")
    print("|---|---|---|---|---|---|")
    work = Path(tempfile.mkdtemp(prefix="wb-cw-"))
    for lang in args.langs.split(","):
        rows = _rows(args.data / FILES[lang])
        docs = work / f"{lang}.jsonl"
        docs.write_text("".join(json.dumps({"id": i, "text": t, "lang": lang}) + "\n" for i, t, _ in rows),
                        encoding="utf-8")
        preds = _run(docs, work / f"{lang}.out.jsonl", None)
        truth = [label for _, _, label in rows]
        predicted = [preds[i]["checkworthy"] for i, _, _ in rows]
        scores = [preds[i]["score"] for i, _, _ in rows]
        p, r, f, _ = precision_recall_fscore_support(truth, predicted, average="binary", zero_division=0)
        ap = average_precision_score(truth, scores)
        print(f"| {lang} | {len(rows)} ({sum(truth)}) | {f:.3f} | {p:.3f} | {r:.3f} | {ap:.3f} |")


def _speed(data: Path, kilobytes: int) -> None:
    import os
    import resource
    import time

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    sys.path.insert(0, str(ROOT))
    from annotations.suggest.scoring import suggest_scored

    sentences = [t for _, t, _ in _rows(data / FILES["en"])]
    articles, current, size = [], [], 0
    while size < kilobytes * 1000:
        for sentence in sentences:
            current.append(sentence)
            if sum(map(len, current)) >= 3000:
                articles.append(" ".join(current))
                size += len(articles[-1].encode())
                current = []
            if size >= kilobytes * 1000:
                break
    suggest_scored(articles[0], "en")  # load the model and the embedder first
    start = time.perf_counter()
    found = sum(len(suggest_scored(a, "en").suggestions) for a in articles)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size / 1000:.0f} KB in {len(articles)} English articles: {seconds:.1f} s, "
          f"{size / 1000 / seconds:.0f} KB/s on one core, {found} suggestions, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
