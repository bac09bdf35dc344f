"""Web UI routes: the review area (the reviewer's queue, adjudication, agreement)."""

from django.urls import path

from ..views import review

urlpatterns: list = [
    path("p/<slug:slug>/review/", review.review_queue, name="review_queue"),
    path("p/<slug:slug>/review/backfill/", review.review_backfill, name="review_backfill"),
    path("claims/<int:claim_id>/adjudicate/", review.adjudicate, name="adjudicate"),
    path("p/<slug:slug>/agreement/", review.agreement, name="agreement"),
    path("p/<slug:slug>/agreement/job/", review.agreement_job, name="agreement_job"),
    path("p/<slug:slug>/agreement/job/status/", review.agreement_job_status, name="agreement_job_status"),
]
