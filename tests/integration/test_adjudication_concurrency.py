"""Reviewers deciding one claim at the same instant, on real separate database connections.

Each thread has its own client and connection, waits at a barrier, then sends its decision
through the whole stack (middleware, view, service). Whatever the interleaving, exactly one
decision is recorded and every other reviewer is told, with 409, that the claim was already
adjudicated (the API with the current adjudication, the UI with a message); never a 500.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Membership,
    Project,
    Role,
    body_hash,
)
from annotations.services.projects import default_scheme

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

API_CLIENTS = 20
UI_CLIENTS = 16
TEXT = "Lavrov a déclaré que la position de la Russie restait inchangée."


@pytest.fixture
def disputed(django_user_model) -> dict:
    """A claim three annotators judged 2 against 1 (so nothing is decided automatically), and
    as many reviewers as clients."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in str(name)):
        pytest.skip("an in-memory SQLite database cannot be shared between connections")
    project = Project.objects.create(name="Race", slug="race", scheme=default_scheme(),
                                     auto_accept_unanimous=True)
    article = Article.objects.create(project=project, body=TEXT, body_hash=body_hash(TEXT))
    claim = Claim.objects.create(article=article, start=0, end=len(TEXT), quote=TEXT,
                                 origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)
    verdicts = list(project.scheme.verdicts.order_by("order"))
    for i, verdict in enumerate((verdicts[0], verdicts[0], verdicts[1])):
        annotator = django_user_model.objects.create_user(username=f"annotator{i}", password="x")
        Membership.objects.create(user=annotator, project=project, role=Role.ANNOTATOR)
        Annotation.objects.create(claim=claim, annotator=annotator, verdict=verdict)
    reviewers = []
    for i in range(max(API_CLIENTS, UI_CLIENTS)):
        reviewer = django_user_model.objects.create_user(username=f"reviewer{i:02}", password="x")
        Membership.objects.create(user=reviewer, project=project, role=Role.REVIEWER if i % 2 else Role.MANAGER)
        reviewers.append(reviewer)
    return {"claim": claim, "verdicts": verdicts, "reviewers": reviewers}


def _race(clients: list[Any], send: Callable[[Any, int], Any]) -> list[Any]:
    """Send one request per client, all released together; the responses, in client order."""
    barrier = threading.Barrier(len(clients))
    responses: list[Any] = [None] * len(clients)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            responses[i] = send(clients[i], i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client never got an answer"
    assert errors == [], [f"{type(e).__name__}: {e}" for e in errors[:3]]
    return responses


def test_concurrent_api_adjudications_make_one_decision_and_409s(disputed) -> None:
    claim, verdicts = disputed["claim"], disputed["verdicts"]
    clients = []
    for reviewer in disputed["reviewers"][:API_CLIENTS]:
        client = APIClient()
        client.force_authenticate(reviewer)
        client.raise_request_exception = False  # a 500 is an answer to count, not a test error
        clients.append(client)

    def send(client: APIClient, i: int) -> Any:
        return client.post("/api/v1/adjudications/", {
            "claim": claim.pk, "verdict": verdicts[i % 2].code, "notes": f"reviewer {i}",
        }, format="json")

    responses = _race(clients, send)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: API_CLIENTS - 1}, statuses
    adjudication = Adjudication.objects.get(claim=claim)
    winner = next(r for r in responses if r.status_code == 201).json()
    assert winner["id"] == adjudication.pk and winner["verdict"] == adjudication.verdict.code
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert body["code"] == "stale_version" and "already adjudicated" in body["detail"]
            assert body["current"]["id"] == adjudication.pk
    assert adjudication.history.count() == 1


def test_concurrent_ui_adjudications_make_one_decision_and_409s(disputed) -> None:
    """Half decide a verdict, half accept the majority: one of them wins, the others are told."""
    claim, verdicts = disputed["claim"], disputed["verdicts"]
    url = reverse("ui:adjudicate", args=[claim.pk])
    clients = []
    for reviewer in disputed["reviewers"][:UI_CLIENTS]:
        client = Client()
        client.force_login(reviewer)
        client.raise_request_exception = False
        clients.append(client)

    def send(client: Client, i: int) -> Any:
        if i % 2:
            return client.post(url, {"action": "majority", "filter": "all"})
        return client.post(url, {"action": "adjudicate", "verdict": verdicts[1].pk, "note": f"r{i}",
                                 "filter": "all"})

    responses = _race(clients, send)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: 1, 409: UI_CLIENTS - 1}, statuses
    adjudication = Adjudication.objects.get(claim=claim)
    assert adjudication.method in (AdjudicationMethod.ADJUDICATED, AdjudicationMethod.MAJORITY)
    for response in responses:
        if response.status_code == 409:
            page = response.content.decode()
            assert "Someone else adjudicated this claim meanwhile" in page
            assert f'name="version" value="{adjudication.version}"' in page
    assert adjudication.history.count() == 1


def test_an_insert_that_went_around_the_lock_is_409_too(disputed, monkeypatch) -> None:
    """Should a writer ever read "no adjudication" stale (here: the lock's read is skipped), the
    database's one-per-claim constraint answers, and that is the same 409, not a 500."""
    from annotations.services import adjudication as service

    claim, verdicts = disputed["claim"], disputed["verdicts"]
    first = Adjudication.objects.create(claim=claim, verdict=verdicts[0], adjudicator=disputed["reviewers"][0],
                                        method=AdjudicationMethod.ADJUDICATED)
    monkeypatch.setattr(service, "_lock_claim", lambda claim: None)
    client = APIClient()
    client.force_authenticate(disputed["reviewers"][1])
    client.raise_request_exception = False
    response = client.post("/api/v1/adjudications/", {"claim": claim.pk, "verdict": verdicts[1].code},
                           format="json")
    assert response.status_code == 409, response.content
    assert response.json()["current"]["id"] == first.pk
    assert list(Adjudication.objects.filter(claim=claim)) == [first]
