"""Optimistic locking: updates name the version they were made against (field or If-Match);
a stale one gets 409 (412 with If-Match) with the current version, and changes nothing."""

from __future__ import annotations

import pytest

from annotations.models import Adjudication, Annotation, Claim

pytestmark = pytest.mark.django_db


def test_read_gives_the_version_as_etag(client_for, work) -> None:
    response = client_for("alice").get(f"/api/v1/annotations/{work['a_alice'].pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_annotation_update_with_current_version_bumps_it(client_for, work) -> None:
    annotation = work["a_alice"]
    response = client_for("alice").patch(
        f"/api/v1/annotations/{annotation.pk}/",
        {"verdict": work["codes"][2], "rationale": "changed", "version": 1}, format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["verdict"], body["rationale"]) == (2, work["codes"][2], "changed")
    assert response["ETag"] == '"2"'
    annotation.refresh_from_db()
    assert annotation.version == 2 and annotation.rationale == "changed"


def test_annotation_stale_version_field_is_409_and_changes_nothing(client_for, work) -> None:
    annotation = work["a_alice"]
    Annotation.objects.filter(pk=annotation.pk).update(version=4, rationale="newer")
    response = client_for("alice").patch(
        f"/api/v1/annotations/{annotation.pk}/",
        {"verdict": work["codes"][2], "rationale": "lost update", "version": 3}, format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert body["current_version"] == 4
    assert body["current"]["rationale"] == "newer"
    annotation.refresh_from_db()
    assert (annotation.version, annotation.rationale) == (4, "newer")
    assert annotation.verdict.code == work["codes"][0]


def test_annotation_stale_if_match_is_412_and_changes_nothing(client_for, work) -> None:
    annotation = work["a_alice"]
    Annotation.objects.filter(pk=annotation.pk).update(version=2)
    client = client_for("alice")
    response = client.patch(
        f"/api/v1/annotations/{annotation.pk}/", {"rationale": "lost update"}, format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    annotation.refresh_from_db()
    assert (annotation.version, annotation.rationale) == (2, "alice's reason")
    # With the ETag just read, the same change goes through.
    etag = client.get(f"/api/v1/annotations/{annotation.pk}/")["ETag"]
    ok = client.patch(f"/api/v1/annotations/{annotation.pk}/", {"rationale": "now"}, format="json",
                      HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["version"] == 3


def test_update_without_version_is_400_naming_the_field(client_for, work) -> None:
    annotation = work["a_alice"]
    response = client_for("alice").patch(
        f"/api/v1/annotations/{annotation.pk}/", {"rationale": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()
    bad_etag = client_for("alice").patch(
        f"/api/v1/annotations/{annotation.pk}/", {"rationale": "x"}, format="json",
        HTTP_IF_MATCH="not-an-etag",
    )
    assert bad_etag.status_code == 400 and "If-Match" in bad_etag.json()
    annotation.refresh_from_db()
    assert annotation.version == 1 and annotation.rationale == "alice's reason"


def test_second_annotation_of_a_claim_is_409_with_the_existing_one(client_for, work, claim) -> None:
    response = client_for("alice").post(
        "/api/v1/annotations/", {"claim": claim.pk, "verdict": work["codes"][2]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current"]["id"] == work["a_alice"].pk
    assert Annotation.objects.filter(claim=claim).count() == 2


def test_claim_stale_update_is_409_and_changes_nothing(client_for, claim) -> None:
    Claim.objects.filter(pk=claim.pk).update(version=3, statement="newer")
    response = client_for("alice").patch(
        f"/api/v1/claims/{claim.pk}/", {"statement": "older", "version": 2}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 3
    claim.refresh_from_db()
    assert (claim.version, claim.statement) == (3, "newer")


def test_claim_decide_stale_if_match_is_412(client_for, candidate) -> None:
    Claim.objects.filter(pk=candidate.pk).update(version=2)
    response = client_for("alice").post(
        f"/api/v1/claims/{candidate.pk}/decide/", {"status": "rejected"}, format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 412
    candidate.refresh_from_db()
    assert candidate.status == "candidate" and candidate.version == 2


def test_adjudication_stale_update_is_409_and_changes_nothing(client_for, work) -> None:
    adjudication = work["adjudication"]
    Adjudication.objects.filter(pk=adjudication.pk).update(version=2, notes="newer")
    response = client_for("rita").patch(
        f"/api/v1/adjudications/{adjudication.pk}/",
        {"verdict": work["codes"][1], "notes": "older", "version": 1}, format="json",
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    adjudication.refresh_from_db()
    assert (adjudication.version, adjudication.notes) == (2, "newer")
    assert adjudication.verdict.code == work["codes"][0]


def test_adjudicating_an_adjudicated_claim_is_409(client_for, work, claim2) -> None:
    response = client_for("rita").post(
        "/api/v1/adjudications/", {"claim": claim2.pk, "verdict": work["codes"][1]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current"]["id"] == work["adjudication"].pk
    work["adjudication"].refresh_from_db()
    assert work["adjudication"].verdict.code == work["codes"][0]
