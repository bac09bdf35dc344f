"""Fixtures of the API tests: token clients per persona and a project with work done in it.

In `project` (blind, overlap 2): alice and bob annotate `claim`, each with one piece of evidence;
rita adjudicates `claim2`; `candidate` is a suggestion nobody decided yet.
"""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from annotations.models import (
    Answer,
    Article,
    CandidateOrigin,
    CheckQuestion,
    QuestionAnswer,
    ReferenceFactCheck,
    RelationCandidate,
    body_hash,
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Claim,
    ClaimOrigin,
    DatasetRelease,
    ReleaseFile,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Job,
    JobKind,
    RelationKind,
    Stance,
)
from annotations.services.tokens import token_issue
from tests.conftest import BODY

# High enough that no test is throttled by accident; the throttling tests set their own.
TEST_RATES = {"anon": "10000/minute", "user": "100000/minute"}


@pytest.fixture(autouse=True)
def _api_settings(settings) -> None:
    """Generous rates and a clean throttle cache for every API test."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": TEST_RATES}
    cache.clear()


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(users):
    """An API client authenticated with the persona's token (the way scripts call the API)."""
    made: dict[str, APIClient] = {}

    def make(name: str) -> APIClient:
        if name not in made:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=users[name]).key}")
            made[name] = client
        return made[name]

    return make


@pytest.fixture
def claim2(article, alice) -> Claim:
    """A second accepted claim, on Vance's statement."""
    start = BODY.index("JD Vance")
    end = BODY.index("concessions.") + len("concessions.")
    return Claim.objects.create(
        article=article, start=start, end=end, quote=BODY[start:end], speaker="JD Vance",
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=alice,
    )


@pytest.fixture
def candidate(article) -> Claim:
    """A suggested claim nobody has decided on."""
    start = BODY.index("Le sommet")
    end = len(BODY)
    return Claim.objects.create(
        article=article, start=start, end=end, quote=BODY[start:end], score=0.7,
        origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE,
    )


@pytest.fixture
def work(project, article, claim, claim2, candidate, verdicts, users) -> dict:
    """Annotations, evidence, a relation, an adjudication and a job in `project`."""
    alice, bob, rita, max_ = users["alice"], users["bob"], users["rita"], users["max"]
    codes = list(verdicts)
    a_alice = Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts[codes[0]],
                                        rationale="alice's reason")
    a_bob = Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts[codes[1]],
                                      rationale="bob's reason")
    e_alice = Evidence.objects.create(claim=claim, added_by=alice, url="https://example.org/a",
                                      stance=Stance.SUPPORTS, title="alice's source")
    e_bob = Evidence.objects.create(claim=claim, added_by=bob, url="https://example.org/b",
                                    stance=Stance.REFUTES, title="bob's source")
    relation = ClaimRelation.objects.create(source=claim, target=claim2, kind=RelationKind.CONTRADICTS,
                                            created_by=alice)
    adjudication = Adjudication.objects.create(claim=claim2, verdict=verdicts[codes[0]], adjudicator=rita,
                                               method=AdjudicationMethod.ADJUDICATED)
    job = Job.objects.create(project=project, kind=JobKind.SUGGEST, created_by=max_)
    return {
        "a_alice": a_alice, "a_bob": a_bob, "e_alice": e_alice, "e_bob": e_bob,
        "relation": relation, "adjudication": adjudication, "job": job, "codes": codes,
    }


@pytest.fixture
def graph(work, project, article, claim, users) -> dict:
    """A second article whose claim answers alice's question the other way, and the proposal."""
    alice = users["alice"]
    # The claim graph: a second article whose claim answers alice's question the other way.
    other_body = "Selon Vance, la Russie a fait d'importantes concessions."
    other = Article.objects.create(project=project, title="Vance", body=other_body,
                                   body_hash=body_hash(other_body), language="fr")
    claim3 = Claim.objects.create(article=other, start=0, end=len(other_body), quote=other_body,
                                  origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=alice)
    question = CheckQuestion.objects.create(project=project, text="La Russie a-t-elle fait des concessions ?",
                                            created_by=alice)
    answer = QuestionAnswer.objects.create(question=question, claim=claim, answer=Answer.NO, answered_by=alice)
    QuestionAnswer.objects.create(question=question, claim=claim3, answer=Answer.YES, answered_by=alice)
    proposal = RelationCandidate.objects.create(
        project=project, kind=RelationKind.CONTRADICTS, a_article=article, a_start=claim.start, a_end=claim.end,
        a_claim=claim, b_article=other, b_start=0, b_end=len(other_body), b_claim=claim3, score=1.0,
        reasons=["opposite answers"], origin=CandidateOrigin.QUESTION, question=question,
    )
    factcheck = ReferenceFactCheck.objects.create(
        project=project, url="https://factuel.example.org/verifications/position-russe-inchangee",
        claim_reviewed="La position de la Russie reste inchangée après le sommet.", publisher="Factuel Exemple",
        rating_text="Partiellement vrai", rating_value=3, best_rating=5, worst_rating=1, language="fr",
    )
    return {"claim3": claim3, "question": question, "answer": answer, "proposal": proposal, "factcheck": factcheck}


RELEASE_BYTES = b'{"id": 1, "quote": "Serguei Lavrov"}\n' * 100


@pytest.fixture
def release(project, users, settings, tmp_path) -> DatasetRelease:
    """A finished release of `project` with one JSONL file under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    folder = tmp_path / "releases" / project.slug / "v1"
    folder.mkdir(parents=True)
    (folder / "test-v1.jsonl").write_bytes(RELEASE_BYTES)
    release = DatasetRelease.objects.create(
        project=project, version="v1", counts={"claims": 100}, card="# test v1", created_by=users["max"]
    )
    ReleaseFile.objects.create(
        release=release, format="jsonl", file=f"releases/{project.slug}/v1/test-v1.jsonl",
        size=len(RELEASE_BYTES), sha256=hashlib.sha256(RELEASE_BYTES).hexdigest(),
    )
    return release
