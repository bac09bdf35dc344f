"""What each endpoint does with good and bad input: writes go through the services, bad input
gets a 400 naming the field and changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    Adjudication,
    Annotation,
    Article,
    Claim,
    ClaimRelation,
    Evidence,
    Job,
    Membership,
    Project,
    Role,
    body_hash,
)
from tests.conftest import BODY

pytestmark = pytest.mark.django_db


def test_project_create_and_settings(client_for, users) -> None:
    max_ = client_for("max")
    created = max_.post("/api/v1/projects/", {"name": "Nouveau", "slug": "nouveau", "overlap": 3,
                                              "blind": False}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["my_roles"] == ["manager"] and body["overlap"] == 3 and body["scheme"]["verdicts"]
    duplicate = max_.post("/api/v1/projects/", {"name": "Again", "slug": "nouveau"}, format="json")
    assert duplicate.status_code == 400 and "slug" in duplicate.json()
    changed = max_.patch("/api/v1/projects/nouveau/", {"guidelines": "# Règles", "overlap": 2}, format="json")
    assert changed.status_code == 200 and changed.json()["guidelines"] == "# Règles"
    bad = max_.patch("/api/v1/projects/nouveau/", {"language": "Not a language!"}, format="json")
    assert bad.status_code == 400 and "language" in bad.json()
    assert Project.objects.get(slug="nouveau").language == "fr"
    unknown_scheme = max_.patch("/api/v1/projects/nouveau/", {"scheme": "nope"}, format="json")
    assert unknown_scheme.status_code == 400 and "scheme" in unknown_scheme.json()
    budget = max_.patch("/api/v1/projects/nouveau/", {"suggest_threshold": 0.6, "suggest_per_10k": None},
                        format="json")
    assert budget.status_code == 200, budget.content
    assert (budget.json()["suggest_threshold"], budget.json()["suggest_per_10k"]) == (0.6, None)
    too_high = max_.patch("/api/v1/projects/nouveau/", {"suggest_threshold": 2}, format="json")
    assert too_high.status_code == 400 and "suggest_threshold" in too_high.json()


def test_members_add_and_remove(client_for, users, project) -> None:
    max_ = client_for("max")
    added = max_.post("/api/v1/members/", {"project": "test", "username": "charlie",
                                           "role": "researcher"}, format="json")
    assert added.status_code == 201 and added.json()["username"] == "charlie"
    assert client_for("charlie").get("/api/v1/projects/test/").status_code == 200
    unknown = max_.post("/api/v1/members/", {"project": "test", "username": "ghost",
                                             "role": "annotator"}, format="json")
    assert unknown.status_code == 400 and "username" in unknown.json()
    last_manager = Membership.objects.get(project=project, role=Role.MANAGER)
    refused = max_.delete(f"/api/v1/members/{last_manager.pk}/")
    assert refused.status_code == 403
    assert Membership.objects.filter(pk=last_manager.pk).exists()


def test_articles_create_edit_and_import(client_for, project, claim) -> None:
    max_ = client_for("max")
    created = max_.post("/api/v1/articles/", {"project": "test", "title": "Neuf", "body": "Texte neuf.",
                                              "metadata": {"section": "monde"}}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["body"] == "Texte neuf." and created.json()["metadata"] == {"section": "monde"}
    twin = max_.post("/api/v1/articles/", {"project": "test", "body": "Texte neuf."}, format="json")
    assert twin.status_code == 400 and "body" in twin.json()
    frozen = max_.patch(f"/api/v1/articles/{claim.article_id}/", {"body": "Autre chose."}, format="json")
    assert frozen.status_code == 400 and "body" in frozen.json()
    assert Article.objects.get(pk=claim.article_id).body == BODY
    nul = max_.post("/api/v1/articles/", {"project": "test", "body": "x", "metadata": {"a": "\x00"}},
                    format="json")
    assert nul.status_code == 400 and "metadata" in nul.json()

    upload = SimpleUploadedFile("articles.jsonl", b'{"title": "A", "body": "Un article import\xc3\xa9."}\n')
    queued = max_.post("/api/v1/articles/import/", {"project": "test", "file": upload}, format="multipart")
    assert queued.status_code == 202, queued.content
    job = Job.objects.get(pk=queued.json()["id"])
    assert job.kind == "import" and job.input_file and job.params["format"] == "jsonl"
    assert queued["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    weird = max_.post("/api/v1/articles/import/", {"project": "test",
                                                    "file": SimpleUploadedFile("a.pdf", b"x")},
                      format="multipart")
    assert weird.status_code == 400 and "file" in weird.json()
    assert Job.objects.count() == 1


def test_claims_mark_edit_and_decide(client_for, article, candidate) -> None:
    alice = client_for("alice")
    start, end = BODY.index("Le sommet"), BODY.index("Le sommet") + 9
    bad_quote = alice.post("/api/v1/claims/", {"article": article.pk, "start": start, "end": end,
                                               "quote": "wrong"}, format="json")
    assert bad_quote.status_code == 400 and "quote" in bad_quote.json()
    outside = alice.post("/api/v1/claims/", {"article": article.pk, "start": 0, "end": 10_000},
                         format="json")
    assert outside.status_code == 400 and "end" in outside.json()
    assert Claim.objects.count() == 1
    marked = alice.post("/api/v1/claims/", {"article": article.pk, "start": 0, "end": 2,
                                            "quote": BODY[:2], "speaker": "Le"}, format="json")
    assert marked.status_code == 201 and marked.json()["status"] == "accepted"
    claim_id = marked.json()["id"]
    edit = alice.patch(f"/api/v1/claims/{claim_id}/", {"speaker": "Lavrov", "version": 1}, format="json")
    assert edit.status_code == 200 and edit.json()["speaker"] == "Lavrov" and edit.json()["version"] == 2
    moved = client_for("rita").patch(f"/api/v1/claims/{claim_id}/", {"end": 3, "version": 2}, format="json")
    assert moved.status_code == 200 and moved.json()["quote"] == BODY[:3]
    decided = alice.post(f"/api/v1/claims/{candidate.pk}/decide/", {"status": "rejected", "version": 1},
                         format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"


def test_claims_say_when_the_article_itself_asserts_them(client_for, article) -> None:
    article.author = "A. Dupont"
    article.save(update_fields=["author"])
    alice = client_for("alice")
    start = BODY.index("Le sommet")
    own = alice.post("/api/v1/claims/", {"article": article.pk, "start": start, "end": start + 9,
                                         "asserted_by_article": True}, format="json")
    # No speaker given: the article's voice is its author's.
    assert own.status_code == 201
    assert (own.json()["speaker"], own.json()["asserted_by_article"]) == ("A. Dupont", True)
    claim_id = own.json()["id"]
    listed = alice.get("/api/v1/claims/", {"article": article.pk}).json()["results"]
    assert [c["asserted_by_article"] for c in listed] == [True]
    edit = alice.patch(f"/api/v1/claims/{claim_id}/",
                       {"speaker": "Lavrov", "asserted_by_article": False, "version": 1}, format="json")
    assert edit.status_code == 200
    assert (edit.json()["speaker"], edit.json()["asserted_by_article"]) == ("Lavrov", False)


def test_relations(client_for, claim, claim2, work) -> None:
    alice = client_for("alice")
    same = alice.post("/api/v1/claim-relations/", {"source": claim2.pk, "target": claim.pk,
                                                   "kind": "same"}, format="json")
    assert same.status_code == 201
    assert (same.json()["source"], same.json()["target"]) == (claim.pk, claim2.pk)  # lower id first
    itself = alice.post("/api/v1/claim-relations/", {"source": claim.pk, "target": claim.pk,
                                                     "kind": "same"}, format="json")
    assert itself.status_code == 400 and "target" in itself.json()
    missing = alice.post("/api/v1/claim-relations/", {"source": claim.pk, "target": 999_999,
                                                      "kind": "same"}, format="json")
    assert missing.status_code == 400 and "target" in missing.json()
    assert ClaimRelation.objects.count() == 2


def test_annotation_create_and_bad_input(client_for, claim2, candidate, work) -> None:
    alice = client_for("alice")
    bad_verdict = alice.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": "maybe"}, format="json")
    assert bad_verdict.status_code == 400 and "verdict" in bad_verdict.json()
    on_candidate = alice.post("/api/v1/annotations/", {"claim": candidate.pk, "verdict": work["codes"][0]},
                              format="json")
    assert on_candidate.status_code == 400 and "claim" in on_candidate.json()
    bad_confidence = alice.post("/api/v1/annotations/", {"claim": claim2.pk, "confidence": 9}, format="json")
    assert bad_confidence.status_code == 400 and "confidence" in bad_confidence.json()
    assert not Annotation.objects.filter(claim__in=[claim2, candidate]).exists()
    created = alice.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": work["codes"][1],
                                                  "confidence": 4, "rationale": "r"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["annotator"], body["verdict"], body["version"]) == ("alice", work["codes"][1], 1)
    # A PATCH changes only what it names.
    patched = alice.patch(f"/api/v1/annotations/{body['id']}/", {"confidence": 2, "version": 1},
                          format="json")
    assert patched.json()["verdict"] == work["codes"][1] and patched.json()["rationale"] == "r"


def test_annotation_save_adds_at_most_four_queries_to_the_service(client_for, users, article, claim2,
                                                                   work) -> None:
    """Saving an annotation through the API costs the service's queries plus a fixed few:
    the token, the claim with the caller's roles, the verdict (see bench/RESULTS.md)."""
    from annotations import selectors
    from annotations.services.work import annotation_save

    twin = Claim.objects.create(article=article, start=0, end=2, quote=BODY[:2],
                                origin="manual", status="accepted")
    alice, verdict = users["alice"], Annotation.objects.get(pk=work["a_alice"].pk).verdict
    loaded = selectors.claim_get_for_user(alice, twin.pk)
    with CaptureQueriesContext(connection) as direct_create:
        mine = annotation_save(claim=loaded, annotator=alice, verdict=verdict)
    with CaptureQueriesContext(connection) as direct_update:
        annotation_save(claim=loaded, annotator=alice, verdict=verdict, version=mine.version)

    client = client_for("alice")
    client.get("/api/v1/projects/")  # the token client is made and warm
    with CaptureQueriesContext(connection) as api_create:
        created = client.post("/api/v1/annotations/", {"claim": claim2.pk, "verdict": verdict.code},
                              format="json")
    assert created.status_code == 201
    with CaptureQueriesContext(connection) as api_update:
        updated = client.patch(f"/api/v1/annotations/{created.json()['id']}/",
                               {"verdict": verdict.code, "version": 1}, format="json")
    assert updated.status_code == 200
    assert len(api_create) - len(direct_create) <= 4, [q["sql"][:90] for q in api_create]
    assert len(api_update) - len(direct_update) <= 4, [q["sql"][:90] for q in api_update]


def test_evidence_rules(client_for, claim, claim2, article, project) -> None:
    alice = client_for("alice")
    two_sources = alice.post("/api/v1/evidence/", {"claim": claim.pk, "stance": "supports",
                                                   "url": "https://e.org", "linked_claim": claim2.pk},
                             format="json")
    assert two_sources.status_code == 400 and "url" in two_sources.json()
    js = alice.post("/api/v1/evidence/", {"claim": claim.pk, "stance": "supports",
                                          "url": "javascript:alert(1)"}, format="json")
    assert js.status_code == 400 and "url" in js.json()
    other = Project.objects.create(name="O", slug="o", scheme=project.scheme)
    foreign = Article.objects.create(project=other, body="Ailleurs.", body_hash=body_hash("Ailleurs."))
    cross = alice.post("/api/v1/evidence/", {"claim": claim.pk, "stance": "context",
                                             "linked_article": foreign.pk}, format="json")
    assert cross.status_code == 400 and "linked_article" in cross.json()
    itself = alice.post("/api/v1/evidence/", {"claim": claim.pk, "stance": "context",
                                              "linked_claim": claim.pk}, format="json")
    assert itself.status_code == 400 and "linked_claim" in itself.json()
    assert not Evidence.objects.exists()
    linked = alice.post("/api/v1/evidence/", {"claim": claim.pk, "stance": "refutes",
                                              "linked_claim": claim2.pk, "question": "Who said it?"},
                        format="json")
    assert linked.status_code == 201 and linked.json()["linked_claim"] == claim2.pk
    assert linked.json()["question"] == "Who said it?"
    assert client_for("bob").delete(f"/api/v1/evidence/{linked.json()['id']}/").status_code == 404
    assert client_for("rita").delete(f"/api/v1/evidence/{linked.json()['id']}/").status_code == 204


def test_adjudications(client_for, claim, work) -> None:
    rita = client_for("rita")
    foreign_gold = rita.post("/api/v1/adjudications/", {"claim": claim.pk, "verdict": work["codes"][1],
                                                        "gold_evidence": [999]}, format="json")
    assert foreign_gold.status_code == 400 and "gold_evidence" in foreign_gold.json()
    assert not Adjudication.objects.filter(claim=claim).exists()
    created = rita.post("/api/v1/adjudications/", {"claim": claim.pk, "verdict": work["codes"][1],
                                                   "gold_evidence": [work["e_bob"].pk], "notes": "n"},
                        format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["adjudicator"] == "rita" and body["agrees_with"] == ["bob"]
    assert body["gold_evidence"] == [work["e_bob"].pk]
    # PATCH keeps what it does not name.
    changed = rita.patch(f"/api/v1/adjudications/{body['id']}/", {"notes": "n2", "version": 1}, format="json")
    assert changed.status_code == 200
    assert changed.json()["gold_evidence"] == [work["e_bob"].pk] and changed.json()["version"] == 2


def test_overriding_an_automatic_adjudication_needs_a_reason(client_for, claim, work, verdicts) -> None:
    auto = Adjudication.objects.create(claim=claim, verdict=verdicts[work["codes"][0]], method="unanimous")
    rita = client_for("rita")
    no_reason = rita.patch(f"/api/v1/adjudications/{auto.pk}/", {"verdict": work["codes"][1], "version": 1},
                           format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    ok = rita.patch(f"/api/v1/adjudications/{auto.pk}/", {"verdict": work["codes"][1], "version": 1,
                                                          "reason": "misread"}, format="json")
    assert ok.status_code == 200 and ok.json()["method"] == "adjudicated"


def test_jobs(client_for, work, article) -> None:
    max_ = client_for("max")
    suggest = max_.post("/api/v1/jobs/suggest/", {"project": "test", "article_ids": [article.pk]}, format="json")
    assert suggest.status_code == 202 and suggest.json()["params"]["article_ids"] == [article.pk]
    missing = max_.post("/api/v1/jobs/suggest/", {"project": "test", "article_ids": [999]}, format="json")
    assert missing.status_code == 400 and "article_ids" in missing.json()
    job = max_.get(f"/api/v1/jobs/{suggest.json()['id']}/").json()
    assert job["status"] == "queued" and job["created_by"] == "max"


def test_agreement_report(client_for, work) -> None:
    report = client_for("rita").get("/api/v1/projects/test/agreement/")
    assert report.status_code == 200
    body = report.json()
    assert body["available"] and body["n_annotations"] == 2 and body["annotators"] == "usernames"
    assert client_for("rita").get("/api/v1/projects/test/agreement/?fresh=maybe").status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/claims/abc/", "/api/v1/claims/99999999999999999999/",
                                  "/api/v1/projects/no such/", "/api/v1/annotations/0/"])
def test_odd_ids_are_404(path, client_for, work) -> None:
    assert client_for("rita").get(path).status_code == 404
