"""Serve the web app (gunicorn, threads) and one Celery worker together; Ctrl-C stops both."""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.services.seeds import DEMO_USERS

_PR_SET_PDEATHSIG = 1
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_READY_TIMEOUT_S = 60


class _Stop(Exception):
    """A stop signal (SIGTERM, SIGHUP) arrived: leave through the same door as Ctrl-C."""


def split_addr(addr: str) -> tuple[str, int]:
    """host:port (or a bare port) as a pair; a CommandError naming the option otherwise."""
    host, _, port = addr.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise CommandError(f"--addr {addr!r}: expected host:port, e.g. 127.0.0.1:8000") from None
    return (host.strip("[]") or "127.0.0.1"), number


def port_taken(host: str, port: int) -> str | None:
    """Why nothing can listen on host:port (already in use, not allowed), or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn and runserver bind: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"{host}:{port} is already in use (another Workbench or another server?)"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM if serve dies, even by SIGKILL (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def _stop(processes: list[subprocess.Popen]) -> None:
    """Warm shutdown of every child, then a kill for those still running after 30 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except (subprocess.TimeoutExpired, KeyboardInterrupt, _Stop):
            # A second Ctrl-C, or a task that will not finish: stop it now.
            process.kill()
            process.wait()


class Command(BaseCommand):
    help = "Serve the web app (gunicorn with threads, or --dev: runserver with autoreload) and a Celery worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        parser.add_argument(
            "--dev", action="store_true", help="Django's development server, reloading on code changes"
        )

    def handle(self, *args: object, **options: object) -> None:
        addr = str(options["addr"])
        host, port = split_addr(addr)
        reloaded = os.environ.get("RUN_MAIN") == "true"  # runserver's reloader child: the parent checked
        if not reloaded:
            problem = port_taken(host, port)
            if problem:
                # Before anything starts: no banner, no worker left behind.
                raise CommandError(f"{problem}. Stop it, or choose another: make run ADDR=127.0.0.1:8001")
        if options["dev"] and reloaded:
            # The parent process runs the worker; this child only serves, and is restarted on changes.
            _die_with_parent()  # a SIGTERM to the parent must not leave this one serving
            call_command("runserver", addr, use_reloader=True)
            return
        previous = {sig: signal.signal(sig, _raise_stop) for sig in _STOP_SIGNALS}
        children: list[subprocess.Popen] = []
        try:
            if options["dev"]:
                children.append(self._worker(options))
                self._banner(addr, children[-1].pid, "runserver (autoreload)")
                call_command("runserver", addr, use_reloader=True)
            else:
                web = self._web(addr, host, port, options)
                children.append(web)
                children.append(self._worker(options))
                self._banner(addr, children[-1].pid, f"gunicorn pid {web.pid}")
                self._watch(children)
        except (KeyboardInterrupt, _Stop):
            pass
        finally:
            # Warm shutdown: the worker finishes its current task (acks are late, so an
            # interrupted one is redelivered next time).
            _stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _web(self, addr: str, host: str, port: int, options: dict[str, object]) -> subprocess.Popen:
        """gunicorn with threads, started and answering, or a CommandError (and nothing left running)."""
        web = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "workbench.wsgi",
                # The project's gunicorn.conf.py (threads, timeouts), wherever this is run from.
                "--config", str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
                "--bind", addr, "--workers", str(options["web_workers"]), "--threads", str(options["threads"]),
                "--access-logfile", "-", "--error-logfile", "-",
            ],
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while web.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection((host, port), timeout=0.5).close()
                return web
            except OSError:
                time.sleep(0.1)
        _stop([web])
        raise CommandError(f"the web server did not start on {addr} (its messages are above)")

    def _worker(self, options: dict[str, object]) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "workbench", "worker",
                "--loglevel", "INFO", "--concurrency", str(options["concurrency"]),
                "--hostname", "workbench@%h",
            ],
            preexec_fn=_die_with_parent,
        )

    def _watch(self, children: list[subprocess.Popen]) -> None:
        """Wait for a stop; if a child dies on its own, say so and stop the rest."""
        while True:
            for name, child in zip(("gunicorn", "celery worker"), children):
                if child.poll() is not None:
                    self.stderr.write(f"{name} (pid {child.pid}) exited with {child.returncode}; stopping")
                    raise SystemExit(1)
            time.sleep(0.5)

    def _banner(self, addr: str, worker_pid: int, web: str) -> None:
        broker = settings.CELERY_BROKER_URL.split("://")[0]
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            self.style.SUCCESS(f"\nThe Workbench: http://{addr}/  (admin: http://{addr}/admin/)")
        )
        self.stdout.write(f"database: {database}, broker: {broker}, web: {web}, worker pid {worker_pid}")
        self.stdout.write(
            "demo logins (password 'workbench-demo' unless DEMO_PASSWORD was set): "
            + ", ".join(f"{name} ({role})" for name, (role, _) in DEMO_USERS.items())
            + "\n"
        )
        self.stdout.flush()
