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

--speed N: N KB of articles (~3,000 characters of CheckThat! sentences each, in the language of
--lang, en by default) suggested through `suggest_scored`, in this process pinned to one core:
KB/s and peak RSS. --job N: the same articles imported into a fresh SQLite project and suggested
end to end by the suggest job's own path (`job_run` + `suggest_job_work`, database writes
included), in this process pinned to one core (the model loads inside the timed job, as in a
fresh worker). Sentences come from the language's dev file,
then its train file where --data has one; none is used twice, so no cache sees a text again.

    .venv/bin/python bench/bench_checkworthy.py --data /path/to/checkthat/ct24 --job 1000 --lang es
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
    parser.add_argument("--speed", type=int, default=0, help="KB of articles to time")
    parser.add_argument("--job", type=int, default=0, help="KB of articles through the suggest job")
    parser.add_argument("--lang", default="en", help="language of --speed and --job")
    parser.add_argument("--profile", type=Path, help="with --job: write the job's cProfile stats here")
    args = parser.parse_args()
    if args.speed:
        _speed(args.data, args.speed, args.lang)
        return
    if args.job:
        _job(args.data, args.job, args.lang, args.profile)
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


def _articles(data: Path, kilobytes: int, lang: str) -> list[str]:
    """~3,000-character articles of distinct sentences (dev file first, then train), N KB in all."""
    files = [data / FILES[lang], data / FILES[lang].replace("_dev", "_train")]
    sentences = list(dict.fromkeys(t for f in files if f.exists() for _, t, _ in _rows(f) if t.strip()))
    articles, current, size = [], [], 0
    for sentence in sentences:
        current.append(sentence)
        if sum(map(len, current)) >= 3000:
            articles.append(" ".join(current))
            size += len(articles[-1].encode())
            current = []
            if size >= kilobytes * 1000:
                return articles
    raise SystemExit(f"{lang}: only {size // 1000} KB of distinct sentences in {data}")


def _speed(data: Path, kilobytes: int, lang: str) -> None:
    import os
    import resource
    import time

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    sys.path.insert(0, str(ROOT))
    from annotations.suggest.scoring import suggest_scored

    articles = _articles(data, kilobytes, lang)
    size = sum(len(a.encode()) for a in articles)
    suggest_scored("The budget rose by 20 percent in 2019.", lang)  # load model and embedder
    start, cpu = time.perf_counter(), time.process_time()
    found = sum(len(suggest_scored(a, lang).suggestions) for a in articles)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size / 1000:.0f} KB in {len(articles)} {lang} articles: {seconds:.1f} s, "
          f"{size / 1000 / seconds:.0f} KB/s on one core ({size / 1000 / cpu:.0f} KB per CPU second), "
          f"{found} suggestions, peak RSS {rss:.0f} MB")


def _job(data: Path, kilobytes: int, lang: str, profile: Path | None = None) -> None:
    """Import the articles into a fresh SQLite project, then time the suggest job on them."""
    import os
    import resource
    import time

    work = Path(tempfile.mkdtemp(prefix="wb-cw-job-"))
    source = work / "articles.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for n, body in enumerate(_articles(data, kilobytes, lang)):
            fh.write(json.dumps({"title": f"Article {n}", "outlet": "Bench", "language": lang,
                                 "published": "2024-01-01", "body": body}) + "\n")
    os.environ.update({"DJANGO_SETTINGS_MODULE": "workbench.settings", "SECRET_KEY": "bench-only",
                       "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
                       "WORKBENCH_VAR_DIR": str(work)})  # its own broker and graph folders
    os.environ.pop("CELERY_BROKER_URL", None)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotations.models import Article, Claim, Membership, Project, Role
    from annotations.services.imports import articles_import
    from annotations.services.jobs import job_run
    from annotations.services.projects import default_scheme
    from annotations.services.suggestions import suggest_job_create, suggest_job_work

    try:  # the claim graph's hook at the end of the job, while that package is being built
        import annotations.services.graph_jobs  # noqa: F401
    except ImportError as exc:
        import types

        print(f"note: graph hook stubbed out ({exc})")
        stub = types.ModuleType("annotations.services.graph_jobs")
        stub.relations_job_after = lambda **kwargs: None  # type: ignore[attr-defined]
        sys.modules["annotations.services.graph_jobs"] = stub
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench")
    project = Project.objects.create(name="Bench", slug="bench", language=lang, scheme=default_scheme(),
                                     suggest_on_import=False)
    Membership.objects.create(user=user, project=project, role=Role.MANAGER)
    articles_import(project=project, path=source, by=user)
    size = sum(len(b.encode()) for b in Article.objects.values_list("body", flat=True))
    from annotations.suggest.scoring import suggest_scored

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # A worker loads the model once, on its first suggest job: timed apart, then added back for
    # the figure of a fresh worker whose only job this is.
    start = time.perf_counter()
    suggest_scored("The budget rose by 20 percent in 2019.", lang)
    load = time.perf_counter() - start
    job = suggest_job_create(project=project, by=user, inline=True)
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()  # inflates the times; read it for shares, not speed
        profiler.enable()
    start, cpu = time.perf_counter(), time.process_time()
    done = job_run(job.pk, suggest_job_work)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert done is not None and done.status == "succeeded", done and done.error
    print(f"{size / 1000:.0f} KB in {done.result['articles']} {lang} articles through the suggest job: "
          f"{seconds:.1f} s, {size / 1000 / seconds:.0f} KB/s on one core, {size / 1000 / cpu:.0f} KB "
          f"per CPU second "
          f"({size / 1000 / (seconds + load):.0f} KB/s counting the {load:.1f} s model load of a fresh "
          f"worker), {Claim.objects.count()} suggestions, peak RSS {rss:.0f} MB "
          f"(before the model {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
