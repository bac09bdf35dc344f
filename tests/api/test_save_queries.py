"""Saving a verdict through the API, statement by statement: 6 for a new verdict on an assigned
claim, 5 for a change at its version (issue 6's target: at most 6), whatever the database.

The statements: the token (with its user); the claim, locked, with its article, project, the
caller's roles and the verdict by code (or the annotation with all of that, for PATCH); once
locked, the claim's annotations, adjudication and slots; the INSERT (or UPDATE … WHERE version)
and simple-history's row; the assignment. Inside the test's transaction the service's atomic
block adds SAVEPOINT and RELEASE (BEGIN/COMMIT in a request, which are not queries).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, Assignment, AssignmentStatus, Claim
from tests.test_save_queries import lock, statements

pytestmark = pytest.mark.django_db

TOKEN = "SELECT apitoken"


def _work(ctx: CaptureQueriesContext) -> list[str]:
    """The statements of a request without the test transaction's savepoint."""
    return [s for s in statements(ctx) if s not in ("SAVEPOINT", "RELEASE")]


def _lock_annotation() -> str:
    return "SELECT annotation FOR UPDATE" if connection.vendor == "postgresql" else "SELECT annotation"


@pytest.fixture
def alice_api(client_for):
    client = client_for("alice")
    client.get("/api/v1/projects/")  # the client is made and its token used once
    return client


@pytest.fixture
def assigned(project, claim2, alice) -> Assignment:
    """alice's open assignment on claim2, as the queue hands it out."""
    return Assignment.objects.create(project=project, article=claim2.article, claim=claim2,
                                     annotator=alice, slot=0)


def test_a_new_verdict_on_an_assigned_claim_is_six_statements(alice_api, assigned, claim2, verdicts):
    with CaptureQueriesContext(connection) as ctx:
        response = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "supported",
                                                           "confidence": 4}, format="json")
    assert response.status_code == 201, response.content
    assert _work(ctx) == [
        TOKEN, lock(), "SELECT claim", "INSERT annotation", "INSERT historicalannotation",
        "UPDATE assignment",
    ]
    assert len(ctx) == 8  # with the test transaction's SAVEPOINT and RELEASE
    body = response.json()
    assert (body["claim"], body["annotator"], body["verdict"], body["confidence"], body["version"]) == (
        claim2.pk, "alice", "supported", 4, 1)
    assert response["ETag"] == '"1"'
    assigned.refresh_from_db()
    assert assigned.status == AssignmentStatus.DONE


def test_a_change_at_its_version_is_five_statements(alice_api, assigned, claim2, verdicts):
    created = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "supported",
                                                      "rationale": "kept"}, format="json").json()
    with CaptureQueriesContext(connection) as ctx:
        response = alice_api.patch(f"/api/v1/annotations/{created['id']}/",
                                   {"verdict": "refuted", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert _work(ctx) == [
        TOKEN, _lock_annotation(), "SELECT claim", "UPDATE annotation", "INSERT historicalannotation",
    ]
    body = response.json()
    # PATCH keeps what it does not name.
    assert (body["verdict"], body["rationale"], body["version"]) == ("refuted", "kept", 2)
    assert response["ETag"] == '"2"'
    row = Annotation.objects.get(pk=created["id"])
    assert (row.verdict.code, row.version, row.history.count()) == ("refuted", 2, 2)


def test_a_verdict_outside_the_queue_is_six_statements_too(alice_api, claim2, verdicts):
    with CaptureQueriesContext(connection) as ctx:
        response = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "supported"},
                                  format="json")
    assert response.status_code == 201
    assert _work(ctx) == [
        TOKEN, lock(), "SELECT claim", "INSERT annotation", "INSERT historicalannotation",
        "INSERT assignment",
    ]
    assert Assignment.objects.get(claim=claim2).status == AssignmentStatus.DONE


def test_a_patch_with_an_if_match_header_costs_the_same(alice_api, assigned, claim2):
    created = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk}, format="json").json()
    with CaptureQueriesContext(connection) as ctx:
        response = alice_api.patch(f"/api/v1/annotations/{created['id']}/", {"verdict": "supported"},
                                   format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert len(_work(ctx)) == 6  # a first verdict: the assignment is finished as well
    assigned.refresh_from_db()
    assert assigned.status == AssignmentStatus.DONE


def test_a_stale_change_is_409_with_the_current_one_and_writes_nothing(alice_api, claim2):
    created = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "supported"},
                             format="json").json()
    alice_api.patch(f"/api/v1/annotations/{created['id']}/", {"rationale": "newer", "version": 1},
                    format="json")
    with CaptureQueriesContext(connection) as ctx:
        response = alice_api.patch(f"/api/v1/annotations/{created['id']}/",
                                   {"verdict": "refuted", "version": 1}, format="json")
    assert response.status_code == 409
    assert (response.json()["current_version"], response.json()["current"]["rationale"]) == (2, "newer")
    assert not any(s.startswith(("INSERT", "UPDATE")) for s in statements(ctx))
    assert len(ctx) <= 8
    assert Annotation.objects.get(pk=created["id"]).verdict.code == "supported"


def test_an_unknown_verdict_code_names_the_field_and_the_codes(alice_api, claim2):
    response = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "maybe"}, format="json")
    assert response.status_code == 400
    assert "supported" in str(response.json()["verdict"])
    created = alice_api.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "supported"},
                             format="json").json()
    patched = alice_api.patch(f"/api/v1/annotations/{created['id']}/", {"verdict": "maybe", "version": 1},
                              format="json")
    assert patched.status_code == 400 and "verdict" in patched.json()
    assert Annotation.objects.get().verdict.code == "supported"


def test_roles_blindness_and_outsiders(client_for, anon, work, claim2) -> None:
    """The one locking read still refuses as the selectors did: outsiders 404, other roles 403,
    another annotator's work 404 in a blind project, anonymous 401."""
    body = {"claim": claim2.pk, "verdict": "supported"}
    assert client_for("charlie").post("/api/v1/annotations/", body, format="json").status_code == 404
    assert client_for("rita").post("/api/v1/annotations/", body, format="json").status_code == 403
    assert anon.post("/api/v1/annotations/", body, format="json").status_code == 401
    missing = Claim.objects.order_by("-pk").first().pk + 1000
    assert client_for("alice").post("/api/v1/annotations/", {**body, "claim": missing},
                                    format="json").status_code == 404
    alices = f"/api/v1/annotations/{work['a_alice'].pk}/"
    change = {"rationale": "x", "version": 1}
    assert client_for("bob").patch(alices, change, format="json").status_code == 404
    assert client_for("charlie").patch(alices, change, format="json").status_code == 404
    assert client_for("rhea").patch(alices, change, format="json").status_code == 403
    assert client_for("rita").patch(alices, change, format="json").status_code == 403
    assert anon.patch(alices, change, format="json").status_code == 401
    assert client_for("alice").patch("/api/v1/annotations/999999/", change, format="json").status_code == 404
    assert not Annotation.objects.filter(claim=claim2).exists()
    assert Annotation.objects.get(pk=work["a_alice"].pk).rationale == "alice's reason"
