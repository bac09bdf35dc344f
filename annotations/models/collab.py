"""Discussion and what concerns a user: comments on claims and questions, and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .claims import Claim
from .graph import CheckQuestion
from .jobs import DatasetRelease, Job
from .projects import Project

COMMENT_MAX_CHARS = 5000


class Comment(models.Model):
    """A message in the thread of a claim or of a check question (exactly one of the two)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    question = models.ForeignKey(
        CheckQuestion, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=COMMENT_MAX_CHARS)
    # Members named with @username in the body, checked against the project when posted.
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[mentions])

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["claim", "created_at"]), models.Index(fields=["question", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=False, question__isnull=True)
                | Q(claim__isnull=True, question__isnull=False),
                name="comment_on_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {'claim ' + str(self.claim_id) if self.claim_id else 'question ' + str(self.question_id)}"


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mentioned in a comment")
    ADJUDICATED = "adjudicated", _("A claim you judged was adjudicated")
    DISAGREEMENT = "disagreement", _("A disagreement waits for review")
    JOB_FINISHED = "job_finished", _("A job you started finished")
    RELEASE_READY = "release_ready", _("A dataset release is ready")


class Notification(models.Model):
    """Something that concerns one user, with what it is about; shown only while they may see it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    question = models.ForeignKey(CheckQuestion, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    release = models.ForeignKey(DatasetRelease, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}"
