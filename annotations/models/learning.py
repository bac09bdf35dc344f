"""The per-project suggestion model learnt from annotators' decisions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .jobs import Job
from .projects import Project


class SuggestionModel(models.Model):
    """One fitted version of a project's classifier, with its cross-validated figures.

    `weights` holds the learnt vocabulary, idf weights and coefficients as plain JSON, and
    annotations.suggest.learner.Scorer rebuilds the scorer from them. Nothing is pickled: stored
    models are never loaded from anything a user uploaded (or could have written), so loading
    one can never run code.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="suggestion_models")
    version = models.PositiveIntegerField()
    engine_version = models.CharField(max_length=60)
    n_examples = models.PositiveIntegerField()
    n_positive = models.PositiveIntegerField()
    cv_precision = models.FloatField()
    cv_recall = models.FloatField()
    cv_folds = models.PositiveSmallIntegerField()
    # Ranking quality over the same out-of-fold decisions: does the model order them better than
    # the engine alone? Empty for models fitted before these figures were kept.
    cv_ap_engine = models.FloatField(null=True, blank=True, help_text="Average precision of the engine alone.")
    cv_ap_model = models.FloatField(null=True, blank=True, help_text="Average precision of the model.")
    params = models.JSONField(default=dict, blank=True, help_text="How it was fitted.")
    weights = models.JSONField()
    is_current = models.BooleanField(default=True)
    job = models.OneToOneField(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestion_model"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="suggestion_model_version_unique"),
            # The suggest job blends in exactly one model per project.
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="suggestion_model_one_current"
            ),
            models.CheckConstraint(
                condition=Q(cv_precision__gte=0, cv_precision__lte=1, cv_recall__gte=0, cv_recall__lte=1),
                name="suggestion_model_figures_unit_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} suggestion model v{self.version}"
