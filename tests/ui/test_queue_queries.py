"""The annotator's loop costs a fixed number of queries: Next (the UI's POST) and a verdict save
(the API's POST), whatever the size of the queue; the queue's hand-written candidate search
agrees with claims_open_to."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimStatus,
    Project,
    TaskKind,
)
from annotations.selectors.assignments import claim_candidates, claims_open_to
from annotations.services.projects import default_scheme
from annotations.services.tokens import token_issue

pytestmark = pytest.mark.django_db

# Next: session and user (2); the transaction, the caller's membership locked with the project
# and their roles, their open assignment with any stale slots (3); the candidate search with the
# slots its claims hold, the insert (ON CONFLICT DO NOTHING, no savepoint) (2); the commit (1).
# On PostgreSQL the candidate search's two SET LOCAL enable_sort travel in its round trip, and a
# new assignment's transaction commits without waiting for the disk (SET LOCAL synchronous_commit).
NEXT_QUERIES = 8
NEXT_QUERIES_POSTGRESQL = NEXT_QUERIES + 1
# A verdict save that disagrees with the other annotator's: token (1); the transaction, the claim
# locked with the caller's roles and the verdict, the claim's annotations and slots, the
# annotation and its history row, the slot done (6); the disagreement's notification: who to
# tell, the notification (2; whether the claim is adjudicated is known from the locked read);
# the commit (1).
SAVE_QUERIES = 10


@pytest.fixture
def judging(project: Project) -> Project:
    project.task_kind = TaskKind.JUDGING
    project.save()
    return project


def _next(client, project: Project) -> tuple[int, int]:
    """(queries, claim id handed out) of one Next."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("ui:next", args=[project.slug]))
    assert response.status_code == 302
    found = re.search(r"[?&]claim=(\d+)", response["Location"])
    assert found, response["Location"]
    return len(ctx.captured_queries), int(found.group(1))


def _save(api: APIClient, claim_id: int, code: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/v1/annotations/", {"claim": claim_id, "verdict": code}, format="json")
    assert response.status_code == 201, response.content
    return len(ctx.captured_queries)


def _token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
    return api


def test_next_and_a_verdict_cost_the_same_queries_in_a_small_and_a_large_queue(
    judging, make_articles, alice, bob, client_for, settings
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "user": "1000/minute"}}
    browser, api = client_for(alice), _token_client(alice)
    bob_browser, bob_api = client_for(bob), _token_client(bob)
    _save(api, Claim.objects.create(  # the token's first use records it once; not measured
        article=make_articles(judging, 1, claims=0)[0], start=0, end=6, quote="Phrase",
        status=ClaimStatus.ACCEPTED).pk, "supported")
    _save(bob_api, Claim.objects.order_by("pk").last().pk, "refuted")  # type: ignore[union-attr]
    make_articles(judging, 2, claims=2)

    def one_item() -> tuple[int, int]:
        queries, claim_id = _next(browser, judging)
        # bob judges the claim differently, so alice's save never completes a unanimous pair.
        _next(bob_browser, judging)
        _save(bob_api, claim_id, "refuted")
        return queries, _save(api, claim_id, "supported")

    small = one_item()
    make_articles(judging, 40, claims=5)
    for _ in range(3):  # the queue's front fills up: the search walks past finished claims
        one_item()
    expected_next = NEXT_QUERIES_POSTGRESQL if connection.vendor == "postgresql" else NEXT_QUERIES
    assert one_item() == small == (expected_next, SAVE_QUERIES)


@pytest.fixture
def busy_queue(judging, make_articles, alice, bob, rita, users, verdicts):
    """Claims in every state the candidate search must tell apart, for alice."""
    claims = [c for a in make_articles(judging, 6, claims=3) for c in a.claims.order_by("start")]
    carol = users["charlie"]
    Assignment.objects.create(project=judging, article=claims[0].article, claim=claims[0], annotator=alice, slot=0)
    Annotation.objects.create(claim=claims[1], annotator=alice, verdict=verdicts["supported"])
    Adjudication.objects.create(claim=claims[2], verdict=verdicts["supported"], adjudicator=rita,
                                method=AdjudicationMethod.ADJUDICATED)
    for slot, who in enumerate((bob, carol)):  # full: overlap 2
        Assignment.objects.create(project=judging, article=claims[3].article, claim=claims[3],
                                  annotator=who, slot=slot, status=AssignmentStatus.DONE)
    Assignment.objects.create(project=judging, article=claims[4].article, claim=claims[4], annotator=bob, slot=0)
    Claim.objects.filter(pk=claims[5].pk).update(status=ClaimStatus.REJECTED)
    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme(), task_kind=TaskKind.JUDGING)
    make_articles(other, 2, claims=2)
    return claims


def test_the_candidate_search_agrees_with_claims_open_to(judging, busy_queue, alice) -> None:
    expected = list(claims_open_to(judging, alice).values_list("article_id", "start", "end", "pk"))
    assert busy_queue[4].pk in [row[3] for row in expected]  # one free slot left: still open
    # held, judged, adjudicated, full and rejected: all five left out
    assert {c.pk for c in busy_queue[:6]} - {row[3] for row in expected} == {
        busy_queue[i].pk for i in (0, 1, 2, 3, 5)}
    assert claim_candidates(judging, alice, limit=100) == expected
    assert claim_candidates(judging, alice, limit=3) == expected[:3]
    skip = [expected[0][3], expected[2][3]]
    assert claim_candidates(judging, alice, exclude=skip, limit=100) == [r for r in expected if r[3] not in skip]
    assert claim_candidates(judging, alice, limit=5, lock=True) == expected[:5]


def test_the_candidate_search_reads_each_claims_slots(judging, busy_queue, alice, bob) -> None:
    rows = claim_candidates(judging, alice, limit=100, slots=True)
    assert [row[:4] for row in rows] == claim_candidates(judging, alice, limit=100)
    slots = {row[3]: row[4] for row in rows}
    assert slots[busy_queue[4].pk] == frozenset({0})  # bob's slot: the next free one is 1
    assert {pk: held for pk, held in slots.items() if held} == {busy_queue[4].pk: frozenset({0})}
    Assignment.objects.create(project=judging, article=busy_queue[6].article, claim=busy_queue[6],
                              annotator=bob, slot=1)
    again = {row[3]: row[4] for row in claim_candidates(judging, alice, limit=100, slots=True, lock=True)}
    assert again[busy_queue[6].pk] == frozenset({1})


def test_only_a_new_assignment_commits_without_waiting_for_the_disk(judging, make_articles, alice, verdicts) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("asynchronous commit is PostgreSQL's")
    from annotations.services import work
    from annotations.services.assignments import assignment_next

    make_articles(judging, 1, claims=2)

    def lazy(call) -> bool:  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            result = call()
        assert result is not None
        return any("synchronous_commit" in q["sql"] for q in ctx.captured_queries)

    new = assignment_next(project=judging, by=alice)
    assert new is not None
    Assignment.objects.filter(pk=new.pk).delete()
    assert lazy(lambda: assignment_next(project=judging, by=alice))  # handed out: may be lost
    assert not lazy(lambda: assignment_next(project=judging, by=alice))  # the same one again
    claim = Assignment.objects.get(annotator=alice, status=AssignmentStatus.ASSIGNED).claim
    assert claim is not None
    assert not lazy(lambda: work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"]))
