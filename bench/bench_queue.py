#!/usr/bin/env python
"""The annotator's loop in one process: Next (UI POST) → the claim's page → a verdict (API POST).

Usage: bench/bench_queue.py [--database-url URL] [--articles 10000] [--items 200] [--explain]
       [--harness] [--sections] [--profile next|page|verdict] [--server-binding]

Builds a judging project (overlap 2) of `articles` articles of ~3,000 characters, one accepted
claim each, in a fresh database (SQLite under a temporary folder without --database-url), then
two annotators take turns through `items` items each. Requests go through Django's test client
(the whole server path without a network), DEBUG off. Prints, per request kind, the p50/p90
server time and the number of queries, and with --explain the plan of the queue's candidate
search half-way through the queue. Load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str | None, server_binding: bool = False) -> None:
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0", "API_THROTTLE_USER": "100000000/minute", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    })
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["WORKBENCH_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-queue-")
    import django

    django.setup()
    from django.core.management import call_command

    if server_binding:  # psycopg binds parameters in the server, and prepares repeated statements
        from django.db import connections

        connections.settings["default"]["OPTIONS"]["server_side_binding"] = True

    if database_url:
        from django.db import connection

        with connection.cursor() as cursor:  # a fresh schema every run
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def build(articles: int) -> tuple[str, list]:
    """The project, its claims and two annotators (plus a token each)."""
    from django.contrib.auth import get_user_model

    from annotations.models import (
        Article, Claim, ClaimOrigin, ClaimStatus, Membership, Project, Role, TaskKind, body_hash,
    )
    from annotations.services.projects import default_scheme

    users = [get_user_model().objects.create_user(f"ann{i}", password="x") for i in range(2)]
    project = Project.objects.create(name="Queue bench", slug="queue-bench", scheme=default_scheme(),
                                     task_kind=TaskKind.JUDGING, overlap=2)
    for user in users:
        Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
    rnd = random.Random(1)
    words = "la le les de des un une russie sommet accord ministre déclaré paix guerre".split()
    batch = []
    for i in range(articles):
        body = f"Article {i}. " + " ".join(rnd.choice(words) for _ in range(450))
        body = body[:3000]
        batch.append(Article(project=project, title=f"A{i}", body=body, body_hash=body_hash(body), language="fr"))
    Article.objects.bulk_create(batch, batch_size=2000)
    if os.environ.get("BENCH_ANALYSE_EARLY"):
        # As after an import: statistics taken before the claims exist (the harness's order).
        from annotations.services.statistics import tables_analyse

        tables_analyse(Article, rows=len(batch))
    claims = [
        Claim(article=a, start=0, end=40, quote=a.body[:40], origin=ClaimOrigin.MANUAL,
              status=ClaimStatus.ACCEPTED, created_by=users[0])
        for a in Article.objects.filter(project=project).only("pk", "body")
    ]
    Claim.objects.bulk_create(claims, batch_size=2000)
    return project.slug, users


def _time_sections(sections: dict[str, list[float]]) -> None:
    """Wrap the main steps of Next and the verdict to add up the CPU time spent inside each."""
    import functools
    import importlib

    from django.contrib.sessions.backends.base import SessionBase

    def wrap(owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def timed(*a, **k):  # type: ignore[no-untyped-def]
            c0 = time.process_time()
            try:
                return inner(*a, **k)
            finally:
                sections.setdefault(label, []).append(time.process_time() - c0)

        setattr(owner, name, timed)

    assignments = importlib.import_module("annotations.services.assignments")
    work = importlib.import_module("annotations.services.work")
    adjudication = importlib.import_module("annotations.services.adjudication")
    authentication = importlib.import_module("annotations.api.authentication")
    views = importlib.import_module("annotations.api.views.work")
    common = importlib.import_module("annotations.api.views.common")
    simple_history = importlib.import_module("simple_history.models")
    wrap(SessionBase, "_get_session", "session load (query)")
    wrap(importlib.import_module("django.contrib.auth"), "get_user", "request.user from the session (query)")
    wrap(assignments, "_lock_annotator_in", "Next: lock memberships + project")
    wrap(assignments, "_open_assignment", "Next: open assignment")
    wrap(assignments, "_claim_new", "Next: candidates + insert")
    wrap(authentication.TokenAuthentication, "authenticate_credentials", "verdict: token lookup")
    wrap(common.Base if hasattr(common, "Base") else views.AnnotationViewSet, "input", "verdict: input serializer")
    wrap(work, "_lock_claim", "verdict: lock claim + roles + verdict")
    wrap(work, "_judged", "verdict: annotations/slots read")
    wrap(simple_history.HistoricalRecords, "create_historical_record", "history rows")
    wrap(work, "adjudication_auto_apply", "verdict: auto adjudication")
    wrap(work, "assignment_record_verdict", "verdict: assignment done")
    wrap(work, "notify_disagreement", "verdict: disagreement notice")
    wrap(work, "annotation_create", "verdict: service total")
    wrap(views.AnnotationViewSet, "respond", "verdict: output serializer")
    del adjudication


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the SQL of the last request of each kind")
    parser.add_argument("--profile", nargs="?", const="next", choices=["next", "page", "verdict"],
                        help="cProfile one kind of request (default: next)")
    parser.add_argument("--sections", action="store_true",
                        help="CPU time inside the main steps of Next and the verdict (no profiler overhead)")
    parser.add_argument("--harness", action="store_true",
                        help="as the side-by-side harness: CSRF checked on Next, the verdict with a token, "
                             "no article page between them")
    parser.add_argument("--server-binding", action="store_true",
                        help="PostgreSQL: server-side parameter binding (prepared statements)")
    args = parser.parse_args()
    setup(args.database_url, args.server_binding)

    import re

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from annotations.models import Project
    from annotations.selectors.assignments import claim_candidates

    slug, users = build(args.articles)
    if connection.vendor == "postgresql" and not os.environ.get("BENCH_ANALYSE_EARLY"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    clients, tokens = [], []
    api_client = Client()  # no session: the token alone
    for user in users:
        client = Client(enforce_csrf_checks=args.harness)
        client.force_login(user)
        if args.harness:
            client.get("/")  # the CSRF cookie, as the harness's login page gives it
        clients.append(client)
        if args.harness:
            from annotations.services.tokens import token_issue

            tokens.append(token_issue(user=user).key)
    times: dict[str, list[float]] = {"next": [], "page": [], "verdict": []}
    queries: dict[str, list[int]] = {"next": [], "page": [], "verdict": []}
    # This process's CPU time per request: on a shared machine, less swayed by the others' load
    # than the wall clock (on SQLite it is all the work; on PostgreSQL the server's is not in it).
    cpu: dict[str, list[float]] = {"next": [], "page": [], "verdict": []}
    # PostgreSQL's own CPU time per request: the one backend process serving this connection.
    backend_stat = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def backend_cpu() -> float:
        if backend_stat is None:
            return 0.0
        fields = backend_stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    pg_cpu: dict[str, float] = {"next": 0.0, "page": 0.0, "verdict": 0.0}

    # The garbage collector's own time (it runs inside whatever call allocates at that moment).
    import gc

    gc_time = [0.0, 0.0, 0]

    def gc_clock(phase: str, info: dict) -> None:
        if phase == "start":
            gc_time[0] = time.process_time()
        else:
            gc_time[1] += time.process_time() - gc_time[0]
            gc_time[2] += 1

    if os.environ.get("BENCH_GC_FREEZE"):  # as a web worker forked after gc.freeze() would be
        gc.collect()
        gc.freeze()
    if os.environ.get("BENCH_GC_THRESHOLD"):  # the youngest generation's threshold
        gc.set_threshold(int(os.environ["BENCH_GC_THRESHOLD"]), *gc.get_threshold()[1:])
    gc.callbacks.append(gc_clock)
    sections: dict[str, list[float]] = {}
    if args.sections:
        _time_sections(sections)
    shown: dict[str, list[str]] = {}
    import cProfile
    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared

    def timed(kind: str, call):  # type: ignore[no-untyped-def]
        connection.queries_log.clear()  # a full log (9,000 queries) would make every capture empty
        with CaptureQueriesContext(connection) as ctx:
            if args.profile == kind:
                profiler.enable()
            t0, c0, b0 = time.perf_counter(), time.process_time(), backend_cpu()
            response = call()
            times[kind].append(time.perf_counter() - t0)
            cpu[kind].append(time.process_time() - c0)
            pg_cpu[kind] += backend_cpu() - b0
            if args.profile == kind:
                profiler.disable()
        queries[kind].append(len(ctx.captured_queries))
        shown[kind] = [f"{q['time']} {q['sql'][:300]}" for q in ctx.captured_queries]
        return response

    for i in range(args.items):
        for n, client in enumerate(clients):
            csrf = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value} if args.harness else {}
            r = timed("next", lambda: client.post(f"/p/{slug}/next/", **csrf))
            location = r["Location"]
            claim = int(re.search(r"[?&]claim=(\d+)", location).group(1))  # type: ignore[union-attr]
            verdict = {"claim": claim, "verdict": ["supported", "refuted", "misleading"][i % 3]}
            if args.harness:
                saved = timed("verdict", lambda: api_client.post(
                    "/api/v1/annotations/", verdict, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {tokens[n]}"))
            else:
                page = timed("page", lambda: client.get(location))
                assert page.status_code == 200, page.status_code
                saved = timed("verdict", lambda: client.post(
                    "/api/v1/annotations/", verdict, content_type="application/json"))
            assert saved.status_code == 201, saved.content[:300]
    load = os.getloadavg()
    print(f"backend {connection.vendor}, {args.articles} claims, {args.items} items x 2 annotators, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for kind in [k for k in times if times[k]]:
        ms = [t * 1000 for t in times[kind]]
        print(f"{kind:8} p50 {statistics.median(ms):6.1f} ms  p90 {pct(ms, 0.9):6.1f} ms  "
              f"CPU mean {1000 * statistics.mean(cpu[kind]):5.2f} ms  "
              + (f"PostgreSQL CPU mean {1000 * pg_cpu[kind] / len(ms):5.2f} ms  " if backend_stat else "") +
              f"queries {min(queries[kind])}-{max(queries[kind])}")
    print(f"garbage collector: {gc_time[2]} runs, {1000 * gc_time[1]:.0f} ms CPU in all")
    for name, spent in sections.items():
        print(f"  {name:42} {len(spent):5} calls  CPU mean {1000 * statistics.mean(spent):5.2f} ms")
    if args.show:
        for kind, sqls in shown.items():
            print(f"--- {kind}")
            print("\n".join(sqls))
    if args.profile:
        import pstats
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            int(os.environ.get("BENCH_ROWS", "60")))
    if args.explain:
        project = Project.objects.get(slug=slug)
        for row in claim_candidates(project, users[0], limit=8, explain=True):
            print(" ".join(str(cell) for cell in row))


if __name__ == "__main__":
    main()
