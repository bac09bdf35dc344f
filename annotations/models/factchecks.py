"""Reference fact checks: published ClaimReviews imported from feeds, to match claims against."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .jobs import Job
from .projects import Project


class ReferenceFactCheck(models.Model):
    """One ClaimReview of a fact-checking organisation (a feed's item), kept as published.

    The rating is the publisher's own (its text, and its numbers on its own scale where the feed
    gives them); `raw` is the item as read, so nothing of the feed is lost.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reference_factchecks")
    url = models.URLField(_("review URL"), max_length=2000)
    claim_reviewed = models.TextField(_("claim reviewed"))
    claimant = models.CharField(max_length=300, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    publisher_site = models.CharField(max_length=300, blank=True)
    rating_text = models.CharField(max_length=300, blank=True)
    rating_value = models.FloatField(null=True, blank=True)
    best_rating = models.FloatField(null=True, blank=True)
    worst_rating = models.FloatField(null=True, blank=True)
    language = models.CharField(max_length=12, blank=True)
    review_date = models.DateField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    # The claim reviewed as a unit float32 vector, computed by the import (in the worker) so that
    # matching a claim never embeds a whole feed in a web request; `embedder` names the model.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    embedder = models.CharField(max_length=100, blank=True, editable=False)
    import_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    import_position = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["embedding", "embedder"])

    class Meta:
        ordering = ["project", "-review_date", "pk"]
        verbose_name = _("reference fact check")
        constraints = [
            models.UniqueConstraint(fields=["project", "url"], name="factcheck_unique_url"),
        ]

    def __str__(self) -> str:
        return f"{self.publisher or self.url}: {self.claim_reviewed[:60]}"
