#!/usr/bin/env python
"""Server time and query count of the article page for a 20,000-character article.

Usage: bench/bench_article_page.py [--claims 50 500] [--runs 30] [--database-url URL] [--write FILE]

A fresh PostgreSQL database (default h_annot_bench on 127.0.0.1) gets a blind project, one
article of ~20,000 characters per claim count, with nested, overlapping and suggested claims;
every accepted claim has two annotations (alice, bob) and one piece of evidence. Each page is
fetched through Django's test client (the whole request: middleware, selectors, templates,
no network) by an annotator focused on a claim and by a reviewer; figures are the median and
95th percentile of `--runs` requests after warm-up, and the number of SQL queries.
DEBUG is off, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/h_annot_bench"
CHARS = 20_000

WORDS = (
    "le la les un une des du de et à en pour sur avec dans par que qui ne pas plus sommet "
    "Russie Ukraine Washington Moscou Kremlin président ministre accord cessez-le-feu négociations "
    "déclaré annoncé selon position inchangée concessions importantes Anchorage Alaska août octobre"
).split()


def fresh_database(url: str) -> None:
    """Drop and create the benchmark database named in url."""
    base, name = url.rsplit("/", 1)
    host = base.split("@")[-1].split(":")[0]
    for command in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*command, "-h", host, "-U", "postgres", name], check=True)


def build_article(project, n_claims: int, annotators, reviewer):  # type: ignore[no-untyped-def]
    """An article of CHARS characters whose claims nest and overlap, fully annotated."""
    import random

    from annotations.models import (
        Annotation, Article, Claim, ClaimOrigin, ClaimStatus, Evidence, Outlet, body_hash,
    )

    rng = random.Random(n_claims)
    sentences, length = [], 0
    while length < CHARS:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
        sentence = " ".join(words).capitalize() + ("." if rng.random() > 0.1 else " 🙂.")
        sentences.append(sentence)
        length += len(sentence) + 1
    body = " ".join(sentences)[:CHARS]
    article = Article.objects.create(
        project=project, title=f"Bench article, {n_claims} claims", body=body,
        body_hash=body_hash(body), language="fr", outlet=Outlet.objects.get_or_create(project=project, name="Bench")[0],
    )
    bounds, offset = [], 0
    for sentence in sentences:
        if offset + len(sentence) > len(body):
            break
        bounds.append((offset, offset + len(sentence)))
        offset += len(sentence) + 1
    spans: set[tuple[int, int]] = set()
    # Sentences first, then clauses nested in them, then spans across two sentences.
    kinds = [lambda a, b: (a, b), lambda a, b: (a + 3, max(a + 4, b - 6)),
             lambda a, b: (max(a, b - 15), min(len(body), b + 20))]
    for make in kinds:
        for a, b in bounds:
            if len(spans) >= n_claims:
                break
            spans.add(make(a, b))
    rows = [
        Claim(
            article=article, start=a, end=b, quote=body[a:b],
            status=ClaimStatus.CANDIDATE if i % 4 == 3 else ClaimStatus.ACCEPTED,
            origin=ClaimOrigin.SUGGESTED if i % 4 == 3 else ClaimOrigin.MANUAL,
            score=0.6 if i % 4 == 3 else None, speaker="Porte-parole" if i % 3 == 0 else "",
        )
        for i, (a, b) in enumerate(sorted(spans)[:n_claims])
    ]
    Claim.objects.bulk_create(rows)
    claims = list(Claim.objects.filter(article=article, status=ClaimStatus.ACCEPTED))
    verdicts = list(project.scheme.verdicts.all())
    Annotation.objects.bulk_create([
        Annotation(claim=c, annotator=u, verdict=verdicts[(c.pk + k) % len(verdicts)], confidence=3,
                   rationale="Parce que la source le dit. " * 3)
        for c in claims for k, u in enumerate(annotators)
    ])
    Evidence.objects.bulk_create([
        Evidence(claim=c, added_by=annotators[0], url=f"https://example.org/source/{c.pk}",
                 title="Une source", stance="supports")
        for c in claims
    ])
    return article, claims


def measure(client, url: str, runs: int) -> dict:
    """Median and p95 milliseconds of `runs` GETs after warm-up, and the query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        # This process's CPU time: the web server's share, less sensitive to a busy machine.
        "cpu_ms": round(statistics.median(cpu), 1),
        "queries": len(queries.captured_queries),
        "html_kb": round(len(response.content) / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--write", type=Path, help="also write the markdown table here")
    args = parser.parse_args()

    fresh_database(args.database_url)
    os.environ.update({
        "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from annotations.models import Membership, Project, Role
    from annotations.services.projects import default_scheme

    call_command("migrate", verbosity=0)
    User = get_user_model()
    alice, bob, rita = (User.objects.create_user(n) for n in ("alice", "bob", "rita"))
    project = Project.objects.create(name="Bench", slug="bench", scheme=default_scheme(), blind=True)
    for user, role in ((alice, Role.ANNOTATOR), (bob, Role.ANNOTATOR), (rita, Role.REVIEWER)):
        Membership.objects.create(user=user, project=project, role=role)
    results = []
    for n in args.claims:
        article, claims = build_article(project, n, [alice, bob], rita)
        focus = claims[len(claims) // 2]
        url = reverse("ui:article", args=[article.pk]) + f"?claim={focus.pk}"
        for user, label in ((alice, "annotator"), (rita, "reviewer")):
            client = Client()
            client.force_login(user)
            row = {"claims": n, "chars": len(article.body), "user": label, **measure(client, url, args.runs)}
            results.append(row)
            print(json.dumps(row), flush=True)
    lines = [
        "| claims | characters | viewer | median ms | p95 ms | CPU ms (median) | queries | HTML KB |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {r['claims']} | {r['chars']:,} | {r['user']} | {r['median_ms']} | {r['p95_ms']} "
            f"| {r['cpu_ms']} | {r['queries']} | {r['html_kb']} |"
            for r in results
        ),
    ]
    print("\n".join(lines))
    if args.write:
        args.write.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
