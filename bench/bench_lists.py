#!/usr/bin/env python
"""List pages at many rows: the API's article and claim lists and the UI's project and review pages.

Usage: bench/bench_lists.py [--database-url URL] [--rows 1000000] [--reuse]

Builds one project of `rows` articles (~90 characters) with one accepted claim each, by SQL in
the database (PostgreSQL: generate_series; SQLite: a recursive CTE), with two annotators'
verdicts on every 50th claim (every 10th of those a disagreement, every 4th adjudicated), then
ANALYZE. Without --database-url, a SQLite file under /tmp. The database's tables are dropped and
made anew unless --reuse finds the project already built with that many rows.

Requests go through Django's test client with DEBUG off (server time, no HTTP): p50/p90 of 20
GETs (3 for a page that takes over a second), the number of queries per request and the p50 of
this process's CPU time (Django's work, and SQLite's; PostgreSQL works in its own processes), with
the load average. API deep pages are reached as
the side-by-side harness reaches them: following `next` with pages of 500 to the middle of the
list, then asking that cursor for 10 rows. UI deep pages are the middle page, asked for with the
key its previous page's Next link carries, and by its number alone (an OFFSET).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "lists"
REPEAT = 20
VERDICT_EVERY = 50  # claims with two annotators' verdicts
DISAGREE_EVERY = 500  # of those, the two verdicts differ
ADJUDICATED_EVERY = 200  # of those, a final verdict (unanimous ones only)


def setup(database_url: str) -> None:
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver", "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "0", "API_THROTTLE_USER": "100000000/minute", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    })
    import django

    django.setup()


def reset() -> None:
    """Every table dropped and migrated anew."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    else:
        connection.close()
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def _series(rows: int) -> tuple[str, str]:
    """(prefix, FROM clause) giving g = 1..rows on either database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return "", f"generate_series(1, {rows}) g"
    return f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {rows}) ", "s"


def build(rows: int) -> None:
    """A project of `rows` articles and claims, made by SQL, with a manager and two annotators."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from annotations.models import Membership, Project, Role
    from annotations.services.projects import default_scheme

    users = get_user_model().objects
    manager = users.create_user("manager", password="x")
    a1, a2 = users.create_user("annotator1", password="x"), users.create_user("annotator2", password="x")
    scheme = default_scheme()
    project = Project.objects.create(name="Lists bench", slug=SLUG, scheme=scheme)
    Membership.objects.create(user=manager, project=project, role=Role.MANAGER)
    for annotator in (a1, a2):
        Membership.objects.create(user=annotator, project=project, role=Role.ANNOTATOR)
    yes, no = scheme.verdicts.order_by("order").values_list("pk", flat=True)[:2]
    with_, series = _series(rows)
    now = "now()" if connection.vendor == "postgresql" else "CURRENT_TIMESTAMP"
    jsonb = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""{with_}INSERT INTO annotations_article (external_id, title, author, url, language, body,
                   body_hash, metadata, created_at, project_id)
               SELECT '', 'Article ' || g, '', '', 'fr',
                      'Article ' || g || '. Le sommet a eu lieu le 15 août à Anchorage, selon le ministre.',
                      'h' || g, {jsonb}, {now}, %s
               FROM {series}""",
            [project.pk],
        )
        cursor.execute(
            f"""INSERT INTO annotations_claim (start, "end", quote, statement, speaker, kind, origin, status,
                   engine_version, created_at, updated_at, version, article_id, asserted_by_article)
               SELECT 0, 10, substr(body, 1, 10), '', '', '', 'manual', 'accepted', '', {now}, {now}, 1, id, true
               FROM annotations_article WHERE project_id = %s""",
            [project.pk],
        )
        judged = f"FROM annotations_claim c WHERE c.article_id IN (SELECT id FROM annotations_article WHERE project_id = %s) AND c.id %% {VERDICT_EVERY} = 0"
        for annotator, verdict in ((a1, f"{yes}"), (a2, f"CASE WHEN c.id %% {DISAGREE_EVERY} = 0 THEN {no} ELSE {yes} END")):
            cursor.execute(
                f"""INSERT INTO annotations_annotation (claim_id, annotator_id, verdict_id, rationale,
                       time_spent_seconds, version, created_at, updated_at)
                   SELECT c.id, %s, {verdict}, '', 0, 1, {now}, {now} {judged}""",
                [annotator.pk, project.pk],
            )
        cursor.execute(
            f"""INSERT INTO annotations_adjudication (claim_id, verdict_id, method, notes, decided_at, version)
               SELECT c.id, {yes}, 'unanimous', '', {now}, 1 {judged}
               AND c.id %% {ADJUDICATED_EVERY} = 0 AND c.id %% {DISAGREE_EVERY} != 0""",
            [project.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def built(rows: int) -> bool:
    """Whether the project is there with exactly `rows` articles (and the schema is current)."""
    from django.core.management import call_command
    from django.db import DatabaseError

    from annotations.models import Article

    try:
        call_command("migrate", verbosity=0)
        return Article.objects.filter(project__slug=SLUG).order_by().values("pk")[rows - 1 : rows + 1].count() == 1
    except DatabaseError:
        return False


def deep_api(client: Any, kind: str, rows: int) -> str:
    """Follow `next` with pages of 500 to the middle of the list, then ask that cursor for 10 rows."""
    url, seen = f"/api/v1/{kind}/?project={SLUG}&page_size=500", 0
    while seen < rows // 2:
        page = client.get(url).json()
        seen += len(page["results"])
        url = page["next"]
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["page_size"] = "10"
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-lists.sqlite3")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the project if it is already built")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="GETs per page (p90 needs 10 or more)")
    parser.add_argument("--only", default="", help="only the pages whose label contains one of these (a,b)")
    args = parser.parse_args()
    setup(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if not (args.reuse and built(args.rows)):
        reset()
        t0 = time.perf_counter()
        build(args.rows)
        print(f"built {args.rows:,} articles and claims in {time.perf_counter() - t0:.0f} s")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # statistics for any index a migration just made
    users = get_user_model().objects
    manager, annotator = Client(), Client()
    manager.force_login(users.get(username="manager"))
    annotator.force_login(users.get(username="annotator1"))
    middle_page = args.rows // 2 // 25
    review_middle = args.rows // 2 // 50
    api = not args.only or "API" in args.only
    # The keys the page before the middle one puts in its Next link (the UI's deep pages by key).
    from annotations.models import Article, Claim

    article_key = (
        Article.objects.filter(project__slug=SLUG).order_by("pk")
        .values_list("pk", flat=True)[(middle_page - 1) * 25 - 1]
    )
    claim_key = "-".join(str(v) for v in (
        Claim.objects.filter(article__project__slug=SLUG, status="accepted")
        .order_by("article_id", "start", "end", "pk")
        .values_list("article_id", "start", "end", "pk")[(review_middle - 1) * 50 - 1]
    ))
    urls = {
        "API articles, page 1": (manager, f"/api/v1/articles/?project={SLUG}&page_size=10"),
        "API articles, deep": (manager, deep_api(manager, "articles", args.rows) if api else ""),
        "API claims, page 1": (manager, f"/api/v1/claims/?project={SLUG}&page_size=10"),
        "API claims, deep": (manager, deep_api(manager, "claims", args.rows) if api else ""),
        "project page (manager)": (manager, f"/p/{SLUG}/"),
        "project page (annotator)": (annotator, f"/p/{SLUG}/"),
        "project page, deep by key": (manager, f"/p/{SLUG}/?page={middle_page}&after={article_key}"),
        "project page, deep by number": (manager, f"/p/{SLUG}/?page={middle_page}"),
        "project page, language filter": (manager, f"/p/{SLUG}/?language=fr"),
        "project page, to judge filter": (annotator, f"/p/{SLUG}/?progress=todo"),
        "project page, text, common": (manager, f"/p/{SLUG}/?q=sommet"),
        "project page, text, rare": (manager, f"/p/{SLUG}/?q=Article+{args.rows - 7}."),
        "project page, sorted by title": (manager, f"/p/{SLUG}/?sort=title"),
        "review, disagreements": (manager, f"/p/{SLUG}/review/"),
        "review, pending": (manager, f"/p/{SLUG}/review/?filter=pending"),
        "review, adjudicated": (manager, f"/p/{SLUG}/review/?filter=adjudicated"),
        "review, all": (manager, f"/p/{SLUG}/review/?filter=all"),
        "review, all, deep by key": (manager, f"/p/{SLUG}/review/?filter=all&page={review_middle}&after={claim_key}"),
        "review, all, deep by number": (manager, f"/p/{SLUG}/review/?filter=all&page={review_middle}"),
        "review, text, common": (manager, f"/p/{SLUG}/review/?filter=all&q=Article"),
        "home page": (annotator, "/"),
        "progress page (exact figures)": (manager, f"/p/{SLUG}/progress/"),
    }
    load = os.getloadavg()
    print(f"{connection.vendor}, {args.rows:,} rows, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, (client, url) in urls.items():
        if not any(part in label for part in args.only.split(",")):
            continue
        t = time.perf_counter()
        status = client.get(url).status_code
        assert status == 200, (url, status)
        # A page that takes seconds is timed 3 times, not 20 (p90 is then the slowest).
        repeat = args.repeat if time.perf_counter() - t < 1 else min(args.repeat, 3)
        times, cpu, queries = [], [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                t, c = time.perf_counter(), time.process_time()
                client.get(url)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            queries = len(ctx.captured_queries)
        times.sort()
        p90 = times[max(int(0.9 * repeat) - 1, 0)] if repeat >= 10 else times[-1]
        # CPU: this process's (Django's, and SQLite's own work; not PostgreSQL's, another
        # process), which a loaded machine inflates far less than the wall time.
        print(f"{label:30} p50 {statistics.median(times):7.1f} ms  p90 {p90:7.1f} ms  queries {queries}"
              f"  cpu p50 {statistics.median(cpu):6.1f} ms  ({repeat} GETs)", flush=True)
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
