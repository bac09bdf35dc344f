#!/usr/bin/env python
"""Generate a big annotated project on PostgreSQL with COPY: articles, claims, annotations,
evidence and adjudications, for benchmarks.

As a library (Django set up on a migrated PostgreSQL database)::

    from bench.generate_project import generate
    info = generate("bench-1m", claims=200_000, annotators_per_claim=5)
    info.manager, info.annotators[0], info.project_id ...

As a command::

    python bench/generate_project.py --database-url postgres://postgres@127.0.0.1:5432/DB \\
        --slug bench-1m --claims 200000 --annotators-per-claim 5 [--replace] [--migrate]

What it makes: `claims / claims_per_article` articles whose bodies are the claims' sentences
(so every claim's quote is exactly body[start:end], as the database trigger checks); each claim
judged by `annotators_per_claim` distinct annotators out of a pool (70 % give the claim's "true"
verdict), one evidence link, and an adjudication: unanimous (automatic, no adjudicator) or
majority (by the reviewer) with the evidence as gold. `spare_claims` accepted claims more have
no annotation, for benchmarks that save new ones. Users: `<slug>-manager`, `<slug>-reviewer`,
`<slug>-researcher` and `<slug>-ann-NNN`, members of the project with those roles. History
tables, assignments and `agrees_with` are not filled. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = (
    "le la les un une des du de et à en pour sur avec dans par que qui ne pas plus sommet Russie "
    "Ukraine Washington Moscou Kremlin président ministre accord cessez-le-feu négociations déclaré "
    "annoncé selon position inchangée concessions importantes Anchorage Alaska août octobre "
    "sanctions territoires Donbass garanties sécurité européens américain russe diplomatie guerre "
    "paix rencontre conférence 2025 trois quatre milliards dollars été a ont avait sera pourrait"
).split()
SPEAKERS = ["Sergueï Lavrov", "JD Vance", "Donald Trump", "Vladimir Poutine", "Volodymyr Zelensky", ""]
KINDS = ["attributed_statement", "event", "quantity", "position", "causal", "other"]
TRUE_SHARE = 0.7


@dataclass(frozen=True)
class Generated:
    """What generate() made."""

    project_id: int
    slug: str
    articles: int
    claims: int
    annotations: int
    adjudications: int
    spare_claims: int
    manager: str
    reviewer: str
    researcher: str
    annotators: list[str]
    seconds: float


def setup_django(database_url: str | None = None) -> None:
    """Configure Django for a script run from anywhere (DATABASE_URL from the argument or env)."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _sentence(rng: random.Random, i: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(14, 24))]
    return f"Claim {i}: " + " ".join(words).capitalize() + "."


def _next_ids(cursor, table: str, n: int) -> int:  # noqa: ANN001
    """The first of n fresh ids for the table; its identity sequence moves past them."""
    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    first = cursor.fetchone()[0] + 1
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + max(n, 1) - 1]
    )
    return first


def _copy(cursor, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:  # noqa: ANN001
    cols = ", ".join(f'"{c}"' for c in columns)
    n = 0
    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def drop(slug: str) -> bool:
    """Remove a project made by generate(), its rows and its users (fast SQL, no ORM cascade)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT id FROM annotations_project WHERE slug = %s", [slug])
        row = c.fetchone()
        if row is None:
            return False
        pid = row[0]
        claims = "SELECT c.id FROM annotations_claim c JOIN annotations_article a ON a.id = c.article_id WHERE a.project_id = %s"
        c.execute(f"DELETE FROM annotations_adjudication_gold_evidence WHERE adjudication_id IN (SELECT id FROM annotations_adjudication WHERE claim_id IN ({claims}))", [pid])
        c.execute(f"DELETE FROM annotations_adjudication_agrees_with WHERE adjudication_id IN (SELECT id FROM annotations_adjudication WHERE claim_id IN ({claims}))", [pid])
        c.execute(f"DELETE FROM annotations_adjudication WHERE claim_id IN ({claims})", [pid])
        c.execute(f"DELETE FROM annotations_evidence WHERE claim_id IN ({claims})", [pid])
        c.execute(f"DELETE FROM annotations_annotation WHERE claim_id IN ({claims})", [pid])
        c.execute("DELETE FROM annotations_assignment WHERE project_id = %s", [pid])
        c.execute(f"DELETE FROM annotations_claim WHERE id IN ({claims})", [pid])
        c.execute("DELETE FROM annotations_article WHERE project_id = %s", [pid])
        c.execute("DELETE FROM annotations_releasefile WHERE release_id IN (SELECT id FROM annotations_datasetrelease WHERE project_id = %s)", [pid])
        c.execute("DELETE FROM annotations_datasetrelease WHERE project_id = %s", [pid])
        c.execute("DELETE FROM annotations_job WHERE project_id = %s", [pid])
        c.execute("DELETE FROM annotations_membership WHERE project_id = %s", [pid])
        c.execute("DELETE FROM annotations_project WHERE id = %s", [pid])
        c.execute("DELETE FROM auth_user WHERE username LIKE %s", [f"{slug}-%"])
    return True


def generate(
    slug: str,
    claims: int = 200_000,
    annotators_per_claim: int = 5,
    *,
    annotators: int = 40,
    claims_per_article: int = 10,
    spare_claims: int = 0,
    password: str | None = None,
    seed: int = 42,
) -> Generated:
    """Create the project `slug` with `claims` adjudicated claims of `annotators_per_claim`
    annotations each (and `spare_claims` unannotated ones); returns what was made.

    Needs Django set up on a migrated PostgreSQL database; refuses an existing slug (drop() it).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from annotations.models import Membership, Project, Role, Verdict
    from annotations.services.projects import default_scheme

    if connection.vendor != "postgresql":
        raise RuntimeError("generate() writes with PostgreSQL's COPY; set DATABASE_URL to PostgreSQL")
    if annotators_per_claim > annotators:
        raise ValueError("annotators_per_claim cannot exceed the annotator pool")
    if Project.objects.filter(slug=slug).exists():
        raise ValueError(f"a project {slug!r} exists; drop it first (--replace)")
    started = time.perf_counter()
    rng = random.Random(seed)
    User = get_user_model()
    hashed = make_password(password) if password else make_password(None)
    names = {
        "manager": f"{slug}-manager", "reviewer": f"{slug}-reviewer", "researcher": f"{slug}-researcher",
    }
    pool = [f"{slug}-ann-{i:03d}" for i in range(annotators)]
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        User.objects.bulk_create([
            User(username=u, password=hashed, is_staff=u in (names["manager"], names["reviewer"]))
            for u in [*names.values(), *pool]
        ])
        ids = dict(User.objects.filter(username__startswith=f"{slug}-").values_list("username", "pk"))
        scheme = default_scheme()
        project = Project.objects.create(
            name=f"Benchmark {slug}", slug=slug, scheme=scheme, overlap=annotators_per_claim,
            organisation="Workbench bench desk", description=f"{claims} generated claims.",
            guidelines="# Generated\n\nBenchmark data.", created_by_id=ids[names["manager"]],
        )
        Membership.objects.bulk_create(
            [Membership(user_id=ids[names["manager"]], project=project, role=Role.MANAGER),
             Membership(user_id=ids[names["reviewer"]], project=project, role=Role.REVIEWER),
             Membership(user_id=ids[names["researcher"]], project=project, role=Role.RESEARCHER)]
            + [Membership(user_id=ids[u], project=project, role=Role.ANNOTATOR) for u in pool]
        )
        verdicts = list(Verdict.objects.filter(scheme=scheme).order_by("order").values_list("pk", flat=True))
        annotator_ids = [ids[u] for u in pool]
        total_claims = claims + spare_claims
        n_articles = -(-total_claims // claims_per_article)
        with connection.cursor() as c:
            article0 = _next_ids(c, "annotations_article", n_articles)
            claim0 = _next_ids(c, "annotations_claim", total_claims)
            annotation0 = _next_ids(c, "annotations_annotation", claims * annotators_per_claim)
            evidence0 = _next_ids(c, "annotations_evidence", claims)
            adjudication0 = _next_ids(c, "annotations_adjudication", claims)
            gold0 = _next_ids(c, "annotations_adjudication_gold_evidence", claims)
            # Sentences first: articles and claims must agree on them exactly.
            spans: list[tuple[int, int, int, str]] = []  # (article id, start, end, quote)
            articles = []
            k = 0
            for a in range(n_articles):
                parts, offset = [], 0
                for _ in range(min(claims_per_article, total_claims - k)):
                    sentence = _sentence(rng, k)
                    spans.append((article0 + a, offset, offset + len(sentence), sentence))
                    parts.append(sentence)
                    offset += len(sentence) + 1
                    k += 1
                body = " ".join(parts)
                articles.append((
                    article0 + a, project.pk, None, f"gen-{a}", f"Article {a} 🙂", "Auteur Généré",
                    f"https://news.example.org/{slug}/{a}", dt.date(2025, 8, 1) + dt.timedelta(days=a % 120),
                    "fr", body, hashlib.sha256(body.encode()).hexdigest(), "{}", None, None, now,
                    ids[names["manager"]],
                ))
            _copy(c, "annotations_article", (
                "id", "project_id", "outlet_id", "external_id", "title", "author", "url",
                "published_on", "language", "body", "body_hash", "metadata", "import_position",
                "import_job_id", "created_at", "created_by_id",
            ), iter(articles))
            del articles
            _copy(c, "annotations_claim", (
                "id", "article_id", "start", "end", "quote", "statement", "speaker",
                "statement_date", "kind", "origin", "status", "score", "engine_version",
                "created_at", "updated_at", "version", "created_by_id", "decided_by_id",
                "asserted_by_article",
            ), (
                (claim0 + i, art, s, e, q, "" if i % 3 else f"Statement: {q}", SPEAKERS[i % 6],
                 None if i % 4 else dt.date(2025, 8, 15), KINDS[i % 6], "manual", "accepted", None, "",
                 now, now, 1, ids[names["manager"]], ids[names["manager"]], SPEAKERS[i % 6] == "")
                for i, (art, s, e, q) in enumerate(spans)
            ))
            del spans
            judged: list[tuple[int, list[int]]] = []

            def annotations_rows() -> Iterator[tuple]:
                n = annotation0
                for i in range(claims):
                    truth = verdicts[rng.randrange(len(verdicts))]
                    given = []
                    for annotator in sorted(rng.sample(annotator_ids, annotators_per_claim)):
                        verdict = truth if rng.random() < TRUE_SHARE else verdicts[rng.randrange(len(verdicts))]
                        given.append(verdict)
                        yield (n, claim0 + i, annotator, verdict, rng.randint(1, 5),
                               f"Rationale {i}: « {rng.choice(WORDS)} » selon la source.", 60, 1, now, now)
                        n += 1
                    judged.append((i, given))

            _copy(c, "annotations_annotation", (
                "id", "claim_id", "annotator_id", "verdict_id", "confidence", "rationale",
                "time_spent_seconds", "version", "created_at", "updated_at",
            ), annotations_rows())
            _copy(c, "annotations_evidence", (
                "id", "claim_id", "added_by_id", "url", "title", "publisher", "published_on",
                "passage", "question", "stance", "linked_claim_id", "linked_article_id", "created_at",
            ), (
                (evidence0 + i, claim0 + i, annotator_ids[i % annotators],
                 f"https://source.example.org/{i}", f"Source {i}", "AFP", dt.date(2025, 8, 16),
                 "Un extrait de la source.", "" if i % 2 else f"Question {i} ?", "supports", None,
                 None, now)
                for i in range(claims)
            ))
            reviewer = ids[names["reviewer"]]

            def adjudication_rows() -> Iterator[tuple]:
                for i, given in judged:
                    top, n = Counter(given).most_common(1)[0]
                    unanimous = n == len(given)
                    yield (adjudication0 + i, claim0 + i, top, None if unanimous else reviewer,
                           "unanimous" if unanimous else "majority", "" if unanimous else f"Note {i}.",
                           now, 1)

            _copy(c, "annotations_adjudication", (
                "id", "claim_id", "verdict_id", "adjudicator_id", "method", "notes", "decided_at",
                "version",
            ), adjudication_rows())
            _copy(c, "annotations_adjudication_gold_evidence", ("id", "adjudication_id", "evidence_id"), (
                (gold0 + i, adjudication0 + i, evidence0 + i) for i in range(claims)
            ))
    with connection.cursor() as c:
        for table in ("article", "claim", "annotation", "evidence", "adjudication", "adjudication_gold_evidence"):
            c.execute(f"ANALYZE annotations_{table}")
    return Generated(
        project_id=project.pk, slug=slug, articles=n_articles, claims=claims,
        annotations=claims * annotators_per_claim, adjudications=claims, spare_claims=spare_claims,
        manager=names["manager"], reviewer=names["reviewer"], researcher=names["researcher"],
        annotators=pool, seconds=round(time.perf_counter() - started, 1),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="PostgreSQL URL")
    ap.add_argument("--slug", required=True)
    ap.add_argument("--claims", type=int, default=200_000)
    ap.add_argument("--annotators-per-claim", type=int, default=5)
    ap.add_argument("--annotators", type=int, default=40, help="size of the annotator pool")
    ap.add_argument("--claims-per-article", type=int, default=10)
    ap.add_argument("--spare-claims", type=int, default=0, help="accepted claims without annotations")
    ap.add_argument("--password", help="password of the generated users (default: unusable)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--replace", action="store_true", help="drop an existing project of that slug first")
    ap.add_argument("--migrate", action="store_true", help="run migrations first")
    args = ap.parse_args()
    setup_django(args.database_url)
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    if args.replace:
        drop(args.slug)
    info = generate(
        args.slug, args.claims, args.annotators_per_claim, annotators=args.annotators,
        claims_per_article=args.claims_per_article, spare_claims=args.spare_claims,
        password=args.password, seed=args.seed,
    )
    print(json.dumps(asdict(info) | {"annotators": f"{len(info.annotators)} users"}))


if __name__ == "__main__":
    main()
