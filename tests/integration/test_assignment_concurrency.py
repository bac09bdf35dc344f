"""Twenty annotators pressing Next at the same instant, on real separate database connections.

Each thread has its own connection (Django's are per thread), waits at a barrier, then works
the queue until it is empty: it takes an item, finishes it (a verdict, or "done" for an article)
and asks again. Whatever the interleaving, no slot is handed out twice, nobody gets an item
twice, and every claim ends with exactly `overlap` annotators, every article with one finder.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Membership,
    Project,
    Role,
    TaskKind,
    body_hash,
)
from annotations.selectors.assignments import FINDERS_PER_ARTICLE
from annotations.services import work
from annotations.services.assignments import assignment_complete, assignment_next, assignment_next_in
from annotations.services.projects import default_scheme

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

CLIENTS = 20
ARTICLES = 6
CLAIMS_PER_ARTICLE = 10
OVERLAP = 3


def _project(django_user_model) -> tuple[Project, list]:
    """A project asking for finding and judging, its annotators, articles and accepted claims."""
    project = Project.objects.create(
        name="Race", slug="race", scheme=default_scheme(), overlap=OVERLAP,
        task_kind=TaskKind.BOTH, auto_accept_unanimous=False,
    )
    users = []
    for i in range(CLIENTS):
        user = django_user_model.objects.create_user(username=f"annotator{i:02}", password="x")
        Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
        users.append(user)
    for a in range(ARTICLES):
        sentences = [f"Le chiffre {a}-{c} est de {a * 100 + c} %." for c in range(CLAIMS_PER_ARTICLE)]
        body = " ".join(sentences)
        article = Article.objects.create(project=project, body=body, body_hash=body_hash(body))
        offset = 0
        for sentence in sentences:
            Claim.objects.create(
                article=article, start=offset, end=offset + len(sentence), quote=sentence,
                origin=ClaimOrigin.IMPORTED, status=ClaimStatus.ACCEPTED,
            )
            offset += len(sentence) + 1
    return project, users


def _race(
    project: Project, users: list, finish: str
) -> tuple[dict[int, list[tuple[str, int]]], list[BaseException]]:
    """Run one thread per user, released together; what each was handed, and any errors.

    finish="verdict" finishes a claim as the article page does (annotation_save, whose hook
    marks the slot done, with auto-adjudication's claim lock); "mark" marks it done directly,
    so the race is the queue's alone.
    """
    barrier = threading.Barrier(len(users))
    handed: dict[int, list[tuple[str, int]]] = {u.pk: [] for u in users}
    errors: list[BaseException] = []
    verdict = project.scheme.verdicts.first()

    def take(user):  # type: ignore[no-untyped-def]
        # Half the clients come in as the UI's Next does (the project found by the locking read).
        if user.pk % 2:
            return assignment_next_in(slug=project.slug, by=user)[1]
        return assignment_next(project=project, by=user)

    def client(user) -> None:
        try:
            barrier.wait(timeout=60)
            while (a := take(user)) is not None:
                if a.claim_id is None:
                    handed[user.pk].append(("article", a.article_id))
                    assignment_complete(assignment=a, by=user)
                else:
                    handed[user.pk].append(("claim", a.claim_id))
                    if finish == "verdict":
                        work.annotation_save(claim=a.claim, annotator=user, verdict=verdict)
                    else:
                        Assignment.objects.filter(pk=a.pk).update(status=AssignmentStatus.DONE)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=client, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a client never finished"
    return handed, errors


def _check(project: Project, handed: dict[int, list[tuple[str, int]]], errors: list) -> None:
    assert errors == [], [f"{type(e).__name__}: {e}" for e in errors[:3]]
    for items in handed.values():
        assert len(items) == len(set(items)), "an annotator got the same item twice"
    given = Counter(item for items in handed.values() for item in items)
    claims = set(Claim.objects.filter(article__project=project).values_list("pk", flat=True))
    articles = set(Article.objects.filter(project=project).values_list("pk", flat=True))
    assert {i for kind, i in given if kind == "claim"} == claims
    assert {i for kind, i in given if kind == "article"} == articles
    assert all(given[("claim", c)] == OVERLAP for c in claims)
    assert all(given[("article", a)] == FINDERS_PER_ARTICLE for a in articles)
    rows = list(Assignment.objects.filter(project=project).values_list("claim", "article", "annotator", "slot", "status"))
    assert len(rows) == len(claims) * OVERLAP + len(articles) * FINDERS_PER_ARTICLE
    assert {status for *_, status in rows} == {AssignmentStatus.DONE}
    claim_slots = Counter((c, s) for c, _, _, s, _ in rows if c is not None)
    assert set(claim_slots.values()) == {1} and {s for _, s in claim_slots} == set(range(OVERLAP))
    per_annotator = Counter((c, u) for c, _, u, _, _ in rows if c is not None)
    assert set(per_annotator.values()) == {1}


@pytest.mark.parametrize("finish", ["mark", "verdict"])
def test_twenty_clients_on_postgresql_never_share_a_slot(django_user_model, finish):
    if connection.vendor != "postgresql":
        pytest.skip("the SKIP LOCKED race runs on PostgreSQL (CI runs the suite there too)")
    project, users = _project(django_user_model)
    with CaptureQueriesContext(connection) as ctx:
        first = assignment_next(project=project, by=users[0])
    assert any("SKIP LOCKED" in q["sql"] for q in ctx.captured_queries)
    Assignment.objects.filter(pk=first.pk).delete()
    started = time.monotonic()
    handed, errors = _race(project, users, finish)
    elapsed = time.monotonic() - started
    _check(project, handed, errors)
    items = sum(len(v) for v in handed.values())
    print(f"\nPostgreSQL ({finish}): {CLIENTS} clients, {items} assignments in {elapsed:.2f} s")


@pytest.mark.parametrize("finish", ["mark", "verdict"])
def test_twenty_clients_on_sqlite_never_share_a_slot(django_user_model, finish):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant runs on the embedded default database")
    name = connection.settings_dict["NAME"]
    if name == ":memory:" or "mode=memory" in str(name):
        pytest.skip("an in-memory SQLite database cannot be shared between connections")
    project, users = _project(django_user_model)
    started = time.monotonic()
    handed, errors = _race(project, users, finish)
    elapsed = time.monotonic() - started
    _check(project, handed, errors)
    items = sum(len(v) for v in handed.values())
    print(f"\nSQLite ({finish}): {CLIENTS} clients, {items} assignments in {elapsed:.2f} s")
