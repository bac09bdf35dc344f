"""Claims in articles, the relations between them, and the work done on each claim."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from .corpus import Article
from .projects import Project, Verdict

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class ClaimOrigin(models.TextChoices):
    MANUAL = "manual", _("Marked by hand")
    SUGGESTED = "suggested", _("Suggested")
    IMPORTED = "imported", _("Imported")


class ClaimStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ClaimKind(models.TextChoices):
    ATTRIBUTED = "attributed_statement", _("Attributed statement")
    EVENT = "event", _("Event")
    QUANTITY = "quantity", _("Quantity")
    POSITION = "position", _("Position")
    CAUSAL = "causal", _("Causal")
    OTHER = "other", _("Other")


class Claim(models.Model):
    """A span of an article's body; `quote == body[start:end]` in code points (a DB trigger)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    statement = models.TextField(blank=True, help_text="The claim, normalised.")
    speaker = models.CharField(max_length=300, blank=True)
    # The article states the claim in its own voice: `speaker` is then its author or outlet.
    asserted_by_article = models.BooleanField(
        default=False,
        help_text="The article itself asserts the claim; the speaker is its author, else its outlet.",
    )
    statement_date = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=24, choices=ClaimKind.choices, blank=True)
    origin = models.CharField(max_length=10, choices=ClaimOrigin.choices)
    status = models.CharField(max_length=10, choices=ClaimStatus.choices)
    score = models.FloatField(null=True, blank=True)
    engine_version = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()
    _history_user: AbstractBaseUser | None  # set before a save, for simple_history to record

    class Meta:
        ordering = ["article", "start", "end"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="claim_start_nonnegative"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_start_before_end"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="claim_score_unit_interval",
            ),
            models.UniqueConstraint(fields=["article", "start", "end"], name="claim_span_unique"),
        ]
        indexes = [models.Index(fields=["article", "status"])]

    def __str__(self) -> str:
        return self.quote[:80]


class RelationKind(models.TextChoices):
    SAME = "same", _("Same claim")
    CONTRADICTS = "contradicts", _("Contradicts")
    SUPPORTS = "supports", _("Supports")
    RELATED = "related", _("Related")


# Relations of these kinds read the same both ways, so they are stored once, lower id first.
SYMMETRIC_RELATIONS = frozenset({RelationKind.SAME, RelationKind.CONTRADICTS, RelationKind.RELATED})


class ClaimRelation(models.Model):
    """A typed link between two claims of one project, never from a claim to itself."""

    source = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=12, choices=RelationKind.choices)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "target"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="relation_not_self"),
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Annotation(models.Model):
    """One annotator's verdict on one claim; `version` guards against lost updates."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="annotations")
    # PROTECT: an annotator's work outlives their account being removed; deactivate instead.
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    verdict = models.ForeignKey(
        Verdict, on_delete=models.PROTECT, null=True, blank=True, related_name="annotations"
    )
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rationale = models.TextField(blank=True)
    time_spent_seconds = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()
    _history_user: AbstractBaseUser | None  # set before a save, for simple_history to record

    class Meta:
        ordering = ["claim", "annotator"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "annotator"], name="annotation_unique"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="annotation_confidence_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} on claim {self.claim_id}"


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    CONTEXT = "context", _("Context")


class Evidence(models.Model):
    """A source for a claim: a web page, or a claim or article of the corpus."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence"
    )
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    passage = models.TextField(blank=True)
    # AVeriTeC-style evidence: the question this source answers (the passage is the answer).
    question = models.CharField(max_length=1000, blank=True)
    stance = models.CharField(max_length=10, choices=Stance.choices)
    linked_claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="cited_as_evidence"
    )
    linked_article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="cited_as_evidence"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    _history_user: AbstractBaseUser | None  # set before a save, for simple_history to record

    class Meta:
        ordering = ["claim", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            # Exactly one source: a URL, a claim or an article of the corpus.
            models.CheckConstraint(
                condition=(
                    (~Q(url="") & Q(linked_claim__isnull=True) & Q(linked_article__isnull=True))
                    | (Q(url="") & Q(linked_claim__isnull=False) & Q(linked_article__isnull=True))
                    | (Q(url="") & Q(linked_claim__isnull=True) & Q(linked_article__isnull=False))
                ),
                name="evidence_one_source",
            ),
            models.CheckConstraint(
                condition=Q(linked_claim__isnull=True) | ~Q(linked_claim=F("claim")),
                name="evidence_not_own_claim",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or f"Evidence {self.pk}"


class AdjudicationMethod(models.TextChoices):
    UNANIMOUS = "unanimous", _("Unanimous (auto-accepted)")
    MAJORITY = "majority", _("Majority")
    ADJUDICATED = "adjudicated", _("Adjudicated by a reviewer")


class Adjudication(models.Model):
    """The final verdict of a claim; no adjudicator when auto-accepted as unanimous."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="adjudication")
    verdict = models.ForeignKey(Verdict, on_delete=models.PROTECT, related_name="adjudications")
    gold_evidence = models.ManyToManyField(Evidence, blank=True, related_name="gold_for")
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=12, choices=AdjudicationMethod.choices)
    agrees_with = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notes = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(m2m_fields=[gold_evidence])
    # Set before a save, for simple_history to record: who made the change, and why.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    class Meta:
        ordering = ["claim"]
        constraints = [
            # Only automatic unanimous decisions may lack a person who made them.
            models.CheckConstraint(
                condition=Q(adjudicator__isnull=False) | Q(method="unanimous"),
                name="adjudication_has_adjudicator",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id}: {self.verdict}"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    SKIPPED = "skipped", _("Skipped")
    DONE = "done", _("Done")


class Assignment(models.Model):
    """A slot of work: an article to find claims in, or a claim to judge, for one annotator."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    # Slots 0..overlap-1 per item: the unique slot is what makes "exactly overlap" hold
    # even when two annotators ask at the same instant.
    slot = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "annotator"],
                condition=Q(claim__isnull=False),
                name="assignment_claim_annotator_unique",
            ),
            models.UniqueConstraint(
                fields=["claim", "slot"],
                condition=Q(claim__isnull=False),
                name="assignment_claim_slot_unique",
            ),
            models.UniqueConstraint(
                fields=["article", "annotator"],
                condition=Q(claim__isnull=True),
                name="assignment_article_annotator_unique",
            ),
            models.UniqueConstraint(
                fields=["article", "slot"],
                condition=Q(claim__isnull=True),
                name="assignment_article_slot_unique",
            ),
        ]
        indexes = [models.Index(fields=["annotator", "status"])]

    def __str__(self) -> str:
        return f"{self.annotator} · {self.claim_id or self.article_id}"
