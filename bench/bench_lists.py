#!/usr/bin/env python
"""List pages at many rows: the API's article and claim lists (page 1 and deep) and the project page.

Usage: bench/bench_lists.py --database-url URL [--rows 1000000]

PostgreSQL only (the rows are made by SQL in the database: `rows` articles of ~200 characters,
one accepted claim each, then ANALYZE). Requests go through Django's test client with DEBUG off;
prints p50/p90 server time of 20 GETs and the number of queries per request, with the load
average. The database's schema is dropped and made anew.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str) -> None:
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver", "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "0", "API_THROTTLE_USER": "100000000/minute", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    })
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def build(rows: int) -> tuple[str, object]:
    """A project of `rows` articles and claims, made by SQL; its manager."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotations.models import Membership, Project, Role
    from annotations.services.projects import default_scheme

    user = get_user_model().objects.create_user("manager", password="x")
    project = Project.objects.create(name="Lists bench", slug="lists", scheme=default_scheme())
    Membership.objects.create(user=user, project=project, role=Role.MANAGER)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO annotations_article (external_id, title, author, url, language, body, body_hash,
                   metadata, created_at, project_id)
               SELECT '', 'Article ' || g, '', '', 'fr',
                      'Article ' || g || '. Le sommet a eu lieu le 15 août à Anchorage, selon le ministre.',
                      md5(g::text), '{}'::jsonb, now(), %s
               FROM generate_series(1, %s) g""",
            [project.pk, rows],
        )
        cursor.execute(
            """INSERT INTO annotations_claim (start, "end", quote, statement, speaker, kind, origin, status,
                   engine_version, created_at, updated_at, version, article_id, asserted_by_article)
               SELECT 0, 10, substr(body, 1, 10), '', '', '', 'manual', 'accepted', '', now(), now(), 1, id, true
               FROM annotations_article WHERE project_id = %s""",
            [project.pk],
        )
        cursor.execute("ANALYZE")
    return project.slug, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    slug, user = build(args.rows)
    print(f"built {args.rows:,} articles and claims in {time.perf_counter() - t0:.0f} s")
    client = Client()
    client.force_login(user)

    def deep(kind: str) -> str:
        """The cursor half-way down the list, asked for 10 rows (as the side-by-side harness does)."""
        from annotations.models import Article, Claim

        model = Article if kind == "articles" else Claim
        field = "project__slug" if kind == "articles" else "article__project__slug"
        middle = model.objects.filter(**{field: slug}).order_by("id").values_list("id", flat=True)[args.rows // 2]
        from base64 import b64encode

        cursor = b64encode(f"p={middle}".encode()).decode()
        return f"/api/v1/{kind}/?project={slug}&page_size=10&cursor={cursor}"

    urls = {
        "API articles, page 1": f"/api/v1/articles/?project={slug}&page_size=10",
        "API articles, deep": deep("articles"),
        "API claims, page 1": f"/api/v1/claims/?project={slug}&page_size=10",
        "API claims, deep": deep("claims"),
        "project page": f"/p/{slug}/",
        "review queue page": f"/p/{slug}/review/",
    }
    load = os.getloadavg()
    print(f"PostgreSQL, {args.rows:,} rows, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, url in urls.items():
        assert client.get(url).status_code == 200, (url, client.get(url).status_code)
        times, queries = [], 0
        for _ in range(20):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            queries = len(ctx.captured_queries)
        times.sort()
        print(f"{label:22} p50 {statistics.median(times):7.1f} ms  p90 {times[17]:7.1f} ms  queries {queries}")


if __name__ == "__main__":
    main()
