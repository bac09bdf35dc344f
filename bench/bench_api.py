#!/usr/bin/env python
"""REST API figures on a big generated project (PostgreSQL): saving one annotation (on a claim
the queue assigned, changing it, and outside the queue), and listing claims (and annotations) at
the first page and deep into the list.

Usage: bench/bench_api.py [--database-url URL] [--claims 200000] [--annotators-per-claim 5]
                          [--saves 200] [--pages 40] [--regenerate] [--markdown FILE]

The project (`api-bench`, bench/generate_project.py: claims × annotators-per-claim annotations
plus spare claims for new annotations) is generated once and kept between runs. Requests go
through Django's test client in the same process: the whole server path (middleware, token
authentication, throttling, DRF, the selectors and services, JSON rendering) without a network.
Times are time.perf_counter() around each request, in a run with query logging off; query
counts come from a second run under CaptureQueriesContext. DEBUG is off.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/h_api_bench"
SLUG = "api-bench"


def setup(database_url: str) -> None:
    """Django on the bench database with production-like settings (DEBUG off, no throttling)."""
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0", "API_THROTTLE_USER": "100000000/minute",
        "API_THROTTLE_ANON": "100000000/minute", "LOG_LEVEL": "ERROR",
    })
    from bench.generate_project import setup_django

    setup_django(database_url)


def forget_history() -> None:
    """Delete the history rows and tokens the bench's own requests left (they pin its users)."""
    from django.apps import apps

    from annotations.models import ApiToken

    ApiToken.objects.filter(user__username__startswith=f"{SLUG}-").delete()
    for model in apps.get_app_config("annotations").get_models():
        if any(f.name == "history_user" for f in model._meta.get_fields()):
            model.objects.filter(history_user__username__startswith=f"{SLUG}-").delete()


def cursor_at(position: int) -> str:
    """A DRF cursor pointing after `position` (what a `next` link holds), to jump deep."""
    return base64.b64encode(f"p={position}".encode()).decode()


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each of `runs` calls."""
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def counted(call: Callable[[], object]) -> tuple[int, int, float]:
    """The number of queries of one call (CaptureQueriesContext), how many of them are BEGIN or
    COMMIT (Django logs transaction control since 4.2), and the SQL statements' database time in
    milliseconds (an execute wrapper with perf_counter: connection.queries rounds to 1 ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spent = [0.0]

    def clock(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(clock):
        call()
    control = sum(q["sql"] in ("BEGIN", "COMMIT", "ROLLBACK") for q in queries.captured_queries)
    return len(queries), control, spent[0] * 1000


def queries_cell(total: int, control: int) -> str:
    """"8 (6 + BEGIN/COMMIT)" for a write, "4" for a read outside a transaction."""
    return str(total) if not control else f"{total} ({total - control} + BEGIN/COMMIT)"


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "min": ordered[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--claims", type=int, default=200_000)
    ap.add_argument("--annotators-per-claim", type=int, default=5)
    ap.add_argument("--saves", type=int, default=200, help="annotations saved (and then updated)")
    ap.add_argument("--pages", type=int, default=40, help="requests per list measurement")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--markdown", type=Path, help="write the RESULTS.md section to this file")
    args = ap.parse_args()
    setup(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from annotations.models import Adjudication, Annotation, Assignment, Claim, Project
    from bench.generate_project import drop, generate

    call_command("migrate", verbosity=0)
    spare = 2 * args.saves + 50
    project = Project.objects.filter(slug=SLUG).first()
    if project is not None and not args.regenerate:
        free = Claim.objects.filter(article__project=project, annotations__isnull=True).count()
        total = Claim.objects.filter(article__project=project).count()
        args.regenerate = free < spare or total - free < args.claims
    if project is None or args.regenerate:
        forget_history()
        drop(SLUG)
        print(f"generating {args.claims:,} claims × {args.annotators_per_claim} annotations…", flush=True)
        info = generate(SLUG, args.claims, args.annotators_per_claim, spare_claims=spare)
        print(f"generated in {info.seconds} s", flush=True)
        project = Project.objects.get(slug=SLUG)
    spare_ids = list(
        Claim.objects.filter(article__project=project, annotations__isnull=True)
        .order_by("id").values_list("id", flat=True)[:spare]
    )
    n_claims = Claim.objects.filter(article__project=project).count()
    n_annotations = Annotation.objects.filter(claim__article__project=project).count()
    claim_ids = Claim.objects.filter(article__project=project).order_by("id").values_list("id", flat=True)
    first_id, last_id = claim_ids.first(), claim_ids.last()
    middle_id = (first_id + last_id) // 2
    near_end = last_id - 100

    def client(username: str) -> APIClient:
        from django.contrib.auth import get_user_model

        from annotations.services.tokens import token_issue

        user = get_user_model().objects.get(username=username)
        made = APIClient()
        made.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return made

    annotator, reviewer = client(f"{SLUG}-ann-000"), client(f"{SLUG}-reviewer")
    code = project.scheme.verdicts.order_by("order").first().code
    other_code = project.scheme.verdicts.order_by("order")[1].code

    load = os.getloadavg()

    # --- saving annotations ---------------------------------------------------------------------
    def ok(response, status=200):  # type: ignore[no-untyped-def]
        assert response.status_code == status, (response.status_code, response.content[:300])
        return response

    annotator.get("/api/v1/projects/")  # warm up: content types, URL resolver, token
    # The common case is a claim the queue handed out: give the annotator an open assignment on
    # the claims saved below (as `assignment_next` would). The rest are judged outside the queue.
    count_ids = spare_ids[args.saves: args.saves + 5]
    outside_ids = spare_ids[args.saves + 5: args.saves + 5 + args.saves // 2]
    outside_count_ids = spare_ids[args.saves + 5 + args.saves // 2:][:5]
    from django.contrib.auth import get_user_model

    annotator_id = get_user_model().objects.get(username=f"{SLUG}-ann-000").pk
    Assignment.objects.bulk_create([
        Assignment(project_id=project.pk, article_id=article_id, claim_id=claim_id,
                   annotator_id=annotator_id, slot=0)
        for claim_id, article_id in Claim.objects.filter(pk__in=spare_ids[: args.saves + 5])
        .values_list("pk", "article_id")
    ])
    create_times, update_times, outside_times, created = [], [], [], []
    for claim_id in spare_ids[: args.saves]:
        started = time.perf_counter()
        response = annotator.post("/api/v1/annotations/", {"claim": claim_id, "verdict": code}, format="json")
        create_times.append((time.perf_counter() - started) * 1000)
        created.append(ok(response, 201).json()["id"])
    for pk in created:
        started = time.perf_counter()
        response = annotator.patch(f"/api/v1/annotations/{pk}/", {"verdict": other_code, "version": 1},
                                   format="json")
        update_times.append((time.perf_counter() - started) * 1000)
        ok(response)
    for claim_id in outside_ids:
        started = time.perf_counter()
        response = annotator.post("/api/v1/annotations/", {"claim": claim_id, "verdict": code}, format="json")
        outside_times.append((time.perf_counter() - started) * 1000)
        ok(response, 201)
    create_queries = [
        counted(lambda c=c: ok(annotator.post("/api/v1/annotations/", {"claim": c, "verdict": code},
                                              format="json"), 201))
        for c in count_ids
    ]
    update_queries = [
        counted(lambda pk=pk: ok(annotator.patch(f"/api/v1/annotations/{pk}/",
                                                 {"verdict": code, "version": 2}, format="json")))
        for pk in created[:5]
    ]
    outside_queries = [
        counted(lambda c=c: ok(annotator.post("/api/v1/annotations/", {"claim": c, "verdict": code},
                                              format="json"), 201))
        for c in outside_count_ids
    ]
    # Leave the project as generated: the saved annotations, what the services did on them
    # (automatic adjudications, assignments) and the history rows they left.
    Annotation.objects.filter(claim_id__in=spare_ids).delete()
    Adjudication.objects.filter(claim_id__in=spare_ids).delete()
    Assignment.objects.filter(claim_id__in=spare_ids).delete()

    # --- lists ----------------------------------------------------------------------------------
    lists = [
        ("claims, first page (reviewer)", reviewer, f"/api/v1/claims/?project={SLUG}"),
        ("claims, middle page (reviewer)", reviewer, f"/api/v1/claims/?project={SLUG}&cursor={cursor_at(middle_id)}"),
        ("claims, last pages (reviewer)", reviewer, f"/api/v1/claims/?project={SLUG}&cursor={cursor_at(near_end)}"),
        ("claims, middle page (annotator)", annotator, f"/api/v1/claims/?project={SLUG}&cursor={cursor_at(middle_id)}"),
        ("claims, middle page, no project filter", reviewer, f"/api/v1/claims/?cursor={cursor_at(middle_id)}"),
        ("claims, first page, 500 a page", reviewer, f"/api/v1/claims/?project={SLUG}&page_size=500"),
        ("annotations, first page (reviewer)", reviewer, f"/api/v1/annotations/?project={SLUG}"),
        ("annotations, middle page (blind annotator)", annotator,
         f"/api/v1/annotations/?project={SLUG}&cursor={cursor_at(Annotation.objects.order_by('-id').values_list('id', flat=True).first() // 2)}"),
    ]
    rows = []
    for label, who, url in lists:
        first = ok(who.get(url)).json()
        assert first["results"], label
        times = timed(lambda who=who, url=url: ok(who.get(url)), args.pages)
        rows.append((label, summary(times), counted(lambda who=who, url=url: ok(who.get(url))),
                     len(first["results"])))

    forget_history()

    def worst(measured: list[tuple[int, int, float]]) -> tuple[int, int, float]:
        n, control, _ = max(measured)
        return n, control, statistics.median(t for *_, t in measured)

    save_rows = [
        ("save a new annotation on an assigned claim (POST)", summary(create_times), worst(create_queries)),
        ("change it at its version (PATCH)", summary(update_times), worst(update_queries)),
        ("save a new annotation outside the queue (POST)", summary(outside_times), worst(outside_queries)),
    ]
    lines = [
        "## REST API (`bench/bench_api.py`)",
        "",
        f"`python bench/bench_api.py` on PostgreSQL {connection.pg_version // 10000}: the generated "
        f"project `{SLUG}` with {n_claims:,} claims and {n_annotations:,} annotations "
        f"(bench/generate_project.py, {args.annotators_per_claim} annotators a claim out of 40). "
        "Requests go through Django's test client in process (middleware, token auth, throttling, "
        "DRF, selectors, services, JSON), DEBUG off; milliseconds by `time.perf_counter()`, "
        "queries and their database time by `CaptureQueriesContext` in a separate run (Django "
        "logs BEGIN and COMMIT as queries since 4.2; the database time is the SQL statements'). "
        "Saves are on claims the queue assigned to the annotator (an open assignment, as "
        "`assignment_next` hands out), then changed at their version, then on other claims "
        "outside the queue (the verdict takes a free slot). "
        f"Load average during the run: {load[0]:.1f} → {os.getloadavg()[0]:.1f} (2 cores).",
        "",
        "| request | p50 ms | p95 ms | queries | of which database ms |",
        "|---|---|---|---|---|",
    ]
    for label, s, (q, control, db) in save_rows:
        lines.append(f"| {label} | {s['p50']:.1f} | {s['p95']:.1f} | {queries_cell(q, control)} | {db:.1f} |")
    for label, s, (q, control, db), n in rows:
        lines.append(
            f"| {label} ({n} rows) | {s['p50']:.1f} | {s['p95']:.1f} | {queries_cell(q, control)} | {db:.1f} |"
        )
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
