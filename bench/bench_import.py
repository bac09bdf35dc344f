#!/usr/bin/env python
"""Import N generated French-like articles (~3,000 characters) through the import job's path.

Usage: bench/bench_import.py [--articles 100000] [--backend sqlite|postgres|both] [--corpus FILE]
(--corpus: import that JSONL file instead, e.g. ../shared/bench-peers/gen_corpus.py's.)
Each backend runs in its own process (a fresh database), so peak RSS is that import's alone.
Figures go to stdout as JSON lines; bench/RESULTS.md records them. BENCH_DB names the
PostgreSQL database (default workbench_bench); BENCH_PROFILE=FILE writes a cProfile of the import.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG = "postgres://postgres@127.0.0.1:5432"
# Several people bench on one server: BENCH_DB names a database of one's own.
BENCH_DB = os.environ.get("BENCH_DB", "workbench_bench")

WORDS = (
    "le la les un une des du de et à en pour sur avec dans par que qui ne pas plus sommet "
    "Russie Ukraine Washington Moscou Kremlin président ministre accord cessez-le-feu négociations "
    "déclaré annoncé selon position inchangée concessions importantes Anchorage Alaska août octobre "
    "sanctions territoires Donbass garanties sécurité européens américain russe diplomatie guerre "
    "paix rencontre conférence 2025 trois quatre milliards dollars été a ont avait sera pourrait"
).split()


def generate(path: Path, n: int, size: int = 3000) -> None:
    """Write n articles of about `size` characters as JSONL, deterministically."""
    rng = random.Random(42)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words, length = [], 0
            while length < size:
                word = rng.choice(WORDS)
                words.append(word)
                length += len(word) + 1
            body = f"Article {i}. " + " ".join(words).capitalize() + "."
            fh.write(json.dumps({"title": f"Article {i}", "outlet": f"Outlet {i % 20}",
                                 "published": "2025-08-15", "body": body}, ensure_ascii=False))
            fh.write("\n")


def run_one(backend: str, path: Path) -> dict:
    """In this process: fresh database, migrate, import the file, report time and memory."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    if backend == "postgres":
        os.environ["DATABASE_URL"] = f"{PG}/{BENCH_DB}"
    else:
        db = OUT / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotations.models import Article, Membership, Project, Role
    from annotations.services.imports import articles_import
    from annotations.services.projects import default_scheme

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench")
    project = Project.objects.create(name="Bench", slug="bench", scheme=default_scheme())
    Membership.objects.create(user=user, project=project, role=Role.MANAGER)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    report = articles_import(project=project, path=path, by=user)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 1e6
    assert Article.objects.count() == report.created
    return {
        "backend": backend,
        "articles": report.created,
        "file_mb": round(size_mb, 1),
        "seconds": round(seconds, 2),
        # This process's CPU (all its threads), less sensitive than wall time to a busy machine.
        "cpu_seconds": round(cpu, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "mb_per_s": round(size_mb / seconds, 1),
        "articles_per_s": round(report.created / seconds),
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(peak),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--corpus", type=Path, help="a JSONL file to import instead of generated articles")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = args.corpus.resolve() if args.corpus else OUT / f"articles-{args.articles}.jsonl"
    if args.child:
        print(json.dumps(run_one(args.child, path)))
        return
    if not path.exists():
        generate(path, args.articles)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgres":
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", BENCH_DB], check=True)
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB], check=True)
        subprocess.run(
            [sys.executable, __file__, "--articles", str(args.articles), "--corpus", str(path), "--child", backend],
            check=True,
        )


if __name__ == "__main__":
    main()
