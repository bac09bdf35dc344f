"""Importing articles: validate the whole source first, then write it in chunks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from ..access import AuthUser, Capability, require
from ..importers.reader import ArticleRecord, RecordError, SourceReader
from ..models import Article, Job, JobKind, Outlet, Project, body_hash
from .jobs import Progress, UserFacingError, job_create, job_enqueue
from .suggestions import suggest_job_after_import

CHUNK_SIZE = 2000
MAX_REPORTED = 1000  # errors and duplicates listed one by one; the rest are counted


class ImportRefused(UserFacingError):
    """The source has bad lines; nothing was written."""

    def __init__(self, errors: list[RecordError], error_count: int, source: str) -> None:
        self.errors = errors
        self.error_count = error_count
        self.source = source
        if error_count == 1 and errors and errors[0].line is None:
            reason = errors[0].message  # a whole-file problem: say it in the message itself
        else:
            reason = f"{error_count} bad line{'s' if error_count != 1 else ''}"
        super().__init__(f"{source}: refused, {reason}; nothing was imported")

    def as_dict(self) -> dict:
        """The errors in the shape stored on a Job and shown to users."""
        return {
            "refused": True,
            "error_count": self.error_count,
            "errors": [
                {"file": e.file, "line": e.line, "field": e.field, "message": e.message}
                for e in self.errors
            ],
        }


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    records: int = 0
    created: int = 0
    duplicates: int = 0
    duplicate_lines: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "records": self.records,
            "created": self.created,
            "duplicates": self.duplicates,
            "duplicate_lines": self.duplicate_lines,
        }

    def summary(self) -> str:
        """One line for a terminal or a message."""
        return (
            f"{self.source}: {self.records} articles read, {self.created} imported, "
            f"{self.duplicates} duplicates skipped"
        )


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _validate(reader: SourceReader, progress: Progress) -> int:
    """Read the whole source once; return the record count or raise ImportRefused."""
    errors: list[RecordError] = []
    error_count = records = 0
    for item in reader:
        if isinstance(item, RecordError):
            error_count += 1
            if len(errors) < MAX_REPORTED:
                errors.append(item)
        else:
            records += 1
        if records % CHUNK_SIZE == 0:
            progress("validating", reader.bytes_read, reader.total_bytes)
    if error_count:
        raise ImportRefused(errors, error_count, reader.path.name)
    if not records:
        raise ImportRefused(
            [RecordError(reader.path.name, None, None, "contains no articles")], 1, reader.path.name
        )
    return records


class _OutletCache:
    """Outlets by name, created on first sight; one query per new name."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def id_for(self, record: ArticleRecord) -> int | None:
        if not record.outlet:
            return None
        if record.outlet not in self._ids:
            outlet, _ = Outlet.objects.get_or_create(
                name=record.outlet,
                defaults={"domain": record.outlet_domain, "language": record.language},
            )
            self._ids[record.outlet] = outlet.pk
        return self._ids[record.outlet]


def articles_import(
    *,
    project: Project,
    path: Path | str,
    by: AuthUser,
    format: str | None = None,
    job_id: int | None = None,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Import every article of the source into the project, or nothing if any line is bad.

    Duplicate bodies (already in the project, or repeated in the file) are skipped and listed.
    Safe to run twice for the same job: rows this job already wrote count as created.
    """
    require(by, project, Capability.MANAGE)
    try:
        reader = SourceReader(path, format=format)
    except (OSError, ValueError) as exc:
        name = Path(path).name
        raise ImportRefused([RecordError(name, None, None, str(exc))], 1, name) from None
    total = _validate(reader, progress)
    report = ImportReport(source=reader.path.name, records=total)
    outlets = _OutletCache()
    records = enumerate(item for item in reader if isinstance(item, ArticleRecord))
    done = 0
    while chunk := list(islice(records, CHUNK_SIZE)):
        _write_chunk(project, chunk, by=by, job_id=job_id, outlets=outlets, report=report)
        done += len(chunk)
        progress("importing", done, total)
    return report


def _write_chunk(
    project: Project,
    chunk: list[tuple[int, ArticleRecord]],
    *,
    by: AuthUser,
    job_id: int | None,
    outlets: _OutletCache,
    report: ImportReport,
) -> None:
    """Insert one chunk's new bodies; each chunk commits so progress is visible as it goes."""
    hashed = [(body_hash(record.body), position, record) for position, record in chunk]
    with transaction.atomic():
        # Serialise imports into one project, so two of them cannot both decide a body is new.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        existing = {
            digest: (job, position)
            for digest, job, position in Article.objects.filter(
                project=project, body_hash__in={h for h, _, _ in hashed}
            ).values_list("body_hash", "import_job_id", "import_position")
        }
        seen: set[str] = set()
        rows: list[tuple] = []
        now = timezone.now()
        for digest, position, record in hashed:
            if job_id is not None and existing.get(digest) == (job_id, position):
                # This very record, written by an earlier run of this job (a worker restarted).
                report.created += 1
                continue
            if digest in existing or digest in seen:
                report.duplicates += 1
                if len(report.duplicate_lines) < MAX_REPORTED:
                    report.duplicate_lines.append(
                        {"file": record.file, "line": record.line, "title": record.title[:120]}
                    )
                continue
            seen.add(digest)
            rows.append((
                project.pk, outlets.id_for(record), record.external_id, record.title,
                record.author, record.url, record.published_on,
                record.language or project.language, record.body, digest, record.metadata,
                job_id, position, by.pk, now,
            ))
        _insert(rows)
        report.created += len(rows)


_COPY_COLUMNS = (
    "project_id", "outlet_id", "external_id", "title", "author", "url", "published_on",
    "language", "body", "body_hash", "metadata", "import_job_id", "import_position",
    "created_by_id", "created_at",
)


def _insert(rows: list[tuple]) -> None:
    """Insert article rows (in _COPY_COLUMNS order): COPY on PostgreSQL, bulk INSERT elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Article.objects.bulk_create(
            [Article(**dict(zip(_COPY_COLUMNS, row))) for row in rows], batch_size=500
        )
        return
    metadata = _COPY_COLUMNS.index("metadata")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # A queued writer sends rows from a thread, so parsing the next rows overlaps with
        # the server storing these.
        with raw.copy(
            f"COPY {Article._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN",
            writer=QueuedLibpqWriter(raw),
        ) as copy:
            for row in rows:
                copy.write_row(row[:metadata] + (json.dumps(row[metadata]),) + row[metadata + 1 :])


def import_job_start(
    *,
    project: Project,
    by: AuthUser,
    upload: File | None = None,
    path: str | None = None,
    format: str | None = None,
    suggest: bool | None = None,
) -> Job:
    """Queue an import of an uploaded file, or of a path the workers can read (commands).

    `suggest` asks for (or against) a suggestion job after this import; None: the project's setting.
    """
    require(by, project, Capability.MANAGE)
    if (upload is None) == (path is None):
        raise ValueError("give either an upload or a path")
    params: dict = {"format": format} if format else {}
    if suggest is not None:
        params["suggest"] = bool(suggest)
    if path is not None:
        params["path"] = str(Path(path).resolve())
    with transaction.atomic():
        job = job_create(project=project, kind=JobKind.IMPORT, by=by, params=params, upload=upload)
        from ..tasks import import_articles_task  # tasks import services; keep that one-way

        job_enqueue(job, import_articles_task)
    return job


def import_job_work(job: Job, progress: Progress) -> dict:
    """The import job's body: import its input as the person who started it."""
    if job.created_by is None:
        raise ImportRefused([RecordError("job", None, None, "its owner no longer exists")], 1, "job")
    path = job.input_file.path if job.input_file else job.params["path"]
    report = articles_import(
        project=job.project,
        path=path,
        by=job.created_by,
        format=job.params.get("format"),
        job_id=job.pk,
        progress=progress,
    )
    # Projects that ask for it get candidate claims on what was just imported.
    suggest_job_after_import(import_job=job)
    return report.as_dict()


def import_job_undo(job: Job) -> int:
    """Delete the articles an import job wrote (a failed or cancelled import leaves none)."""
    deleted, _ = Article.objects.filter(import_job=job).delete()
    return deleted
