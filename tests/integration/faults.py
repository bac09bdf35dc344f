"""Real faults for the job tests: a PostgreSQL cluster and a Redis server the test owns and breaks.

Both run on ports of their own and in temporary folders, so stopping them disturbs nothing else
on the machine (not the PostgreSQL or Redis the rest of the suite uses).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from tests.conftest import need_service

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        need_service(f"PostgreSQL's {name} is not installed")
    return found[-1]


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (initdb + pg_ctl), stopped and started at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wb-pg-"))
        self.data = self.dir / "data"
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\n")
        self.start()
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "workbench")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/workbench"

    def _run(self, *cmd: str) -> None:
        if self._as_postgres:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.dir)

    def start(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: every connection is cut, as when the server goes away."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def migrate_with_project(self) -> None:
        """Migrate the cluster's database and add the project `faults`, managed by `max`."""
        django_call(
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "from django.contrib.auth import get_user_model\n"
            "from annotations.models import Membership, Project, Role\n"
            "from annotations.services.projects import default_scheme\n"
            "u = get_user_model().objects.create_user('max', password='pw')\n"
            "p = Project.objects.create(name='Faults', slug='faults', scheme=default_scheme())\n"
            "Membership.objects.create(user=u, project=p, role=Role.MANAGER)\n",
            {"DATABASE_URL": self.url},
        )

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis:
    """A Redis server of the test's own, without persistence: a restart forgets every message."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            need_service("redis-server is not installed")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wb-redis-"))
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # no persistence and no goodbye: every queued message is gone
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Send this process's tasks to another broker for the duration (the app caches its pools)."""
    from workbench.celery import app

    # Celery prefers the CELERY_BROKER_URL variable to broker_url, but not to these two; they
    # are set in the app's own changes and taken out again, so nothing stays pinned afterwards.
    keys = ("broker_read_url", "broker_write_url")
    changes = app.conf.changes
    saved = {key: changes[key] for key in keys if key in changes}

    def reset() -> None:
        # Forget the cached pools (not close them: kombu's registry may still share them).
        app._pool = None
        app.amqp._producer_pool = None

    reset()
    for key in keys:
        changes[key] = url
    try:
        yield
    finally:
        reset()
        for key in keys:
            changes.pop(key, None)
        changes.update(saved)


def queue_import(source: Path, env: dict[str, str]) -> int:
    """Start an import of `source` into the project `faults` as `max`, in a process using `env`."""
    out = django_call(
        "from django.contrib.auth import get_user_model\n"
        "from annotations.models import Project\n"
        "from annotations.services.imports import import_job_start\n"
        f"job = import_job_start(project=Project.objects.get(slug='faults'), "
        f"by=get_user_model().objects.get(username='max'), path={str(source)!r})\n"
        "print(job.pk)\n",
        env,
    )
    return int(out.split()[-1])


def django_call(code: str, env: dict[str, str], timeout: float = 600) -> str:
    """Run Python with Django set up on another database (its stdout is returned)."""
    script = "import django; django.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "DEBUG": "1", **env},
        capture_output=True, text=True, timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout
