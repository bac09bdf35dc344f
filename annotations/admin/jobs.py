"""Admin for background jobs and dataset releases: read-only, since workers and services write them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from ..access import Capability
from ..models import DatasetRelease, Job, JobKind, JobStatus, ReleaseFile
from .base import ReadOnlyInline, ScopedAdmin, count_of
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
        "<p><strong>{} articles read, {} imported, {} duplicates skipped</strong> ({})</p>",
        result.get("records", 0), result.get("created", 0), result.get("duplicates", 0),
        result.get("source", ""),
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
        "params_shown", "result_shown", "attempts", "created_by", "created_at", "started_at",
        "finished_at",
    )
    readonly_fields = fields

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
        return "—" if obj.status != JobStatus.SUCCEEDED else "Succeeded."

    @admin.display(description="parameters")
    def params_shown(self, obj: Job) -> str:
        return pretty_json(obj.params)

    @admin.display(description="result")
    def result_shown(self, obj: Job) -> str:
        return pretty_json(obj.result)


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
