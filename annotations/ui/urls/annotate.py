"""Web UI routes: the annotate area."""

from django.urls import path

from ..views.annotate import article as annotate_article
from ..views.annotate import batches as annotate_batches
from ..views.annotate import claims as annotate_claims
from ..views.annotate import cluster as annotate_cluster
from ..views.annotate import factchecks as annotate_factchecks
from ..views.annotate import search as annotate_search
from ..views import project as project_views

urlpatterns: list = [
    # The article page and the claim cluster (annotate helper).
    path("articles/<int:article_id>/", annotate_article.article_page, name="article"),
    path("claims/<int:claim_id>/cluster/", annotate_cluster.cluster_page, name="cluster"),
    path("articles/<int:article_id>/claims/", annotate_claims.claim_create, name="claim_create"),
    path("claims/<int:claim_id>/panel/", annotate_article.claim_panel, name="claim_panel"),
    path("claims/<int:claim_id>/edit/", annotate_claims.claim_update, name="claim_update"),
    path("claims/<int:claim_id>/decide/", annotate_claims.claim_decide, name="claim_decide"),
    path("claims/<int:claim_id>/annotation/", annotate_claims.annotation_save, name="annotation_save"),
    path("claims/<int:claim_id>/evidence/", annotate_claims.evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_id>/delete/", annotate_claims.evidence_delete, name="evidence_delete"),
    path("claims/<int:claim_id>/relations/", annotate_claims.claim_relate, name="claim_relate"),
    path("relations/<int:relation_id>/delete/", annotate_claims.claim_unrelate, name="claim_unrelate"),
    path("claims/<int:claim_id>/search/", annotate_search.claim_search, name="claim_search"),
    path("claims/<int:claim_id>/factchecks/", annotate_factchecks.factcheck_list, name="factcheck_list"),
    path(
        "claims/<int:claim_id>/factchecks/<int:factcheck_id>/link/", annotate_factchecks.factcheck_link,
        name="factcheck_link",
    ),
    # Undoable changes: many suggestions at once, deleting one's own claim, and the undo.
    path("articles/<int:article_id>/claims/decide/", annotate_batches.claims_decide_batch,
         name="claims_decide_batch"),
    path("claims/<int:claim_id>/delete/", annotate_batches.claim_delete, name="claim_delete"),
    path("claim-batches/<int:batch_id>/undo/", annotate_batches.batch_undo, name="batch_undo"),
    # The project page and the work queue (queue helper).
    path("p/<slug:slug>/", project_views.project_page, name="project"),
    path("p/<slug:slug>/next/", project_views.next_item, name="next"),
    path("assignments/<int:assignment_id>/skip/", project_views.skip, name="skip"),
    path("assignments/<int:assignment_id>/done/", project_views.done, name="assignment_done"),
]
