#!/usr/bin/env python
"""Import N articles END TO END through HTTP and a real worker, as a user's script does it.

Usage: bench/bench_import_api.py [--articles 10000] [--backend sqlite|postgres|both] [--reps 1]
                                 [--corpus FILE] [--keep]

Each backend gets a fresh state folder (and a fresh PostgreSQL database), then a real server:
  sqlite:   `manage.py serve --concurrency 1` (the embedded default: gunicorn with threads, one
            Celery worker, SQLite in WAL, kombu's filesystem broker), as `make run` starts it;
  postgres: gunicorn (2 workers) + `celery worker --concurrency 1`, PostgreSQL + Redis.
Timed: POST /api/v1/articles/import/ (multipart upload) until GET /api/v1/jobs/<id>/, polled every
0.2 s as the side-by-side harness does, says succeeded; then the article count is checked. The
job's own timestamps split that into upload (request answered), pick-up (queued -> started) and
run (started -> finished). Peak RSS is the largest sampled sum of the server's process tree
(web + worker) during the import, server_cpu_s the CPU those processes used meanwhile (steadier
than wall time on a shared machine); /proc/loadavg is recorded before and after each figure.
The corpus is ../shared/bench-peers/gen_corpus.py's (3,000-character French-like articles,
no language given, so each is detected). Figures go to stdout as JSON lines.
Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432), BENCH_PG_DB
(database, default workbench_bench_api), BENCH_REDIS (default redis://127.0.0.1:6379/9),
BENCH_POLL (seconds between two looks at the job, default 0.2), BENCH_WORKER_POOL (SQLite only:
gunicorn + a `celery worker --pool prefork|solo` started apart, instead of `manage.py serve`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = ROOT / ".venv" / "bin" / "python"
POLL = float(os.environ.get("BENCH_POLL", "0.2"))  # seconds between two looks at the job

# The same generator as ../shared/bench-peers/gen_corpus.py (seed 42), so files are comparable.
SUBJ = ["Le gouvernement", "La ministre de la Santé", "Le président de la République", "L'opposition",
        "Le maire de Lyon", "Une étude de l'Insee", "Le Conseil constitutionnel", "La Banque de France",
        "Un porte-parole du ministère", "Les syndicats", "La préfecture", "Un rapport parlementaire",
        "Le Premier ministre", "Une ONG", "La Commission européenne", "Le député de la Gironde"]
VERB = ["a annoncé", "a affirmé", "a déclaré", "a démenti", "a révélé", "a estimé", "a confirmé",
        "a contesté", "a publié", "a assuré", "a rappelé", "a souligné"]
OBJ = ["une hausse de {n} % du chômage", "la suppression de {n} postes", "un budget de {n} millions d'euros",
       "une baisse de {n} % des émissions", "l'ouverture de {n} nouvelles classes", "un déficit de {n} milliards",
       "la construction de {n} logements sociaux", "une augmentation de {n} % des prix de l'énergie",
       "le recrutement de {n} enseignants", "la fermeture de {n} lits d'hôpital"]
TAIL = ["selon des chiffres officiels", "d'ici à {y}", "depuis le début de l'année {y}", "en Île-de-France",
        "dans un entretien au Monde", "lors d'une conférence de presse", "sans citer de source",
        "ce que conteste l'opposition", "contrairement aux données de l'Insee", "à Marseille", "en Bretagne"]
CONN = ["Par ailleurs,", "Cependant,", "En outre,", "Selon les experts,", "De son côté,", "Toutefois,", "Ainsi,", ""]
SOURCES = ["Le Monde", "Libération", "Le Figaro", "Ouest-France", "AFP", "France Info", "Mediapart", "La Croix"]


def _sentence(r: random.Random) -> str:
    s = (f"{r.choice(SUBJ)} {r.choice(VERB)} {r.choice(OBJ).format(n=r.randint(2, 950))} "
         f"{r.choice(TAIL).format(y=r.randint(2015, 2026))}.")
    c = r.choice(CONN)
    return c + " " + s[0].lower() + s[1:] if c else s


def generate(path: Path, n: int, chars: int = 3000) -> None:
    """Write the harness's corpus of n articles as JSONL."""
    r = random.Random(42)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            parts, size = [], 0
            while size < chars:
                s = _sentence(r)
                parts.append(s)
                size += len(s) + 1
            text = " ".join(parts)[:chars]
            doc = {"doc_id": i, "title": f"Article {i}: " + _sentence(r)[:80], "text": text,
                   "source": r.choice(SOURCES),
                   "date": f"20{r.randint(15, 25)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"}
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _tree(root: int) -> list[int]:
    """root and its descendants."""
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
                kids.setdefault(int(stat[stat.rfind(")") + 2 :].split()[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    """User + system CPU of a process so far, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


class RssSampler:
    """The largest sum of RSS over the process trees of `roots`, sampled every 0.1 s, and the CPU
    those processes used meanwhile (less sensitive than wall time to a machine shared with others)."""

    def __init__(self, roots: list[int]) -> None:
        self.roots, self.peak_kb, self.worker_peak_kb = roots, 0, 0
        self._stop = threading.Event()
        self._ticks_at_start: dict[int, int] = {}
        self._ticks: dict[int, int] = {}

    @property
    def cpu_seconds(self) -> float:
        used = sum(t - self._ticks_at_start.get(pid, 0) for pid, t in self._ticks.items())
        return used / os.sysconf("SC_CLK_TCK")

    def _sample_cpu(self, pids: list[int]) -> None:
        for pid in pids:
            ticks = _cpu_ticks(pid)
            if ticks:
                self._ticks[pid] = max(ticks, self._ticks.get(pid, 0))

    def __enter__(self) -> RssSampler:
        pids = [p for root in self.roots for p in _tree(root)]
        self._ticks_at_start = {pid: _cpu_ticks(pid) for pid in pids}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            pids = [p for root in self.roots for p in _tree(root)]
            rss = [_rss_kb(p) for p in pids]
            self.peak_kb = max(self.peak_kb, sum(rss))
            self.worker_peak_kb = max(self.worker_peak_kb, max(rss, default=0))
            self._sample_cpu(pids)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample_cpu([p for root in self.roots for p in _tree(root)])


class Server:
    """A Workbench in a fresh state folder: the embedded default, or PostgreSQL + Redis."""

    def __init__(self, backend: str, port: int, folder: Path) -> None:
        self.backend, self.port, self.folder = backend, port, folder
        self.base = f"http://127.0.0.1:{port}"
        self.env = dict(
            os.environ, PYTHONDONTWRITEBYTECODE="1", DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", LOG_LEVEL="WARNING",
            API_THROTTLE_USER="1000000/minute", SECRET_KEY="bench-only-not-secret",
            WORKBENCH_VAR_DIR=str(folder / "var"), MEDIA_ROOT=str(folder / "var" / "media"),
        )
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE"):
            self.env.pop(name, None)
        if backend == "postgres":
            self.db = os.environ.get("BENCH_PG_DB", "workbench_bench_api")
            self.pg = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
            self.env.update(
                DATABASE_URL=f"{self.pg}/{self.db}",
                CELERY_BROKER_URL=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9"),
                CELERY_QUEUE=f"bench_import_{uuid.uuid4().hex[:8]}",
            )
        self.procs: list[subprocess.Popen] = []

    def _run(self, *args: str) -> None:
        subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def start(self) -> None:
        if self.backend == "postgres":
            for sql in (f"DROP DATABASE IF EXISTS {self.db}", f"CREATE DATABASE {self.db}"):
                subprocess.run(["psql", "-q", self.pg + "/postgres", "-c", sql], check=True)
        self._run("migrate", "--no-input")
        subprocess.run(
            [str(PY), "manage.py", "createsuperuser", "--no-input", "--username", "admin",
             "--email", "admin@example.com"],
            cwd=ROOT, env={**self.env, "DJANGO_SUPERUSER_PASSWORD": "benchpass123"}, check=True,
            stdout=subprocess.DEVNULL,
        )
        log = (self.folder / "server.log").open("w")
        if self.backend == "sqlite" and not os.environ.get("BENCH_WORKER_POOL"):
            commands = [[str(PY), "manage.py", "serve", "--addr", f"127.0.0.1:{self.port}", "--concurrency", "1"]]
        else:
            commands = [
                [str(ROOT / ".venv/bin/gunicorn"), "workbench.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "2", "--timeout", "600"],
                [str(ROOT / ".venv/bin/celery"), "-A", "workbench", "worker", "--loglevel", "WARNING",
                 "--concurrency", "1", "--hostname", f"bench_{uuid.uuid4().hex[:6]}@%h",
                 "--pool", os.environ.get("BENCH_WORKER_POOL", "prefork")],
            ]
        for command in commands:
            self.procs.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/health/", timeout=2).read()
                break
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        else:
            raise RuntimeError(f"the server did not start: see {self.folder}/server.log")
        time.sleep(3)  # let the worker connect to its broker

    def stop(self) -> None:
        for proc in self.procs:  # each its own session: stop the whole group we started
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.backend == "postgres" and not os.environ.get("BENCH_KEEP"):
            subprocess.run(["psql", "-q", self.pg + "/postgres", "-c", f"DROP DATABASE IF EXISTS {self.db}"],
                           check=False)


class Client:
    """The API as a token-holding script uses it (urllib: no dependency outside the stdlib)."""

    def __init__(self, base: str) -> None:
        self.api = base + "/api/v1"
        token = self.call("POST", "/auth/token/", {"username": "admin", "password": "benchpass123"})["token"]
        self.headers = {"Authorization": f"Token {token}"}

    def call(self, method: str, path: str, body: dict | None = None, *, data: bytes | None = None,
             content_type: str = "application/json") -> dict:
        if body is not None:
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, method=method,
                                         headers={**getattr(self, "headers", {}), "Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=3600) as response:
            return json.loads(response.read())

    def upload(self, project: str, path: Path) -> dict:
        """POST the file as multipart/form-data, streamed from disk."""
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"project\"\r\n\r\n{project}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        with tempfile.TemporaryFile() as body:
            body.write(head)
            with path.open("rb") as fh:
                shutil.copyfileobj(fh, body, 1 << 20)
            body.write(tail)
            body.seek(0)
            request = urllib.request.Request(
                self.api + "/articles/import/", data=body, method="POST",
                headers={**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}",
                         "Content-Length": str(body.seek(0, 2))},
            )
            body.seek(0)
            with urllib.request.urlopen(request, timeout=3600) as response:
                return json.loads(response.read())


def _stamp(value: str | None) -> float | None:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


def run_backend(backend: str, corpus: Path, reps: int, port: int, keep: bool) -> list[dict]:
    rows = []
    for rep in range(reps):
        folder = Path(tempfile.mkdtemp(prefix=f"bench-import-api-{backend}-", dir=OUT))
        server = Server(backend, port, folder)
        try:
            server.start()
            client = Client(server.base)
            slug = f"bench{rep}"
            client.call("POST", "/projects/", {"name": slug, "slug": slug})
            roots = [p.pid for p in server.procs]
            before = loadavg()
            with RssSampler(roots) as rss:
                started = time.time()
                job = client.upload(slug, corpus)
                answered = time.time()
                while job["status"] not in ("succeeded", "failed", "cancelled"):
                    time.sleep(POLL)
                    job = client.call("GET", f"/jobs/{job['id']}/")
                seconds = time.time() - started
            if job["status"] != "succeeded":
                raise RuntimeError(f"the import job {job['status']}: {job.get('error')}")
            size_mb = corpus.stat().st_size / 1e6
            t_started, t_finished = _stamp(job["started_at"]), _stamp(job["finished_at"])
            rows.append({
                "backend": backend, "rep": rep, "articles": job["result"]["created"],
                "file_mb": round(size_mb, 1), "seconds": round(seconds, 2),
                "mb_per_s": round(size_mb / seconds, 1),
                "upload_s": round(answered - started, 2),
                "pickup_s": round(t_started - answered, 2) if t_started else None,
                "job_run_s": round(t_finished - t_started, 2) if t_started and t_finished else None,
                "server_cpu_s": round(rss.cpu_seconds, 2),
                "peak_rss_mb": round(rss.peak_kb / 1024), "largest_process_mb": round(rss.worker_peak_kb / 1024),
                "load_before": before, "load_after": loadavg(),
            })
            print(json.dumps(rows[-1]), flush=True)
        finally:
            server.stop()
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--corpus", type=Path, help="a JSONL file to import instead of a generated one")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--port", type=int, default=8471)
    ap.add_argument("--keep", action="store_true", help="keep each run's state folder under bench/out")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus or OUT / f"corpus-{args.articles}.jsonl"
    if not corpus.exists():
        generate(corpus, args.articles)
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        run_backend(backend, corpus, args.reps, args.port, args.keep)


if __name__ == "__main__":
    main()
