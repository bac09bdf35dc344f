#!/usr/bin/env python
"""How long a job takes to recover, with the default job timings, from a killed worker and from
database outages of 15 and 60 seconds.

Runs on a PostgreSQL cluster of its own (initdb + pg_ctl on a free port, like the fault tests)
and the broker in CELERY_BROKER_URL (default: a Redis of its own). Each scenario imports 20,000
articles; the figure is the time from the fault's end (worker restarted, database back) to the
job running again and to the job finished. Prints a Markdown table for bench/RESULTS.md.

    .venv/bin/python bench/bench_recovery.py [--outages 15,60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from tests.integration.faults import ThrowawayPostgres, ThrowawayRedis, queue_import  # noqa: E402
from tests.integration.worker import Worker  # noqa: E402

N = 20000


def _row(pg: ThrowawayPostgres, job_id: int) -> dict:
    cols = ("status", "phase", "progress_done", "attempts", "error")
    values = pg.query(f"SELECT {', '.join(cols)} FROM annotations_job WHERE id = %s", (job_id,))[0]
    return dict(zip(cols, values))


def _wait(predicate, timeout: float = 600) -> float:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return time.monotonic()
        except Exception:  # noqa: BLE001 - the database may be away
            pass
        time.sleep(0.2)
    raise SystemExit("timed out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", default="15,60", help="database outages to measure, in seconds")
    args = parser.parse_args()
    redis = None if os.environ.get("CELERY_BROKER_URL") else ThrowawayRedis()
    broker = os.environ.get("CELERY_BROKER_URL") or redis.url  # type: ignore[union-attr]
    pg = ThrowawayPostgres()
    work = Path(tempfile.mkdtemp(prefix="wb-recovery-"))
    source = work / "articles.jsonl"
    filler = "Le sommet d'Anchorage a eu lieu le 15 août 2025. " * 20
    source.write_text("".join(f'{{"body": "Article {i}. {filler}"}}\n' for i in range(N)), encoding="utf-8")
    rows = []
    try:
        pg.migrate_with_project()
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        env = {"DATABASE_URL": pg.url, "CELERY_BROKER_URL": broker, "CELERY_QUEUE": queue,
               "MEDIA_ROOT": str(work / "media")}
        settings.CELERY_BROKER_URL = broker  # the Worker helper passes it on

        # A worker SIGKILLed mid-import; a new one starts at once.
        first = Worker(queue, work / "w1.log", env)
        job = queue_import(source, env)
        _wait(lambda: _row(pg, job)["phase"] == "importing" and _row(pg, job)["progress_done"] > 0)
        first.kill()
        killed = time.monotonic()
        second = Worker(queue, work / "w2.log", env)
        taken = _wait(lambda: _row(pg, job)["attempts"] == 2)
        done = _wait(lambda: _row(pg, job)["status"] in ("succeeded", "failed"))
        second.stop()
        assert _row(pg, job)["status"] == "succeeded", _row(pg, job)
        rows.append(("worker SIGKILLed mid-import", taken - killed, done - killed))

        for seconds in [int(s) for s in args.outages.split(",") if s]:
            worker = Worker(queue, work / f"w-outage-{seconds}.log", env)
            job = queue_import(_fresh(source, seconds), env)
            _wait(lambda: _row(pg, job)["phase"] == "importing" and _row(pg, job)["progress_done"] > 0)
            before = _row(pg, job)["progress_done"]
            pg.stop()
            time.sleep(seconds)
            pg.start()
            back = time.monotonic()
            # Running again: progress moves past where the outage found it (or the job is done).
            resumed = _wait(lambda: _row(pg, job)["progress_done"] > before
                            or _row(pg, job)["status"] != "running")
            done = _wait(lambda: _row(pg, job)["status"] in ("succeeded", "failed"))
            worker.stop()
            assert _row(pg, job)["status"] == "succeeded", _row(pg, job)
            rows.append((f"database down {seconds} s mid-import", resumed - back, done - back))
    finally:
        pg.destroy()
        if redis is not None:
            redis.destroy()
    print(f"Job timings: heartbeat {settings.JOB_HEARTBEAT_SECONDS} s, stale after "
          f"{settings.JOB_STALE_SECONDS} s, reconciler every {settings.JOB_RECONCILE_SECONDS} s; "
          f"{N:,} articles imported per scenario.\n")
    print("| fault | fault over → job running again | fault over → job finished |")
    print("|---|---|---|")
    for name, running, finished in rows:
        print(f"| {name} | {running:.1f} s | {finished:.1f} s |")


def _fresh(source: Path, tag: int) -> Path:
    """The same articles with other bodies, so a second import is not all duplicates."""
    target = source.with_name(f"articles-{tag}.jsonl")
    target.write_text(source.read_text(encoding="utf-8").replace('"Article ', f'"Article {tag}-'), encoding="utf-8")
    return target


if __name__ == "__main__":
    main()
