#!/usr/bin/env python
"""What one HTTP request costs at the least, client and server, in CPU seconds.

Usage: bench/bench_request_floor.py [--requests 3000] [--threads 8]

The side-by-side harness (`../shared/bench-peers/bench_side.py`) drives 50 annotators from
Python threads with `requests`, on the same 2 cores as the servers. The Workbench's item is two
requests (the queue's Next, then the verdict); doccano's is one (a label on a random document).
This measures, on this machine, the floors that bound any such run:

- the client: CPU per `requests` call in the harness's style (a fresh Cookie header, no
  redirects) against a server that answers a fixed 302 from C-level code (no Python per request);
- the server: CPU per request of the Workbench's own gunicorn (the `make run` configuration:
  gthread, 2 processes) for the cheapest authenticated answer it has (`GET /api/v1/`, a token),
  read from /proc of the gunicorn processes, so HTTP parsing, WSGI, every middleware and DRF
  count, and nothing of a view's own work.

Items per second on 2 cores can then be no more than 2 / (requests per item x (client + server
floor) + the item's own work). Load average is printed beside the figures: CPU seconds stay
comparable on a busy machine, wall-clock ones do not.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (and their threads), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(p) for p in out]


def hammer(url: str, n: int, threads: int, headers: dict[str, str]) -> float:
    """n GETs from `threads` threads in the harness's style; returns this process's CPU seconds."""
    per = n // threads
    errors: list[int] = []

    def run() -> None:
        session = requests.Session()
        for _ in range(per):
            h = dict(headers, Cookie="sessionid=x; csrftoken=y")
            session.cookies.clear()
            r = session.get(url, headers=h, allow_redirects=False, timeout=30)
            if r.status_code >= 400:
                errors.append(r.status_code)

    start = time.process_time()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} errors, e.g. HTTP {errors[0]}")
    return time.process_time() - start


FIXED_302 = r"""
import socket, threading
answer = (b"HTTP/1.1 302 Found\r\nLocation: /p/x/claims/1/?claim=1\r\nContent-Length: 0\r\n"
          b"Set-Cookie: csrftoken=y; Path=/\r\n\r\n")
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", PORT)); srv.listen(64)
def serve(conn):
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buf += data
        while b"\r\n\r\n" in buf:
            _, buf = buf.split(b"\r\n\r\n", 1)
            conn.sendall(answer)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def client_floor(n: int, threads: int) -> float:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", FIXED_302.replace("PORT", str(port))])
    try:
        time.sleep(0.5)
        cpu = hammer(f"http://127.0.0.1:{port}/p/x/next/", n, threads, {})
    finally:
        server.kill()
    return cpu / n


def server_floor(n: int, threads: int) -> tuple[float, float]:
    """(server CPU per request, client CPU per request) for GET /api/v1/ with a token."""
    var = tempfile.mkdtemp(prefix="bench-floor-")
    env = dict(os.environ, DEBUG="0", SECRET_KEY="bench-only-" + "x" * 40, ALLOWED_HOSTS="127.0.0.1",
               SECURE_SSL_REDIRECT="0", API_THROTTLE_USER="100000000/minute", LOG_LEVEL="ERROR",
               WORKBENCH_VAR_DIR=var, DJANGO_SETTINGS_MODULE="workbench.settings")
    env.pop("DATABASE_URL", None)
    subprocess.run([PY, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    make_token = (
        "from django.contrib.auth import get_user_model;"
        "from annotations.services.tokens import token_issue;"
        "u = get_user_model().objects.create_user('floor', password='x');"
        "print(token_issue(user=u).key)"
    )
    token = subprocess.run([PY, "manage.py", "shell", "-c", make_token], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "workbench.wsgi:application"], cwd=ROOT, env=env)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/"
        for _ in range(100):
            try:
                requests.get(url, timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        headers = {"Authorization": f"Token {token}"}
        hammer(url, 200, threads, headers)  # warm every thread of both processes
        pids = children(server.pid)
        before = cpu_of(pids)
        client = hammer(url, n, threads, headers)
        server_cpu = cpu_of(pids) - before
    finally:
        server.terminate()
        server.wait(10)
    return server_cpu / n, client / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    client = client_floor(args.requests, args.threads)
    server, client_django = server_floor(args.requests, args.threads)
    print(f"load {load:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"client, requests in the harness's style: {client * 1000:.2f} ms CPU per request "
          f"({client_django * 1000:.2f} against the Workbench)")
    print(f"server, Workbench gunicorn, GET /api/v1/ with a token: {server * 1000:.2f} ms CPU per request")
    floor = 2 * (client + server)
    print(f"an item of two such requests: ≥ {floor * 1000:.2f} ms CPU, so ≤ {2 / floor:.0f} items/s on 2 cores "
          "before the queue, the verdict and the database do any work")


if __name__ == "__main__":
    main()
