#!/usr/bin/env python
"""Export and import speed of whole-project archives (export_project / import_project).

Usage: bench/bench_archive.py [--claims 20000] [--annotators-per-claim 3]

A generated project (bench/generate_project.py, on PostgreSQL) makes the path of the README's
move twice over: PostgreSQL -> archive -> SQLite (the embedded default) -> archive -> PostgreSQL.
Each step runs in its own process, so its peak RSS is its own (the figure includes Django and the
interpreter; `rss_before_mb` is the process just before the step's work). Figures go to stdout as
JSON lines; bench/RESULTS.md records them. Uses the databases wb_archive and wb_archive_target.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "archive"
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
SLUG = "bench-archive"


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["MEDIA_ROOT"] = str(OUT / ("media-" + database_url.rsplit("/", 1)[-1]))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(name: str, database_url: str, args: argparse.Namespace) -> dict:
    """One step in this process: generate, export or import."""
    _setup(database_url)
    from django.core.management import call_command

    from annotations.models import Project
    from annotations.services.archive import project_archive_export, project_archive_import

    call_command("migrate", verbosity=0)
    archive = OUT / f"{name.split(':')[1]}.zip" if ":" in name else None
    if name == "generate":
        from bench.generate_project import generate

        info = generate(SLUG, claims=args.claims, annotators_per_claim=args.annotators_per_claim)
        return {"step": name, "claims": info.claims, "annotations": info.annotations, "seconds": info.seconds}
    rss_before = _rss()
    started = time.perf_counter()
    if name.startswith("export:"):
        assert archive is not None
        report = project_archive_export(project=Project.objects.get(slug=SLUG), target=archive)
        rows, raw = report.rows, report.bytes_in
    else:
        assert archive is not None
        imported = project_archive_import(path=archive)
        rows, raw = imported.rows, 0
    seconds = time.perf_counter() - started
    size = archive.stat().st_size
    return {
        "step": name, "database": database_url.split(":", 1)[0], "rows": rows, "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds), "archive_mb": round(size / 1e6, 1),
        "archive_mb_per_s": round(size / 1e6 / seconds, 1),
        **({"jsonl_mb": round(raw / 1e6, 1), "jsonl_mb_per_s": round(raw / 1e6 / seconds, 1)} if raw else {}),
        "rss_before_mb": round(rss_before), "peak_rss_mb": round(_rss()),
    }


def _fresh_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=20_000)
    ap.add_argument("--annotators-per-claim", type=int, default=3)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(step(args.child[0], args.child[1], args)), flush=True)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    sqlite = OUT / "embedded.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(sqlite) + suffix).unlink(missing_ok=True)
    source, target = _fresh_pg("wb_archive"), _fresh_pg("wb_archive_target")
    embedded = f"sqlite:///{sqlite}"
    for name, url in [("generate", source), ("export:from-postgres", source), ("import:from-postgres", embedded),
                      ("export:from-sqlite", embedded), ("import:from-sqlite", target)]:
        subprocess.run([sys.executable, __file__, "--claims", str(args.claims), "--annotators-per-claim",
                        str(args.annotators_per_claim), "--child", name, url], check=True)


if __name__ == "__main__":
    main()
