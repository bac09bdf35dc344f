"""Undoable changes to claims: a batch of decisions, or the deletion of a claim."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .corpus import Article


class BatchKind(models.TextChoices):
    DECIDE = "decide", _("Decisions on suggestions")
    DELETE = "delete", _("Deletion of a claim")


class ClaimBatch(models.Model):
    """What one action changed, kept so that one undo restores exactly the states before it.

    `items` holds, for a decision batch, each claim's id with its status, decider and version
    before and its version after; for a deletion, the claim and the rows that went with it as
    Django's serializer writes them. Kept after an undo (`undone_at`): it is history.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claim_batches")
    kind = models.CharField(max_length=8, choices=BatchKind.choices)
    # For a decision batch: the status given (accepted or rejected); empty for a deletion.
    status = models.CharField(max_length=10, blank=True)
    items = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    # PROTECT, like annotations: who changed claims outlives their account being removed.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "claim batches"
        indexes = [models.Index(fields=["article", "created_by"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.size} · article {self.article_id}"
