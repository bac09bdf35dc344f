"""Background jobs and the dataset releases some of them produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.db.models import F, Q

from .projects import Project


class JobKind(models.TextChoices):
    IMPORT = "import", _("Import articles")
    SUGGEST = "suggest", _("Suggest claims")
    RETRAIN = "retrain", _("Retrain suggestion model")
    AGREEMENT = "agreement", _("Compute agreement")
    EXPORT = "export", _("Build dataset release")
    RELATIONS = "relations", _("Find related claims")
    ARCHIVE = "archive", _("Import a project archive")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
# What a manager may still stop, and what may be run again.
CANCELLABLE_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
RETRYABLE_STATUSES = frozenset({JobStatus.FAILED, JobStatus.CANCELLED})


def job_upload_path(job: "Job", filename: str) -> str:
    """Keep each job's input in its own folder under MEDIA_ROOT."""
    return f"jobs/{job.project_id}/inputs/{filename}"


# The phases services report (Progress), as people read them; an unknown one is shown as recorded.
JOB_PHASES = {
    "validating": pgettext_lazy("job phase", "validating"),
    "importing": pgettext_lazy("job phase", "importing"),
    "import": pgettext_lazy("job phase", "importing"),
    "fetching": pgettext_lazy("job phase", "fetching pages"),
    "export": pgettext_lazy("job phase", "exporting"),
    "indexing": pgettext_lazy("job phase", "indexing"),
    "suggesting": pgettext_lazy("job phase", "suggesting"),
    "rescoring waiting suggestions": pgettext_lazy("job phase", "rescoring waiting suggestions"),
    "collecting decisions": pgettext_lazy("job phase", "collecting decisions"),
    "cross-validating": pgettext_lazy("job phase", "cross-validating"),
    "fitting": pgettext_lazy("job phase", "fitting"),
    "proposing": pgettext_lazy("job phase", "proposing relations"),
    "computing agreement": pgettext_lazy("job phase", "computing agreement"),
}


class Job(models.Model):
    """One background job: what it was asked, how far it got and how it ended."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=10, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    phase = models.CharField(max_length=40, blank=True)
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    input_file = models.FileField(upload_to=job_upload_path, blank=True, max_length=500)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The run that holds the job: a token per run, its worker, and its last sign of life. A
    # delivery finding a live lease leaves the job alone; the reconciler takes stale ones back.
    lease = models.CharField(max_length=32, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the job was last handed to the broker; a queued job not picked up is sent again.
    queued_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_total=0) | Q(progress_done__lte=F("progress_total")),
                name="job_progress_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "kind", "status"]),
            # The reconciler's sweep reads unfinished jobs only.
            models.Index(
                fields=["status", "heartbeat_at"], name="job_unfinished_idx",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def phase_label(self) -> str:
        """The phase in the reader's language (services record it in English, as a key)."""
        return str(JOB_PHASES.get(self.phase, self.phase))

    @property
    def percent(self) -> int:
        """Progress as a whole percentage; 100 once succeeded."""
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))


class DatasetRelease(models.Model):
    """An immutable, versioned snapshot of adjudicated claims."""

    # PROTECT: a published release is deleted on purpose, never as a side effect.
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="releases")
    version = models.CharField(max_length=40)
    job = models.OneToOneField(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="release"
    )
    filters = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    agreement = models.JSONField(default=dict, blank=True)
    card = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="release_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project.slug} {self.version}"


class ReleaseFile(models.Model):
    """One file of a release, with its size and checksum."""

    release = models.ForeignKey(DatasetRelease, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=20)
    file = models.FileField(max_length=500)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["release", "format"]
        constraints = [
            models.UniqueConstraint(fields=["release", "format"], name="release_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.release} · {self.format}"
