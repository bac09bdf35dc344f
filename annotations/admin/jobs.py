"""Admin for background jobs and dataset releases: read-only, since workers and services write them;
managers cancel and retry jobs through the services."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from ..access import Capability, NotFound
from ..models import DatasetRelease, Job, JobKind, JobStatus, ReleaseFile
from ..services.imports import import_counts
from ..services.jobs import JobQueueUnavailable, job_cancel, job_retry
from .base import ReadOnlyInline, ScopedAdmin, count_of, may
from .filters import ProjectFilter

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _ReleaseCounts(TypedDict):
        """What DatasetReleaseAdmin.get_queryset annotates on each release."""

        file_count: int


def pretty_json(value: object) -> str:
    """JSON laid out for reading."""
    if not value:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))


def _import_outcome(result: dict) -> str:
    """An import's counts, and the duplicates it skipped."""
    summary = format_html(
        "<p><strong>{}</strong> ({})</p>", import_counts({**result, "claims": 0}), result.get("source", ""),
    )
    duplicates = result.get("duplicate_lines") or []
    if not duplicates:
        return summary
    rows = format_html_join(
        "", "<li>{}, line {}: {}</li>",
        ((d.get("file", ""), d.get("line", "—"), d.get("title", "")) for d in duplicates),
    )
    return format_html("{}<p>Skipped as duplicates:</p><ul>{}</ul>", summary, rows)


def _refusal(result: dict) -> str:
    """The lines a refused source was refused for: file, line, field, message."""
    errors = result.get("errors") or []
    count = result.get("error_count", len(errors))
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (e.get("file") or "", e.get("line") or "—", e.get("field") or "—", e.get("message") or "")
            for e in errors
        ),
    )
    more = f"… and {count - len(errors)} more." if count > len(errors) else ""
    return format_html(
        "<p><strong>Refused: {} bad line{}; nothing was imported.</strong></p>"
        "<table><thead><tr><th>file</th><th>line</th><th>field</th><th>problem</th></tr></thead>"
        "<tbody>{}</tbody></table><p>{}</p>",
        count, "" if count == 1 else "s", rows, more,
    )


@admin.register(Job)
class JobAdmin(ScopedAdmin):
    """What each background job was asked, how far it got and how it ended."""

    view_capability = Capability.MANAGE
    list_display = (
        "__str__", "kind", "project", "status", "phase", "percent_done", "created_by", "created_at",
        "finished_at",
    )
    list_display_links = ("__str__",)
    list_select_related = ("project", "created_by")
    list_filter = (ProjectFilter, "kind", "status")
    search_fields = ("phase", "error")
    date_hierarchy = "created_at"
    fields = (
        "project", "kind", "status", "phase", "progress", "outcome", "error", "input_file",
        "params_shown", "result_shown", "attempts", "worker", "heartbeat_at", "cancel_requested_at",
        "created_by", "created_at", "queued_at", "started_at", "finished_at",
    )
    readonly_fields = fields
    actions = ("cancel_jobs", "retry_jobs")

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Whether the user manages any project (the actions' permission; the services check each job)."""
        return may(request, Capability.MANAGE)

    @admin.action(description="Cancel selected jobs", permissions=["manage"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Cancel each queued job, ask each running one to stop; say which were skipped and why."""
        done, skipped, _untried = _each_job(request, queryset, job_cancel)
        stopping = sum(1 for job in done if job.status != JobStatus.CANCELLED)
        if done:
            note = f" ({stopping} running: they stop at their next step and undo their work)" if stopping else ""
            self.message_user(request, f"{_jobs(len(done))} cancelled{note}.", messages.SUCCESS)
        _report_skipped(self, request, skipped)

    @admin.action(description="Retry selected jobs", permissions=["manage"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Queue each failed or cancelled job again; say which were skipped and why."""
        done, skipped, untried = _each_job(request, queryset, job_retry)
        if done:
            self.message_user(request, f"{_jobs(len(done))} queued again.", messages.SUCCESS)
        _report_skipped(self, request, skipped)
        if untried:
            self.message_user(
                request, f"Not tried, as the job queue cannot be reached: {_ids(untried)}.", messages.WARNING
            )

    @admin.display(description="done", ordering="progress_done")
    def percent_done(self, obj: Job) -> str:
        return f"{obj.percent}%"

    @admin.display(description="progress")
    def progress(self, obj: Job) -> str:
        total = obj.progress_total
        done = total if obj.status == JobStatus.SUCCEEDED else obj.progress_done
        counts = f" — {done} / {total}" if total else ""
        return format_html(
            '<progress max="100" value="{}" style="width:20em">{}%</progress> {}%{}',
            obj.percent, obj.percent, obj.percent, counts,
        )

    @admin.display(description="outcome")
    def outcome(self, obj: Job) -> str:
        result = obj.result or {}
        if result.get("refused"):
            return _refusal(result)
        if "created" in result:
            return _import_outcome(result)
        if obj.kind == JobKind.EXPORT and result.get("release"):
            url = reverse("admin:annotations_datasetrelease_change", args=[result["release"]])
            return format_html(
                '<p><strong>Release <a href="{}">{}</a>: {} claims.</strong></p>', url,
                result.get("version", ""), result.get("claims", 0),
            )
        if obj.status == JobStatus.FAILED:
            return "Failed: see the error below."
        if obj.status == JobStatus.CANCELLED:
            return "Cancelled: see the reason below."
        return "—" if obj.status != JobStatus.SUCCEEDED else "Succeeded."

    @admin.display(description="parameters")
    def params_shown(self, obj: Job) -> str:
        return pretty_json(obj.params)

    @admin.display(description="result")
    def result_shown(self, obj: Job) -> str:
        return pretty_json(obj.result)


def _each_job(
    request: HttpRequest, queryset: QuerySet, service: Callable[..., Job]
) -> tuple[list[Job], list[tuple[Job, str]], list[Job]]:
    """Apply a job service to each selected job, each in its own transaction.

    Returns the jobs changed, those the service refused (with why), and those not tried because
    the job queue cannot be reached (trying each would only wait for the broker again).
    """
    done: list[Job] = []
    skipped: list[tuple[Job, str]] = []
    jobs = list(queryset.select_related("project").order_by("pk"))
    for index, job in enumerate(jobs):
        try:
            done.append(service(job=job, by=request.user))
        except ValidationError as exc:
            skipped.append((job, "; ".join(exc.messages)))
        except (PermissionDenied, NotFound) as exc:
            skipped.append((job, str(exc) or "You do not manage this job's project."))
        except JobQueueUnavailable as exc:
            skipped.append((job, str(exc)))
            return done, skipped, jobs[index + 1:]
    return done, skipped, []


def _report_skipped(model_admin: admin.ModelAdmin, request: HttpRequest, skipped: list[tuple[Job, str]]) -> None:
    """One warning per reason, naming the jobs it applies to."""
    by_reason: dict[str, list[Job]] = defaultdict(list)
    for job, reason in skipped:
        by_reason[reason].append(job)
    for reason, jobs in by_reason.items():
        model_admin.message_user(request, f"Skipped {_ids(jobs)}: {reason}", messages.WARNING)


def _ids(jobs: list[Job]) -> str:
    return ", ".join(f"#{job.pk}" for job in jobs)


def _jobs(n: int) -> str:
    return f"{n} job" if n == 1 else f"{n} jobs"


def download_link(item: ReleaseFile) -> str:
    """The file's download link in the web UI (which checks the reader's role), or its name."""
    try:
        url = reverse("ui:release_download", args=[item.pk])
    except NoReverseMatch:
        return item.file.name or ""
    return format_html('<a href="{}">{}</a>', url, (item.file.name or "").rsplit("/", 1)[-1])


class ReleaseFileInline(ReadOnlyInline):
    model = ReleaseFile
    fields = ("format", "download", "size", "sha256")
    readonly_fields = fields
    show_change_link = False

    @admin.display(description="file")
    def download(self, obj: ReleaseFile) -> str:
        return download_link(obj)


@admin.register(DatasetRelease)
class DatasetReleaseAdmin(ScopedAdmin):
    """Releases are immutable snapshots: nothing here changes them (managers delete one in the UI)."""

    view_capability = Capability.RELEASES
    inlines = [ReleaseFileInline]
    list_display = ("version", "project", "file_count", "job_link", "created_by", "created_at")
    list_select_related = ("project", "created_by", "job")
    list_filter = (ProjectFilter,)
    search_fields = ("version", "card")
    date_hierarchy = "created_at"
    fields = (
        "project", "version", "job_link", "filters_shown", "counts_shown", "agreement_shown", "card",
        "created_by", "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            file_count=count_of(ReleaseFile.objects.filter(release=OuterRef("pk")))
        )

    @admin.display(description="files", ordering="file_count")
    def file_count(self, obj: WithAnnotations[DatasetRelease, _ReleaseCounts]) -> int:
        return obj.file_count

    @admin.display(description="job")
    def job_link(self, obj: DatasetRelease) -> str:
        if obj.job_id is None:
            return "—"
        url = reverse("admin:annotations_job_change", args=[obj.job_id])
        return format_html('<a href="{}">#{}</a>', url, obj.job_id)

    @admin.display(description="filters")
    def filters_shown(self, obj: DatasetRelease) -> str:
        return pretty_json(obj.filters)

    @admin.display(description="counts")
    def counts_shown(self, obj: DatasetRelease) -> str:
        return pretty_json(obj.counts)

    @admin.display(description="agreement")
    def agreement_shown(self, obj: DatasetRelease) -> str:
        return pretty_json(obj.agreement)


@admin.register(ReleaseFile)
class ReleaseFileAdmin(ScopedAdmin):
    project_path = "release__project"
    view_capability = Capability.RELEASES
    list_display = ("release", "format", "size", "sha256")
    list_select_related = ("release__project",)
    list_filter = (ProjectFilter, "format")
    search_fields = ("release__version", "format", "sha256")
    fields = ("release", "format", "download", "size", "sha256")
    readonly_fields = fields

    @admin.display(description="file")
    def download(self, obj: ReleaseFile) -> str:
        return download_link(obj)
