"""The claim graph beyond hand-made links: check questions, their answers, proposed relations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .claims import Claim, ClaimRelation, RelationKind
from .corpus import Article
from .jobs import Job
from .projects import Project

QUESTION_MAX_CHARS = 1000


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    PARTLY = "partly", _("Partly")
    UNCLEAR = "unclear", _("Unclear")


# Two claims contradict each other when they answer one question with these two answers.
OPPOSITE_ANSWERS = frozenset({(Answer.YES, Answer.NO), (Answer.NO, Answer.YES)})


class CheckQuestion(models.Model):
    """A yes/no question that checks claims (AVeriTeC style); claims answer it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=QUESTION_MAX_CHARS, help_text=_("In the project's language."))
    text_en = models.CharField(max_length=QUESTION_MAX_CHARS, blank=True, help_text=_("In English, optional."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "text"], name="question_unique_text")]

    def __str__(self) -> str:
        return self.text[:80]


class QuestionAnswer(models.Model):
    """What one claim says in reply to a question, and who read it so (one answer per pair)."""

    question = models.ForeignKey(CheckQuestion, on_delete=models.CASCADE, related_name="answers")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="question_answers")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "claim"], name="answer_unique_claim")]

    def __str__(self) -> str:
        return f"{self.claim_id} answers {self.question_id}: {self.answer}"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a reviewer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class CandidateOrigin(models.TextChoices):
    ENGINE = "engine", _("Found by the relation job")
    QUESTION = "question", _("Opposite answers to a question")


class RelationCandidate(models.Model):
    """A relation between two spans of different articles, proposed for a reviewer to decide.

    Each side is an article span and, when one exists, the claim at it: the relation job also
    proposes sentences nobody has marked yet, which become claims when the proposal is accepted.
    Symmetric kinds are stored with the lower (article, start) first so a pair is proposed once.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="relation_candidates")
    kind = models.CharField(max_length=12, choices=RelationKind.choices)
    a_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    a_start = models.PositiveIntegerField()
    a_end = models.PositiveIntegerField()
    a_claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    b_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    b_start = models.PositiveIntegerField()
    b_end = models.PositiveIntegerField()
    b_claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    # The engine's pair features as scored: what a retrain learns from once the pair is decided.
    features = models.JSONField(default=dict, blank=True)
    origin = models.CharField(max_length=10, choices=CandidateOrigin.choices)
    question = models.ForeignKey(
        CheckQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    relation = models.ForeignKey(
        ClaimRelation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-score", "pk"]
        indexes = [models.Index(fields=["project", "status", "-score"])]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "a_article", "a_start", "a_end", "b_article", "b_start", "b_end"],
                name="candidate_unique_pair",
            ),
            models.CheckConstraint(condition=~Q(a_article=F("b_article")), name="candidate_across_articles"),
        ]

    def __str__(self) -> str:
        return f"{self.a_article_id}:{self.a_start}-{self.a_end} {self.kind} {self.b_article_id}:{self.b_start}-{self.b_end}"


class RelationModel(models.Model):
    """A project's pair-ranking weights, fitted on its reviewers' decisions on candidates."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="relation_models")
    weights = models.JSONField()
    decisions = models.PositiveIntegerField()
    positives = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["project", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="relation_model_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"relation model {self.pk} of {self.project_id}"
