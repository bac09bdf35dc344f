"""`manage.py serve` (what `make run` starts) as real processes: the port check, SIGTERM, the port it serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from annotations.management.commands.serve import port_taken, split_addr

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _env(var_dir: Path) -> dict[str, str]:
    """The embedded runtime (SQLite, filesystem broker) in a folder of its own."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REQUIRE_SERVICES", "CELERY_QUEUE")}
    return {**env, "WORKBENCH_VAR_DIR": str(var_dir), "DEBUG": "1", "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "workbench.settings"}


def _ours(var_dir: Path) -> list[int]:
    """Every process still running with this test's var folder in its environment."""
    marker = f"WORKBENCH_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def _wait_gone(var_dir: Path, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := _ours(var_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def var_dir(tmp_path: Path):
    yield tmp_path
    for pid in _ours(tmp_path):  # a failed test leaves nothing running
        os.kill(pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(var_dir: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--addr", f"127.0.0.1:{port}", "--concurrency", "1",
         "--web-workers", "1", "--threads", "2"],
        cwd=ROOT, env=_env(var_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_it_parses_the_address_and_names_the_option_when_it_cannot() -> None:
    assert split_addr("0.0.0.0:8001") == ("0.0.0.0", 8001)
    assert split_addr("8002") == ("127.0.0.1", 8002)
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="--addr"):
        split_addr("localhost:http")


def test_it_sees_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert "already in use" in (port_taken("127.0.0.1", port) or "")
    assert port_taken("127.0.0.1", port) is None


def test_a_taken_port_stops_it_before_anything_starts(var_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = _serve(var_dir, port)
        out, _ = serve.communicate(timeout=60)
    assert serve.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in out
    assert "The Workbench:" not in out and "worker pid" not in out  # no banner, no worker
    assert _ours(var_dir) == []


def _started(serve: subprocess.Popen) -> tuple[int, int]:
    """Read the banner: (gunicorn pid, worker pid) once the web server answers."""
    assert serve.stdout is not None
    for line in serve.stdout:
        if "worker pid" in line:
            web = int(line.split("gunicorn pid ")[1].split(",")[0])
            return web, int(line.rsplit(" ", 1)[1])
    raise AssertionError(f"serve exited ({serve.wait()}) without its banner")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_stop_signal_stops_the_web_server_and_the_worker(var_dir: Path, how: signal.Signals) -> None:
    port = _free_port()
    serve = _serve(var_dir, port)
    web, worker = _started(serve)
    assert web in _ours(var_dir) and worker in _ours(var_dir)
    serve.send_signal(how)
    serve.wait(timeout=60)
    # SIGKILL leaves no handler to run: the children learn it from the kernel (parent-death signal).
    assert _wait_gone(var_dir, 45) == []


def test_it_serves_static_files_without_the_development_server(var_dir: Path) -> None:
    port = _free_port()
    serve = _serve(var_dir, port)
    try:
        _started(serve)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/admin/css/base.css") as response:
            assert response.status == 200 and b"body" in response.read()
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    assert _wait_gone(var_dir, 45) == []
