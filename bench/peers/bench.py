"""Peer drivers for the side-by-side harness (`../shared/bench-peers/bench_side.py`): doccano and Label Studio.

`bench_side.py` imports this module as `bench` and uses `bench.Doccano` and `bench.LS` exactly as
its own `WB` class: start/stop a fresh server through the harness's `doccano_server.sh` /
`ls_server.sh`, create a project, import the corpus through the tool's own import API (timed
until the documents are in the database), list, annotate, export. Only each tool's documented
REST API is used (doccano 1.8.4: `/v1/...`; Label Studio 1.23: `/api/...`); every wait is
bounded in time and polls at the harness's interval.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import zipfile
from typing import Any

import benchlib  # type: ignore[import-not-found]  # the harness's own helpers: bench_side.py puts its folder first on sys.path
import requests

A, DATA = benchlib.A, benchlib.DATA
SCRIPTS = os.path.dirname(os.path.abspath(benchlib.__file__))  # doccano_server.sh, ls_server.sh
PAGE = 10
POLL = 0.2  # task polling interval, the same as bench_side.py's for the Workbench's jobs
PASSWORD = "benchpass123"
VERDICTS = ["supported", "refuted", "misleading"]
LS_TOKEN = os.environ.get("LS_TOKEN", "benchtoken0123456789abcdef0123456789abcd")


def _version(venv: str, dist: str) -> str:
    """The installed version of `dist` in the peer's own virtualenv."""
    out = subprocess.run([f"{venv}/bin/python", "-c", f"import importlib.metadata as m;print(m.version('{dist}'))"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def _wait_http(url: str, timeout: float, ok: tuple[int, ...] = (200,)) -> float:
    """Seconds until `url` answers one of `ok`."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if requests.get(url, timeout=5, allow_redirects=False).status_code in ok:
                return time.time() - t0
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise TimeoutError(url)


def _download(session: requests.Session, url: str, path: str, **kw: Any) -> requests.Response:
    """Stream a GET to `path`; returns the response (headers) after the body is on disk."""
    with session.get(url, stream=True, timeout=3600, **kw) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(1 << 20):
                f.write(chunk)
    return r


class Doccano:
    """doccano 1.8.4: gunicorn (`web_workers`) + its Celery worker, SQLite, a text-classification project."""

    port = 8402
    name = "doccano"

    def __init__(self, d: str, web_workers: int = 1) -> None:
        self.dir = d
        self.web_workers = web_workers
        self.venv = f"{A}/doccano-venv"
        self.version = _version(self.venv, "doccano")
        self.base = f"http://127.0.0.1:{self.port}"
        self.s = requests.Session()
        self.roots: list[int] = []
        self.ids: list[int] = []
        self.cat: list[int] = []
        self.pid_proj: int | None = None

    def _sh(self, *args: str) -> str:
        return subprocess.run([f"{SCRIPTS}/doccano_server.sh", *args], capture_output=True, text=True,
                              env=dict(os.environ, ANCHORS=A)).stdout

    def _start_on_postgres(self, url: str) -> str:
        """doccano_server.sh's start with `DOCCANO_DATABASE_URL` (PostgreSQL) instead of its SQLite
        file: the same gunicorn and `doccano task`, the broker on the same database (doccano's
        default for a database URL). The database must exist and be empty; `psycopg2-binary` must
        be in doccano's virtualenv (not a dependency of doccano 1.8.4)."""
        backend = subprocess.run([f"{self.venv}/bin/python", "-c", "import backend,os;print(os.path.dirname(backend.__file__))"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        env = dict(os.environ, DOCCANO_HOME=self.dir, STANDALONE="True", DJANGO_SETTINGS_MODULE="config.settings.production",
                   DATABASE_URL=url, MEDIA_ROOT=f"{self.dir}/media")
        os.makedirs(self.dir, exist_ok=True)
        t0 = time.time()
        with open(f"{self.dir}/init.log", "w") as log:
            subprocess.run([f"{self.venv}/bin/doccano", "init"], env=env, stdout=log, stderr=log, check=True)
            subprocess.run([f"{self.venv}/bin/doccano", "createuser", "--username", "admin", "--password", PASSWORD],
                           env=env, stdout=log, stderr=log, check=True)
        init_s = time.time() - t0
        for name, cmd in (
            ("web", [f"{self.venv}/bin/gunicorn", "--chdir", backend, "--bind", f"127.0.0.1:{self.port}",
                     "--workers", str(self.web_workers), "--capture-output", "--log-level", "info", "config.wsgi"]),
            ("task", [f"{self.venv}/bin/doccano", "task", "--concurrency", "1"]),
        ):
            with open(f"{self.dir}/{name}.log", "w") as log:
                proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            with open(f"{self.dir}/{name}.pid", "w") as f:
                f.write(str(proc.pid))
        return f"init_s={init_s:.1f}"

    def start(self) -> float:
        """Fresh DB (`doccano init` + admin, timed by the script) then web and worker until both answer."""
        t0 = time.time()
        url = os.environ.get("DOCCANO_DATABASE_URL")
        out = self._start_on_postgres(url) if url else self._sh("start", self.dir, str(self.port), str(self.web_workers))
        print(out.strip())
        m = re.search(r"init_s=([\d.]+)", out)
        init_s = float(m.group(1)) if m else 0.0
        t1 = time.time()
        _wait_http(self.base + "/v1/health/", timeout=600, ok=(200,))
        # the import runs on the Celery worker: it must be up too before the tool counts as started
        self._wait_log(f"{self.dir}/task.log", "ready.", timeout=600)
        healthy = time.time() - t1
        self.roots = [int(open(f"{self.dir}/{p}.pid").read()) for p in ("web", "task")]
        r = requests.post(self.base + "/v1/auth/login/", json={"username": "admin", "password": PASSWORD}, timeout=60)
        r.raise_for_status()
        self.s.headers["Authorization"] = f"Token {r.json()['key']}"
        print(f"doccano started: init {init_s:.1f} s + healthy {healthy:.1f} s (wall {time.time() - t0:.1f} s)")
        return init_s + healthy

    @staticmethod
    def _wait_log(path: str, needle: str, timeout: float) -> None:
        t0 = time.time()
        while time.time() - t0 < timeout:
            if os.path.exists(path) and needle in open(path, errors="replace").read():
                return
            time.sleep(0.25)
        raise TimeoutError(f"{path}: no {needle!r}")

    def stop(self) -> None:
        print(self._sh("stop", self.dir).strip())

    def create_project(self) -> None:
        """A single-label document-classification project with the three verdicts as categories."""
        r = self.s.post(self.base + "/v1/projects", json={
            "name": "bench", "description": "side-by-side bench", "guideline": "",
            "project_type": "DocumentClassification", "resourcetype": "TextClassificationProject",
            "random_order": False, "collaborative_annotation": False,
            "single_class_classification": True, "allow_member_to_create_label_type": False, "tags": []})
        r.raise_for_status()
        self.pid_proj = r.json()["id"]
        self.cat = []
        for i, v in enumerate(VERDICTS):
            r = self.s.post(f"{self.base}/v1/projects/{self.pid_proj}/category-types",
                            json={"text": v, "background_color": "#209cee", "text_color": "#ffffff",
                                  "suffix_key": str(i + 1)})
            r.raise_for_status()
            self.cat.append(r.json()["id"])

    def _wait_task(self, task_id: str, timeout: float = 3600) -> Any:
        t0 = time.time()
        while time.time() - t0 < timeout:
            j = self.s.get(f"{self.base}/v1/tasks/status/{task_id}", timeout=60).json()
            if j["ready"]:
                if j.get("error"):
                    raise RuntimeError(j["error"])
                return j["result"]
            time.sleep(POLL)
        raise TimeoutError(task_id)

    def import_docs(self, n: int) -> tuple[int, str]:
        """Upload the JSONL through filepond (`/v1/fp/process/`), start the import, wait for its task."""
        path = f"{DATA}/corpus_{n}.jsonl"
        with open(path, "rb") as f:
            r = self.s.post(self.base + "/v1/fp/process/",
                            files={"filepond": (os.path.basename(path), f, "application/octet-stream")}, timeout=3600)
        r.raise_for_status()
        upload_id = r.text.strip()
        r = self.s.post(f"{self.base}/v1/projects/{self.pid_proj}/upload", json={
            "uploadIds": [upload_id], "format": "JSONL", "task": "DocumentClassification",
            "column_data": "text", "column_label": "label", "encoding": "utf_8"}, timeout=600)
        r.raise_for_status()
        res = self._wait_task(r.json()["task_id"])
        errors = (res or {}).get("error") or []
        return self.count(), f"upload_id={upload_id} import_errors={len(errors)}" + (f" first={errors[0]}" if errors else "")

    def count(self) -> int:
        return int(self.s.get(f"{self.base}/v1/projects/{self.pid_proj}/examples?limit=1", timeout=120).json()["count"])

    def list_urls(self, n: int) -> dict[str, str]:
        u = f"{self.base}/v1/projects/{self.pid_proj}/examples?limit={PAGE}"
        return {"page1": f"{u}&offset=0", f"deep (row {n // 2})": f"{u}&offset={n // 2}"}

    def prepare_annotate(self) -> None:
        """Every example id, in the list's order (untimed setup)."""
        ids: list[int] = []
        url: str | None = f"{self.base}/v1/projects/{self.pid_proj}/examples?limit=2000&offset=0"
        while url:
            j = self.s.get(url, timeout=600).json()
            ids += [x["id"] for x in j["results"]]
            url = j["next"]
        self.ids = ids

    def annotate_one(self, i: int, ex: int) -> None:
        """One category (the verdict) on one example, as the annotation page posts it."""
        r = self.s.post(f"{self.base}/v1/projects/{self.pid_proj}/examples/{ex}/categories",
                        json={"label": self.cat[i % 3]}, timeout=60)
        r.raise_for_status()

    def export(self, path: str) -> tuple[int, str]:
        """JSONL export: start the task, wait for it, download the zip it made."""
        r = self.s.post(f"{self.base}/v1/projects/{self.pid_proj}/download",
                        json={"format": "JSONL", "exportApproved": False}, timeout=600)
        r.raise_for_status()
        task_id = r.json()["task_id"]
        self._wait_task(task_id)
        _download(self.s, f"{self.base}/v1/projects/{self.pid_proj}/download?taskId={task_id}", path)
        size = os.path.getsize(path)
        try:
            with zipfile.ZipFile(path) as z:
                infos = z.infolist()
                lines = sum(z.read(i).count(b"\n") for i in infos)
            note = f"zip of {len(infos)} JSONL file(s), {sum(i.file_size for i in infos)} bytes unzipped, {lines} lines"
        except zipfile.BadZipFile:
            note = "not a zip"
        return size, note


class LS:
    """Label Studio 1.23 (Community): `label-studio start`, SQLite, a text project with one Choices control."""

    port = 8401
    name = "label-studio"
    CONFIG = ('<View><Text name="text" value="$text"/><Choices name="verdict" toName="text" choice="single">'
              + "".join(f'<Choice value="{v}"/>' for v in VERDICTS) + "</Choices></View>")

    def __init__(self, d: str) -> None:
        self.dir = d
        self.venv = f"{A}/ls-venv"
        self.version = _version(self.venv, "label-studio")
        self.base = f"http://127.0.0.1:{self.port}"
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Token {LS_TOKEN}"
        self.roots: list[int] = []
        self.ids: list[int] = []
        self.cat: list[int] = []
        self.pid_proj: int | None = None

    def _sh(self, *args: str) -> str:
        return subprocess.run([f"{SCRIPTS}/ls_server.sh", *args], capture_output=True, text=True,
                              env=dict(os.environ, ANCHORS=A, LS_TOKEN=LS_TOKEN)).stdout

    def start(self) -> float:
        """Fresh data dir: `label-studio start` migrates, creates the user, then serves; until /health answers."""
        t0 = time.time()
        print(self._sh("start", self.dir, str(self.port)).strip())
        self.roots = [int(open(f"{self.dir}/server.pid").read())]
        _wait_http(self.base + "/health", timeout=900, ok=(200,))
        # the token is the user's; it exists once the user is created (just before serving)
        t = time.time()
        while time.time() - t < 120:
            if self.s.get(self.base + "/api/projects", timeout=30).status_code == 200:
                break
            time.sleep(0.5)
        return time.time() - t0

    def stop(self) -> None:
        print(self._sh("stop", self.dir).strip())

    def create_project(self) -> None:
        r = self.s.post(self.base + "/api/projects", json={"title": "bench", "label_config": self.CONFIG}, timeout=120)
        r.raise_for_status()
        self.pid_proj = r.json()["id"]

    def import_docs(self, n: int) -> tuple[int, str]:
        """Upload the JSON array to the project's import API; the Community edition answers when the tasks are saved."""
        path = f"{DATA}/corpus_{n}.json"
        with open(path, "rb") as f:
            r = self.s.post(f"{self.base}/api/projects/{self.pid_proj}/import",
                            files={"file": (os.path.basename(path), f, "application/json")}, timeout=3600)
        r.raise_for_status()
        j = r.json()
        if "import" in j and "task_count" not in j:  # an edition with background imports: wait for it
            j = self._wait_import(j["import"])
        return self.count(), f"task_count={j.get('task_count')} duration={j.get('duration')}"

    def _wait_import(self, import_id: int, timeout: float = 3600) -> dict[str, Any]:
        t0 = time.time()
        while time.time() - t0 < timeout:
            j = self.s.get(f"{self.base}/api/projects/{self.pid_proj}/imports/{import_id}/", timeout=60).json()
            if j.get("status") in ("completed", "failed"):
                if j["status"] == "failed":
                    raise RuntimeError(j.get("error"))
                return dict(j)
            time.sleep(POLL)
        raise TimeoutError(import_id)

    def count(self) -> int:
        return int(self.s.get(f"{self.base}/api/projects/{self.pid_proj}/", timeout=120).json()["task_number"])

    def list_urls(self, n: int) -> dict[str, str]:
        u = f"{self.base}/api/tasks?project={self.pid_proj}&page_size={PAGE}"
        return {"page1": f"{u}&page=1", f"deep (row {n // 2})": f"{u}&page={n // 2 // PAGE + 1}"}

    def prepare_annotate(self) -> None:
        """Every task id, in the list's order (untimed setup; only the id field is asked for)."""
        ids: list[int] = []
        page = 1
        while True:
            r = self.s.get(f"{self.base}/api/tasks?project={self.pid_proj}&page_size=1000&page={page}&include=id",
                           timeout=600)
            if r.status_code == 404:  # past the last page
                break
            r.raise_for_status()
            tasks = r.json()["tasks"]
            ids += [t["id"] for t in tasks]
            if len(tasks) < 1000:
                break
            page += 1
        self.ids = ids

    def annotate_one(self, i: int, task: int) -> None:
        """One annotation (a single choice) on one task, as the labeling page submits it."""
        r = self.s.post(f"{self.base}/api/tasks/{task}/annotations/", json={
            "result": [{"from_name": "verdict", "to_name": "text", "type": "choices",
                        "value": {"choices": [VERDICTS[i % 3]]}}],
            "lead_time": 1.0}, timeout=60)
        r.raise_for_status()

    def export(self, path: str) -> tuple[int, str]:
        """The project's JSON export of every task (as doccano's export), with its annotations, until downloaded."""
        _download(self.s, f"{self.base}/api/projects/{self.pid_proj}/export?exportType=JSON&download_all_tasks=true", path)
        return os.path.getsize(path), "JSON export, all tasks (download_all_tasks=true, as doccano exports every example)"
