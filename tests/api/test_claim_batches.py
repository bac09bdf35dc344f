"""The API's undoable changes to claims: many suggestions at once, deleting one's own claim,
undo; and evidence that must name its stance."""

from __future__ import annotations

import pytest

from annotations.models import Claim, ClaimBatch, ClaimStatus, Evidence

pytestmark = pytest.mark.django_db

P = "/api/v1"


def test_it_accepts_suggestions_above_a_score_and_undoes_them(client_for, article, claim, candidate, anon):
    alice = client_for("alice")
    response = alice.post(f"{P}/claim-batches/", {"article": article.pk, "status": "accepted", "min_score": 0.5},
                          format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["claims"] == [candidate.pk] and body["kind"] == "decide" and body["created_by"] == "alice"
    assert Claim.objects.get(pk=candidate.pk).status == ClaimStatus.ACCEPTED
    undone = alice.post(f"{P}/claim-batches/{body['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["undone_by"] == "alice"
    assert Claim.objects.get(pk=candidate.pk).status == ClaimStatus.CANDIDATE
    again = alice.post(f"{P}/claim-batches/{body['id']}/undo/")
    assert again.status_code == 400 and "already undone" in again.content.decode()
    # The history lists it, undone.
    listed = alice.get(f"{P}/claim-batches/?project=test&mine=true").json()["results"]
    assert [b["id"] for b in listed] == [body["id"]] and listed[0]["undone_at"]
    assert anon.post(f"{P}/claim-batches/{body['id']}/undo/").status_code == 401


def test_a_batch_matching_nothing_is_a_400_and_changes_nothing(client_for, article, candidate):
    response = client_for("alice").post(
        f"{P}/claim-batches/", {"article": article.pk, "status": "rejected", "min_score": 0.99}, format="json")
    assert response.status_code == 400 and "No suggestion" in response.content.decode()
    response = client_for("alice").post(
        f"{P}/claim-batches/", {"article": article.pk, "status": "rejected", "paragraph": 5}, format="json")
    assert response.status_code == 400 and "paragraph" in response.json()
    assert not ClaimBatch.objects.exists()
    assert Claim.objects.get(pk=candidate.pk).status == ClaimStatus.CANDIDATE


def test_outsiders_researchers_and_anonymous_clients_decide_nothing(client_for, anon, article, candidate):
    body = {"article": article.pk, "status": "accepted", "min_score": 0}
    assert client_for("charlie").post(f"{P}/claim-batches/", body, format="json").status_code == 404
    assert client_for("rhea").post(f"{P}/claim-batches/", body, format="json").status_code == 403
    assert anon.post(f"{P}/claim-batches/", body, format="json").status_code == 401
    assert Claim.objects.get(pk=candidate.pk).status == ClaimStatus.CANDIDATE


def test_an_author_deletes_their_claim_and_undoes_it(client_for, article, alice):
    claim = Claim.objects.create(article=article, start=3, end=11, quote=article.body[3:11], origin="manual",
                                 status="accepted", created_by=alice)
    response = client_for("alice").delete(f"{P}/claims/{claim.pk}/")
    assert response.status_code == 200 and response.json()["kind"] == "delete"
    assert response.json()["claims"] == [claim.pk]
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert client_for("alice").get(f"{P}/claims/{claim.pk}/").status_code == 404
    undone = client_for("alice").post(f"{P}/claim-batches/{response.json()['id']}/undo/")
    assert undone.status_code == 200
    assert Claim.objects.get(pk=claim.pk).quote == article.body[3:11]


def test_deleting_a_claim_others_worked_on_says_why(client_for, claim, work):
    # work: bob gave a verdict and evidence on alice's claim.
    response = client_for("alice").delete(f"{P}/claims/{claim.pk}/")
    assert response.status_code == 400
    assert "another annotator's verdict" in response.content.decode()
    response = client_for("bob").delete(f"{P}/claims/{claim.pk}/")
    assert response.status_code == 403 and "reject it instead" in response.content.decode()
    assert client_for("charlie").delete(f"{P}/claims/{claim.pk}/").status_code == 404
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_evidence_without_a_stance_is_refused_naming_the_field(client_for, claim):
    response = client_for("alice").post(
        f"{P}/evidence/", {"claim": claim.pk, "url": "https://example.org/x"}, format="json")
    assert response.status_code == 400 and "stance" in response.json()
    response = client_for("alice").post(
        f"{P}/evidence/", {"claim": claim.pk, "url": "https://example.org/x", "stance": ""}, format="json")
    assert response.status_code == 400 and "stance" in response.json()
    assert not Evidence.objects.exists()
