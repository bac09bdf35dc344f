"""The claim graph's write and read paths: questions, answers, contradictions, proposals, releases."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.access import NotFound, StaleVersion
from annotations.models import (
    Answer,
    Article,
    CandidateOrigin,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    QuestionAnswer,
    RelationCandidate,
    RelationKind,
    body_hash,
)
from annotations.selectors import graph as graph_selectors
from annotations.services import graph as graph_services
from tests.conftest import BODY

pytestmark = pytest.mark.django_db

QUESTION = "La Russie a-t-elle fait des concessions à Trump lors du sommet d'Anchorage ?"
VANCE_BODY = "Selon JD Vance, la Russie a fait d'importantes concessions au président Trump."


@pytest.fixture
def vance(project, alice) -> Claim:
    """Vance's claim, in a second article of the project."""
    article = Article.objects.create(project=project, title="Vance", body=VANCE_BODY,
                                     body_hash=body_hash(VANCE_BODY), language="fr")
    return Claim.objects.create(article=article, start=0, end=len(VANCE_BODY), quote=VANCE_BODY,
                                origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=alice)


def test_a_question_written_on_a_claim_records_its_answer_and_history(project, claim, alice):
    question = graph_services.question_create(
        project=project, by=alice, text=f"  {QUESTION}  ", text_en="Did Russia make concessions?",
        claim=claim, answer=Answer.NO,
    )
    assert question.text == QUESTION  # whitespace tidied
    answer = QuestionAnswer.objects.get(question=question, claim=claim)
    assert (answer.answer, answer.answered_by) == (Answer.NO, alice)
    assert question.history.first().history_user == alice
    assert answer.history.first().history_user == alice


def test_bad_questions_are_refused_and_change_nothing(project, claim, alice):
    with pytest.raises(ValidationError) as empty:
        graph_services.question_create(project=project, by=alice, text="   ")
    assert "text" in empty.value.message_dict
    graph_services.question_create(project=project, by=alice, text=QUESTION)
    with pytest.raises(ValidationError) as twice:
        graph_services.question_create(project=project, by=alice, text=QUESTION)
    assert "text" in twice.value.message_dict
    with pytest.raises(ValidationError):
        graph_services.question_create(project=project, by=alice, text="x" * 1001)
    assert CheckQuestion.objects.count() == 1


def test_only_those_who_find_claims_write_questions(project, claim, rhea, charlie):
    with pytest.raises(PermissionDenied):
        graph_services.question_create(project=project, by=rhea, text=QUESTION)
    with pytest.raises(NotFound):
        graph_services.question_create(project=project, by=charlie, text=QUESTION)
    assert not CheckQuestion.objects.exists()


def test_a_question_is_reworded_by_its_author_or_a_reviewer_and_deleted_by_a_reviewer(project, alice, bob, rita):
    question = graph_services.question_create(project=project, by=alice, text=QUESTION)
    with pytest.raises(PermissionDenied):
        graph_services.question_update(question=question, by=bob, version=1, text="Autre ?")
    question = graph_services.question_update(question=question, by=rita, version=1, text="Autre ?")
    assert (question.text, question.version) == ("Autre ?", 2)
    with pytest.raises(StaleVersion):
        graph_services.question_update(question=question, by=alice, version=1, text="Encore ?")
    with pytest.raises(PermissionDenied):
        graph_services.question_delete(question=question, by=alice)
    graph_services.question_delete(question=question, by=rita)
    assert not CheckQuestion.objects.exists()


def test_opposite_answers_across_articles_are_a_contradiction_and_propose_a_relation(project, claim, vance, alice, bob):
    question = graph_services.question_create(project=project, by=alice, text=QUESTION, claim=vance, answer=Answer.YES)
    assert not RelationCandidate.objects.exists()  # one answer contradicts nothing
    graph_services.answer_set(question=question, claim=claim, answer=Answer.NO, by=bob)

    proposal = RelationCandidate.objects.get()
    assert proposal.kind == RelationKind.CONTRADICTS
    assert proposal.origin == CandidateOrigin.QUESTION and proposal.question == question
    assert {proposal.a_claim, proposal.b_claim} == {claim, vance}
    assert proposal.a_article_id < proposal.b_article_id  # stored once, in span order
    assert QUESTION in proposal.reasons[0]

    page = graph_selectors.question_page_for_user(alice, question.pk)
    assert [g[0] for g in page.groups] == [Answer.YES, Answer.NO]
    assert len(page.contradictions) == 1
    (item,) = graph_selectors.questions_of_claim(claim)
    assert item.opposed_by == (vance,)
    assert graph_selectors.contradicting_claims(claim) == [vance]

    # Answering again the same way proposes nothing more; "partly" opposes nothing.
    graph_services.answer_set(question=question, claim=claim, answer=Answer.NO, by=bob)
    graph_services.answer_set(question=question, claim=claim, answer=Answer.PARTLY, by=bob)
    assert RelationCandidate.objects.count() == 1
    assert graph_selectors.questions_of_claim(claim)[0].opposed_by == ()


def test_answers_are_checked(project, claim, vance, alice, rhea):
    question = graph_services.question_create(project=project, by=alice, text=QUESTION)
    with pytest.raises(ValidationError):
        graph_services.answer_set(question=question, claim=claim, answer="maybe", by=alice)
    with pytest.raises(PermissionDenied):
        graph_services.answer_set(question=question, claim=claim, answer=Answer.YES, by=rhea)
    other_body = "Un autre projet."
    from annotations.models import Project
    from annotations.services.projects import default_scheme

    elsewhere = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    article = Article.objects.create(project=elsewhere, body=other_body, body_hash=body_hash(other_body))
    stranger = Claim.objects.create(article=article, start=0, end=3, quote=other_body[:3],
                                    origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        graph_services.answer_set(question=question, claim=stranger, answer=Answer.YES, by=alice)
    assert not QuestionAnswer.objects.exists()


def test_accepting_a_proposal_links_the_claims_marking_and_accepting_them(project, article, vance, rita, alice):
    # One side is an unmarked sentence, the other a suggestion nobody decided.
    start = BODY.index("JD Vance")
    end = BODY.index("concessions.") + len("concessions.")
    vance.status = ClaimStatus.CANDIDATE
    vance.origin = ClaimOrigin.SUGGESTED
    vance.save()
    proposal = graph_services.candidate_propose(
        project_id=project.pk, kind=RelationKind.SAME, a=(article.pk, start, end), b=vance,
        score=0.8, reasons=["same entities: Vance"], origin=CandidateOrigin.ENGINE, features={"cos": 0.8},
    )
    assert proposal is not None
    # The same pair proposed again is not a second proposal.
    assert graph_services.candidate_propose(
        project_id=project.pk, kind=RelationKind.SAME, a=vance, b=(article.pk, start, end),
        score=0.5, reasons=[], origin=CandidateOrigin.ENGINE,
    ) is None
    with pytest.raises(PermissionDenied):
        graph_services.candidate_decide(candidate=proposal, by=alice, status=CandidateStatus.ACCEPTED, version=1)

    decided = graph_services.candidate_decide(candidate=proposal, by=rita, status=CandidateStatus.ACCEPTED, version=1)
    marked = Claim.objects.get(article=article, start=start, end=end)
    assert marked.status == ClaimStatus.ACCEPTED and marked.created_by == rita
    vance.refresh_from_db()
    assert vance.status == ClaimStatus.ACCEPTED
    relation = ClaimRelation.objects.get()
    assert {relation.source_id, relation.target_id} == {marked.pk, vance.pk} and relation.kind == RelationKind.SAME
    assert decided.relation == relation and decided.decided_by == rita
    with pytest.raises(StaleVersion):
        graph_services.candidate_decide(candidate=decided, by=rita, status=CandidateStatus.REJECTED, version=1)


def test_a_rejected_proposal_stays_rejected_when_proposed_again(project, claim, vance, rita):
    proposal = graph_services.candidate_propose(
        project_id=project.pk, kind=RelationKind.CONTRADICTS, a=claim, b=vance, score=0.6, reasons=["x"],
        origin=CandidateOrigin.ENGINE,
    )
    graph_services.candidate_decide(candidate=proposal, by=rita, status=CandidateStatus.REJECTED, version=1)
    again = graph_services.candidate_propose(
        project_id=project.pk, kind=RelationKind.CONTRADICTS, a=vance, b=claim, score=0.9, reasons=["y"],
        origin=CandidateOrigin.ENGINE,
    )
    assert again is None
    proposal.refresh_from_db()
    assert proposal.status == CandidateStatus.REJECTED and proposal.score == 0.6
    assert not ClaimRelation.objects.exists()


def test_linking_to_a_suggestion_can_accept_it(project, claim, vance, alice):
    vance.status, vance.origin = ClaimStatus.CANDIDATE, ClaimOrigin.SUGGESTED
    vance.save()
    graph_services.relate_and_accept(source=claim, target=vance, kind=RelationKind.CONTRADICTS, by=alice,
                                     accept_target=True)
    vance.refresh_from_db()
    assert vance.status == ClaimStatus.ACCEPTED and vance.decided_by == alice
    assert ClaimRelation.objects.filter(kind=RelationKind.CONTRADICTS).count() == 1


def test_the_graph_is_hidden_from_researchers_and_outsiders(project, claim, vance, alice, rhea, charlie, rita):
    question = graph_services.question_create(project=project, by=alice, text=QUESTION, claim=claim, answer="no")
    with pytest.raises(PermissionDenied):
        graph_selectors.question_page_for_user(rhea, question.pk)
    with pytest.raises(NotFound):
        graph_selectors.question_page_for_user(charlie, question.pk)
    with pytest.raises(PermissionDenied):
        graph_selectors.candidates_for_user(alice, project)
    assert list(graph_selectors.candidates_for_user(rita, project)) == []


def test_releases_carry_questions_relations_and_averitec_question_answers(project, claim, vance, alice):
    from annotations.exporters.averitec import _check_question
    from annotations.selectors.releases import _graph_of

    question = graph_services.question_create(project=project, by=alice, text=QUESTION, text_en="Did Russia concede?",
                                              claim=vance, answer=Answer.YES)
    graph_services.answer_set(question=question, claim=claim, answer=Answer.NO, by=alice)
    ClaimRelation.objects.create(source=claim, target=vance, kind=RelationKind.CONTRADICTS, created_by=alice)
    questions, relations = _graph_of([claim.pk, vance.pk])
    (mine,) = questions[vance.pk]
    assert (mine["text"], mine["text_en"], mine["answer"]) == (QUESTION, "Did Russia concede?", "yes")
    assert [o["claim_id"] for o in mine["answered_by"]] == [claim.pk]
    assert relations[claim.pk] == [{"kind": "contradicts", "claim_id": vance.pk, "direction": "out"}]
    assert relations[vance.pk] == [{"kind": "contradicts", "claim_id": claim.pk, "direction": "in"}]
    averitec = _check_question(mine)
    assert averitec["question"] == "Did Russia concede?"
    assert averitec["answers"][0]["answer"] == "No" and averitec["answers"][0]["answer_type"] == "Boolean"
    assert averitec["answers"][0]["boolean_explanation"] == claim.quote
    # A question nobody else answers carries no evidence: left out, never `answers: []`.
    assert _check_question({**mine, "answered_by": []}) is None
    json.dumps(mine)  # plain JSON
