"""Publications and the articles imported from them."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from .projects import Project


class Outlet(models.Model):
    """A publication as one project knows it: each project keeps its own, like its articles."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outlets")
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    language = models.CharField(max_length=12, blank=True)
    # The import that created it, so undoing that import can remove it too.
    import_job = models.ForeignKey(
        "annotations.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="outlet_name_unique_in_project"),
        ]

    def __str__(self) -> str:
        return self.name


def body_hash(body: str) -> str:
    """Hex SHA-256 of a stored body: the key for duplicate detection within a project."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class Article(models.Model):
    """A text claims point into; the body never changes once a claim does (a DB trigger)."""

    # No index of its own: every index of the table below starts with the project (each one is
    # written by every imported row).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="articles", db_index=False)
    # RESTRICT, not PROTECT: an outlet with articles cannot be deleted alone, but deleting the
    # project deletes both.
    outlet = models.ForeignKey(
        Outlet, on_delete=models.RESTRICT, null=True, blank=True, related_name="articles"
    )
    external_id = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=12, blank=True)
    body = models.TextField()
    body_hash = models.CharField(max_length=64, editable=False)
    metadata = models.JSONField(default=dict, blank=True)
    import_job = models.ForeignKey(
        "annotations.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The record's ordinal in its import source: with import_job, where the article came from,
    # and how a restarted import job recognises the rows it already wrote.
    import_position = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "body_hash"], name="article_body_unique"),
            models.CheckConstraint(condition=~models.Q(body=""), name="article_body_not_empty"),
        ]
        indexes = [
            # The article list sorted by date or by title, id breaking ties (ArticleFilter): page
            # 1 reads 26 index entries instead of sorting every article of the project (0.4–0.7 s
            # at 1,000,000); the date index also serves the date filters.
            models.Index(fields=["project", "published_on", "id"], name="article_project_date_idx"),
            models.Index(fields=["project", "title", "id"], name="article_project_title_idx"),
            # Lists and the queue walk a project's articles in id order: page 1 of 50,000 reads
            # 50 index entries instead of sorting them all when the planner's statistics are off.
            models.Index(fields=["project", "id"], name="article_project_id_idx"),
            # The list's language menu: one probe per language (project_languages), not a read
            # of every article of the project.
            models.Index(fields=["project", "language"], name="article_project_language_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"Article {self.pk}"
