"""Web UI routes: the claim graph (questions, related claims, proposed relations)."""

from django.urls import path

from ..views.graph import candidates, panel, questions

urlpatterns: list = [
    # From a claim's panel.
    path("claims/<int:claim_id>/related/", panel.related_list, name="related_list"),
    path("claims/<int:claim_id>/related/link/", panel.related_link, name="related_link"),
    path("claims/<int:claim_id>/questions/", panel.question_create, name="question_create"),
    path("claims/<int:claim_id>/questions/search/", panel.question_search, name="question_search"),
    path("claims/<int:claim_id>/answers/", panel.answer_set, name="answer_set"),
    path("answers/<int:answer_id>/remove/", panel.answer_remove, name="answer_remove"),
    # Questions.
    path("p/<slug:slug>/questions/", questions.question_list, name="questions"),
    path("questions/<int:question_id>/", questions.question_page, name="question"),
    path("questions/<int:question_id>/edit/", questions.question_edit, name="question_edit"),
    path("questions/<int:question_id>/delete/", questions.question_delete, name="question_delete"),
    path("questions/<int:question_id>/candidates/", questions.answer_candidates, name="question_candidates"),
    path("questions/<int:question_id>/answers/", questions.question_answer, name="question_answer"),
    # Proposed relations (reviewers) and the job that proposes them (managers).
    path("p/<slug:slug>/relations/", candidates.candidate_queue, name="relation_candidates"),
    path("relation-candidates/<int:candidate_id>/decide/", candidates.candidate_decide, name="candidate_decide"),
    path("p/<slug:slug>/jobs/relations/", candidates.relations_start, name="relations_start"),
]
