"""Start a real Celery worker process against the test database and the configured broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.conftest import need_service

ROOT = Path(settings.BASE_DIR)

# Job timings for workers whose recovery a test waits for: a beat a second, stale after three.
FAST_RECOVERY = {
    "JOB_HEARTBEAT_SECONDS": "1",
    "JOB_STALE_SECONDS": "3",
    "JOB_RECONCILE_SECONDS": "1",
    "JOB_RESEND_QUEUED_SECONDS": "3",
}


def database_url() -> str:
    """A DATABASE_URL naming the database this test run is using (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def check_broker() -> None:
    """Skip (or fail in CI) when the configured broker cannot be reached."""
    from workbench.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "no broker here"
        need_service(f"broker {settings.CELERY_BROKER_URL.split('://')[0]} unreachable: {exc}")


@contextmanager
def isolated_queue() -> Iterator[str]:
    """Route tasks sent by this process to a queue of their own for the test's worker."""
    from workbench.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    old = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = old
        # Drop what nobody consumed (duplicates, resent jobs), so no broker keeps test messages.
        try:
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge(queue)
        except Exception:  # noqa: BLE001 - a broker the test stopped, or a queue never declared
            pass


class Worker:
    """A `celery worker` subprocess; stop() is a warm shutdown, kill() a crash."""

    def __init__(self, queue: str, log: Path, extra_env: dict[str, str] | None = None) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "BROKER_DIR": str(settings.BROKER_DIR),
            "WORKBENCH_VAR_DIR": str(settings.VAR_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "GRAPH_INDEX_DIR": str(settings.GRAPH_INDEX_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "1",
            # Tasks the worker queues itself (the orphan sweep) go to the test's queue too.
            "CELERY_QUEUE": queue,
            **(extra_env or {}),
        }
        self.log = log
        self._log_fh = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "workbench", "worker", "--pool", "solo",
                "--queues", queue, "--hostname", f"{queue}@%h", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """Crash the worker, as a power cut would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_fh.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_fh.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for(predicate, *, timeout: float, worker: Worker, what: str):  # noqa: ANN001, ANN201
    """Poll until predicate() is truthy; fail with the worker's log when it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.process.poll() is not None:
            raise AssertionError(f"worker exited while waiting for {what}:\n{worker.output()}")
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{worker.output()}")


def wait_for_job(job_id: int, *, worker: Worker, timeout: float = 90, what: str = "the job") -> None:
    """Wait until the job has succeeded or failed."""
    from annotations.models import FINISHED_STATUSES, Job

    wait_for(
        lambda: Job.objects.filter(pk=job_id, status__in=FINISHED_STATUSES).exists(),
        timeout=timeout, worker=worker, what=f"{what} to finish",
    )
