"""Importing articles: validate the whole source first (keeping its records), then write them in chunks.

The validation pass refuses everything a database would (see importers.reader), so writing
cannot fail on the data; if it fails for another reason after some chunks committed, the job's
rows are removed (import_job_undo) and the import leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import operator
import pickle
import tempfile
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_create_with_history

from ..access import AuthUser, Capability, require
from ..importers.fetch import Fetcher, FetchPolicy, read_url_list
from ..importers.reader import (
    ArticleRecord,
    Limits,
    LinkRecord,
    RecordError,
    SourceReader,
    detect_format,
    format_for_name,
    printable,
    size_text,
    sniff_json_format,
)
from ..importers.precheck import precheck
from ..importers.sniff import GZIP_MAGIC, SNIFF_BYTES, encoding_named, separator_named
from ..models import (
    SYMMETRIC_RELATIONS,
    Article,
    Claim,
    ClaimKind,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Job,
    JobKind,
    Outlet,
    Project,
    body_hash,
)
from ..suggest.language import SAMPLE_CHARS, detect_languages
from .factchecks import FactCheckReport, factchecks_import
from .jobs import JobInterrupted, Progress, UserFacingError, job_create, job_enqueue
from .statistics import tables_analyse
from .suggestions import suggest_job_after_import

log = logging.getLogger(__name__)

CHUNK_SIZE = 2000
MAX_REPORTED = 1000  # errors and duplicates listed one by one; the rest are counted
# What the spans of an annotation tool's export become: candidates to accept or reject, or claims
# already accepted (which go straight to judging).
SPANS_AS = ("suggestions", "accepted")
_KINDS = {kind.value for kind in ClaimKind}


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


class UploadRefused(ValidationError):
    """An upload its first bytes show cannot be imported; `problem` says where and why."""

    def __init__(self, problem: RecordError) -> None:
        self.problem = problem
        super().__init__({"file": [str(problem)]})


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    records: int = 0
    created: int = 0
    duplicates: int = 0
    duplicate_lines: list[dict] = field(default_factory=list)
    claims: int = 0
    relations: int = 0
    # A list of URLs: the pages that could not be had, each with its line and reason.
    failed_urls: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "records": self.records,
            "created": self.created,
            "duplicates": self.duplicates,
            "duplicate_lines": self.duplicate_lines,
            "claims": self.claims,
            "relations": self.relations,
            "failed_urls": self.failed_urls,
        }

    def summary(self) -> str:
        """One line for a terminal or a message, in the active language ("1 article read")."""
        return f"{self.source}: {import_counts(self.as_dict())}"


def import_counts(result: dict) -> str:
    """An import's counts (a Job's result) in words, plurals right: "3 articles read, 1 imported"."""
    records, created, duplicates = result.get("records", 0), result.get("created", 0), result.get("duplicates", 0)
    parts = [
        ngettext("%(n)s article read", "%(n)s articles read", records) % {"n": records},
        ngettext("%(n)s imported", "%(n)s imported", created) % {"n": created},
        ngettext("%(n)s duplicate skipped", "%(n)s duplicates skipped", duplicates) % {"n": duplicates},
    ]
    claims, relations = result.get("claims", 0), result.get("relations", 0)
    if claims:
        parts.append(ngettext("%(n)s claim", "%(n)s claims", claims) % {"n": claims})
        parts.append(ngettext("%(n)s relation", "%(n)s relations", relations) % {"n": relations})
    return ", ".join(parts)


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def import_limits() -> Limits:
    """What a source may hold, from the settings (read at each import, so tests can change them)."""
    return Limits(
        body_chars=settings.ARTICLE_BODY_MAX_CHARS,
        metadata_chars=settings.IMPORT_MAX_METADATA_CHARS,
        json_depth=settings.IMPORT_MAX_JSON_DEPTH,
        unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_BYTES,
        zip_ratio=settings.IMPORT_MAX_ZIP_RATIO,
    )


def import_size_check(*, name: str, size: int) -> None:
    """Refuse a source larger than IMPORT_MAX_UPLOAD_BYTES before any work on it starts."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        name = printable(Path(name).name)
        raise ImportRefused(
            [RecordError(
                name, None, None,
                f"the file is {size_text(size)}, more than the {size_text(limit)} an import may hold",
            )],
            1, name,
        )


def import_upload_validator(upload: File) -> None:
    """Validator for import forms and serializers: refuse an upload past IMPORT_MAX_UPLOAD_BYTES."""
    try:
        import_size_check(name=upload.name or "upload", size=upload.size or 0)
    except ImportRefused as exc:
        raise ValidationError(str(exc), code="too_large") from None


def format_for_upload(upload: File) -> str:
    """The format of an upload: its name's, and for a .json file its first bytes' (a fact-check
    feed or a Label Studio export), for a .zip or .jsonl its content's (a Workbench release or
    not); ValueError naming the file when the name tells nothing."""
    fmt = format_for_name(upload.name or "upload")
    if fmt in ("zip", "jsonl") and not (upload.name or "").lower().endswith(".gz"):
        from ..importers.release import HEAD_BYTES, looks_like_records, zip_is_release

        upload.seek(0)
        release = zip_is_release(upload) if fmt == "zip" else looks_like_records(upload.read(HEAD_BYTES))
        upload.seek(0)
        return "release" if release else fmt
    if fmt == "labelstudio":
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        if head.startswith(GZIP_MAGIC):
            try:  # a partial stream inflates as far as it goes
                head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
            except zlib.error:
                return fmt
        fmt = sniff_json_format(head)
    return fmt


def _check_csv_options(separator: str | None, encoding: str | None) -> None:
    """Refuse a separator or encoding nobody can read with (ValidationError on that field)."""
    for field_name, check, value in (("separator", separator_named, separator), ("encoding", encoding_named, encoding)):
        if value:
            try:
                check(value)
            except ValueError as exc:
                raise ValidationError({field_name: [str(exc)]}) from None


def import_upload_check(
    *, upload: File, format: str, day_first: bool = False, separator: str | None = None,
    encoding: str | None = None,
) -> None:
    """Refuse at once (ValidationError on `file`, naming file, line and field) an upload whose
    first bytes show it cannot be imported: not a zip, not gzip, undecodable, no body column, bad
    JSON, a bad line. What needs the whole file is left to the job."""
    _check_csv_options(separator, encoding)
    error = precheck(
        upload.name or "upload", cast(BinaryIO, upload), format=format, limits=import_limits(),
        day_first=day_first, separator=separator, encoding=encoding,
    )
    if error is not None:
        raise UploadRefused(error)


def import_source_size(path: Path | str) -> int:
    """The bytes an import of this path would read (a folder: its .txt files); 0 if it is missing."""
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*.txt") if p.is_file())
    return path.stat().st_size if path.is_file() else 0


class _Languages:
    """The detected languages of the records that name none, by position: found in a thread a
    chunk at a time, since detection is the largest single cost of an import. It shares the
    interpreter lock with the reader (CLD2 holds it), but runs on while the checked records are
    written, when the writer mostly waits on the database: writing a chunk waits
    only for that chunk's languages. One byte a record, and at most PENDING chunks of openings
    (what detection reads of a body) waiting."""

    PENDING = 6

    def __init__(self) -> None:
        self._codes: list[str | None] = [None]
        self._found = bytearray()
        self._openings: list[tuple[int, str]] = []
        # Oldest first: the positions of a chunk sent, and its detection under way.
        self._pending: deque[Future[tuple[list[int], list[str | None]]]] = deque()
        self._known = 0  # records before this position have their language, if any, in _found
        self._pool: ThreadPoolExecutor | None = None

    def add(self, record: ArticleRecord) -> None:
        """The next valid record of the source."""
        if not record.language:
            self._openings.append((len(self._found), record.body[:SAMPLE_CHARS]))
            if len(self._openings) >= CHUNK_SIZE:
                self._send()
        self._found.append(0)

    def _send(self) -> None:
        if len(self._pending) >= self.PENDING:
            self._receive()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-languages")
        positions, openings = [p for p, _ in self._openings], [o for _, o in self._openings]
        self._pending.append(self._pool.submit(lambda: (positions, detect_languages(openings))))
        self._openings = []

    def _receive(self) -> None:
        """Wait for the oldest detection sent and note its languages."""
        positions, found = self._pending.popleft().result()
        for position, lang in zip(positions, found):
            if lang not in self._codes:
                self._codes.append(lang)
            self._found[position] = self._codes.index(lang)
        self._known = positions[-1] + 1 if positions else self._known

    def sent(self) -> None:
        """The source is read: send the last openings (detected while the records are written)."""
        if self._openings:
            self._send()
        if not self._pending:
            self._known = len(self._found)

    def get(self, position: int) -> str | None:
        """The language detected for the record at this position (None: not detected, or unsure)."""
        while position >= self._known and self._pending:
            self._receive()
        return self._codes[self._found[position]] if position < len(self._found) else None

    def close(self) -> None:
        """Stop: drop what is still waiting (the import ended, or stopped) and end the thread."""
        self._openings = []
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class _Spill:
    """The valid records of the checking read, pickled a chunk at a time to an unnamed temporary
    file: the write phase reads them back (~10 times cheaper than parsing and checking the source
    again) and writes exactly what was checked, even if a path on disk changes meanwhile."""

    # A record as a plain tuple pickles about twice as fast as the dataclass.
    _fields = operator.attrgetter(*(f.name for f in dataclass_fields(ArticleRecord)))

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="workbench-import-")
        self._chunk: list[tuple] = []

    def add(self, record: ArticleRecord) -> None:
        self._chunk.append(self._fields(record))
        if len(self._chunk) >= CHUNK_SIZE:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            pickle.dump(self._chunk, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunk = []

    def chunks(self) -> Iterator[list[ArticleRecord]]:
        """The records added, in order, CHUNK_SIZE at a time."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                # Safe to unpickle: this process wrote the file, which has no name to reach it by.
                yield [ArticleRecord(*values) for values in pickle.load(self._file)]
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()


def _validate(
    reader: SourceReader, progress: Progress, languages: _Languages | None = None, spill: _Spill | None = None
) -> int:
    """Read the whole source once; return the record count or raise ImportRefused.

    `languages` gets each valid record, to detect the languages while reading; `spill` keeps them.
    """
    errors: list[RecordError] = []
    error_count = records = 0
    read = False
    try:
        for item in reader:
            if isinstance(item, RecordError):
                error_count += 1
                if len(errors) < MAX_REPORTED:
                    errors.append(item)
            else:
                records += 1
                if not error_count:  # a refused source needs neither
                    if languages is not None:
                        languages.add(item)
                    if spill is not None:
                        spill.add(item)
            if records % CHUNK_SIZE == 0:
                progress("validating", reader.bytes_read, reader.total_bytes)
        read = True
    finally:
        if languages is not None:
            if read and not error_count:
                languages.sent()
            else:
                languages.close()  # a refused source, or a job cancelled while reading, needs none
    if error_count:
        raise ImportRefused(errors, error_count, printable(reader.path.name))
    if not records:
        name = printable(reader.path.name)
        raise ImportRefused([RecordError(name, None, None, "contains no articles")], 1, name)
    return records


class _OutletCache:
    """The project's outlets by name, created on first sight; one query per new name."""

    def __init__(self, project: Project, job_id: int | None) -> None:
        self._project = project
        self._job_id = job_id
        self._ids: dict[str, int] = {}

    def id_for(self, record: ArticleRecord) -> int | None:
        if not record.outlet:
            return None
        if record.outlet not in self._ids:
            # Called inside the chunk's transaction, after the project row is locked: two imports
            # into one project cannot both create the same outlet.
            outlet, _ = Outlet.objects.get_or_create(
                project=self._project,
                name=record.outlet,
                defaults={
                    "domain": record.outlet_domain, "language": record.language,
                    "import_job_id": self._job_id,
                },
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
    spans_as: str = "suggestions",
    day_first: bool | None = None,
    separator: str | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import every article of the source into the project, or nothing if any line is bad.

    `separator` and `encoding` name a CSV's, overriding what sniffing finds (a fact-check feed is
    refused here: source_import imports it).

    Duplicate bodies (already in the project, or repeated in the file) are skipped and listed,
    with their spans. Spans (doccano, Label Studio) become claims, `spans_as` suggestions or
    accepted. Dates may be DD/MM/YYYY when `day_first`, or (None) when the project is French.
    Safe to run twice for the same job: rows this job already wrote count as created.
    """
    require(by, project, Capability.MANAGE)
    if spans_as not in SPANS_AS:
        raise ValueError(f"spans_as must be one of {', '.join(SPANS_AS)}")
    if format == "urls":
        return _urls_import(project=project, path=Path(path), by=by, job_id=job_id, progress=progress)
    if day_first is None:
        day_first = project.language.lower().startswith("fr")
    try:
        reader = SourceReader(
            path, format=format, limits=import_limits(), day_first=day_first,
            separator=separator, encoding=encoding,
        )
    except (OSError, ValueError) as exc:
        name = printable(Path(path).name)
        raise ImportRefused([RecordError(name, None, None, str(exc))], 1, name) from None
    import_size_check(name=reader.path.name, size=reader.total_bytes)
    languages = _Languages()
    spill = _Spill()
    try:
        total = _validate(reader, progress, languages, spill)
        report = ImportReport(source=printable(reader.path.name), records=total)
        outlets = _OutletCache(project, job_id)
        keyed = _Keyed()
        done = 0
        for records in spill.chunks():
            _write_chunk(
                project, list(enumerate(records, done)), by=by, job_id=job_id, outlets=outlets,
                report=report, spans_as=spans_as, detected=languages, keyed=keyed,
            )
            done += len(records)
            progress("importing", done, total)
    finally:
        spill.close()
        languages.close()
    if keyed.links:
        _write_links(keyed, by=by, report=report)
    # Lists planned from an empty table's statistics sort every row: refresh them now. Claims
    # only when the import wrote some: statistics of an empty claim table would mislead the
    # queue's plan once claims arrive by other paths.
    tables_analyse(Article, rows=report.created)
    tables_analyse(Claim, rows=report.claims)
    return report


def source_import(
    *, project: Project, path: Path | str, by: AuthUser, format: str | None = None, **options: Any
) -> ImportReport | FactCheckReport:
    """Import a source of any kind: a fact-check feed (format claimreview, or a .json/.jsonld file
    that reads as one) as reference fact checks, anything else as articles (`options`: theirs)."""
    if format is None and Path(path).is_file():
        try:
            format = detect_format(Path(path))
        except ValueError:
            pass  # articles_import says why
    if format == "claimreview":
        require(by, project, Capability.MANAGE)
        import_size_check(name=Path(path).name, size=import_source_size(path))
        return factchecks_import(
            project=project, path=path, by=by, job_id=options.get("job_id"),
            progress=options.get("progress", _no_progress),
        )
    return articles_import(project=project, path=path, by=by, format=format, **options)


def fetch_policy() -> FetchPolicy:
    """How URL lists are fetched, from the settings (read at each import)."""
    return FetchPolicy(
        timeout=settings.IMPORT_FETCH_TIMEOUT,
        max_bytes=settings.IMPORT_FETCH_MAX_BYTES,
        host_delay=settings.IMPORT_FETCH_HOST_DELAY_MS / 1000,
        allow_private=settings.IMPORT_FETCH_ALLOW_PRIVATE,
    )


def _urls_import(
    *, project: Project, path: Path, by: AuthUser, job_id: int | None, progress: Progress
) -> ImportReport:
    """Fetch each URL of the list, then import the pages' articles like any other source.

    A bad line in the list refuses it before anything is fetched; a page that cannot be had
    (robots.txt, HTTP error, timeout, too large, no article text) is reported with its URL and
    line, and the other pages are imported. Fetched once: the pages are kept as a JSONL file
    while the import checks and writes them.
    """
    from ..importers.html import html_record  # trafilatura is loaded only for web pages

    name = printable(path.name)
    urls, errors = read_url_list(path)
    if errors:
        raise ImportRefused(errors[:MAX_REPORTED], len(errors), name)
    limits = import_limits()
    failed: list[dict] = []
    origin: list[tuple[int, str]] = []  # for each page kept: its line and URL in the list
    with tempfile.TemporaryDirectory(prefix="workbench-fetch-") as folder:
        pages = Path(folder) / "pages.jsonl"
        with pages.open("w", encoding="utf-8") as out:
            for done, page in enumerate(Fetcher(fetch_policy()).fetch_all(urls), 1):
                item = (
                    RecordError(name, page.line, "url", page.error) if page.data is None
                    else html_record(name, page.line, page.data, limits, url=page.final_url or page.url)
                )
                if isinstance(item, RecordError):
                    failed.append({"line": page.line, "url": page.url, "error": item.message})
                else:
                    out.write(json.dumps(_as_row(item), ensure_ascii=False) + "\n")
                    origin.append((page.line, page.url))
                progress("fetching", done, len(urls))
        if not origin:
            raise ImportRefused(
                [RecordError(name, f["line"], "url", f["error"]) for f in failed[:MAX_REPORTED]],
                len(failed), name,
            )
        report = articles_import(
            project=project, path=pages, by=by, format="jsonl", job_id=job_id, progress=progress
        )
    report.source = name
    report.failed_urls = failed[:MAX_REPORTED]
    for duplicate in report.duplicate_lines:
        line, url = origin[duplicate["line"] - 1]
        duplicate.update(file=name, line=line, url=url)
    return report


def _as_row(record: ArticleRecord) -> dict:
    """A record as a JSONL line of our own format."""
    return {
        "body": record.body, "title": record.title, "author": record.author, "url": record.url,
        "published_on": record.published_on.isoformat() if record.published_on else None,
        "language": record.language, "outlet": record.outlet, "outlet_domain": record.outlet_domain,
        "metadata": record.metadata,
    }


@dataclass
class _Keyed:
    """A release's claims imported so far by their release id, and the links between claims."""

    claims: dict[str, int] = field(default_factory=dict)
    links: list[LinkRecord] = field(default_factory=list)


def _write_chunk(
    project: Project,
    chunk: list[tuple[int, ArticleRecord]],
    *,
    by: AuthUser,
    job_id: int | None,
    outlets: _OutletCache,
    report: ImportReport,
    spans_as: str = "suggestions",
    detected: _Languages,
    keyed: _Keyed | None = None,
) -> None:
    """Insert one chunk's new bodies and their spans; each chunk commits so progress shows.

    `detected`: the languages found while the source was checked.
    """
    hashed = [(body_hash(record.body), position, record) for position, record in chunk]
    with transaction.atomic():
        # Serialise imports into one project, so two of them cannot both decide a body is new.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        existing = _existing(project, [digest for digest, _, _ in hashed])
        seen: set[str] = set()
        rows: list[tuple] = []
        annotated: dict[str, ArticleRecord] = {}
        # A release's records (spans with keys), written now or by an earlier run of the job.
        with_keys: dict[str, ArticleRecord] = {}
        now = timezone.now()
        for digest, position, record in hashed:
            if job_id is not None and existing.get(digest) == (job_id, position):
                # This very record, written by an earlier run of this job (a worker restarted).
                report.created += 1
                if record.links or any(span.key for span in record.spans):
                    with_keys[digest] = record
                continue
            if digest in existing or digest in seen:
                report.duplicates += 1
                if len(report.duplicate_lines) < MAX_REPORTED:
                    report.duplicate_lines.append(
                        {"file": record.file, "line": record.line, "title": record.title[:120]}
                    )
                continue
            seen.add(digest)
            if record.spans:
                annotated[digest] = record
            if record.links or any(span.key for span in record.spans):
                with_keys[digest] = record
            rows.append((
                project.pk, outlets.id_for(record), record.external_id, record.title,
                record.author, record.url, record.published_on,
                record.language or detected.get(position) or project.language, record.body, digest,
                record.metadata,
                job_id, position, by.pk, now,
            ))
        _insert(rows)
        report.created += len(rows)
        if annotated:
            _write_spans(project, annotated, by=by, spans_as=spans_as, report=report)
        if with_keys and keyed is not None:
            _note_keys(project, with_keys, keyed)


def _note_keys(project: Project, records: dict[str, ArticleRecord], keyed: _Keyed) -> None:
    """Note the claims of these (just written) articles by key, and their links for the end."""
    articles = dict(
        Article.objects.filter(project=project, body_hash__in=list(records)).values_list("body_hash", "pk")
    )
    ids = {
        (article, start, end): pk
        for pk, article, start, end in Claim.objects.filter(
            article_id__in=list(articles.values())
        ).values_list("pk", "article_id", "start", "end")
    }
    for digest, record in records.items():
        for span in record.spans:
            claim = ids.get((articles[digest], span.start, span.end))
            if span.key and claim is not None:
                keyed.claims[span.key] = claim
        keyed.links.extend(record.links)


def _write_links(keyed: _Keyed, *, by: AuthUser, report: ImportReport) -> None:
    """The links between a release's claims whose two ends were imported (across articles)."""
    relations: dict[tuple[int, int, str], ClaimRelation] = {}
    for link in keyed.links:
        source, target = keyed.claims.get(link.source), keyed.claims.get(link.target)
        if source is None or target is None or source == target:
            continue  # an end outside the release, or in a duplicate article that was skipped
        if link.kind in SYMMETRIC_RELATIONS and source > target:
            source, target = target, source
        relations.setdefault(
            (source, target, link.kind),
            ClaimRelation(source_id=source, target_id=target, kind=link.kind, note=link.label, created_by=by),
        )
    with transaction.atomic():
        # A second run of the job finds the links its first run wrote.
        existing = set(
            ClaimRelation.objects.filter(source_id__in={s for s, _, _ in relations})
            .values_list("source_id", "target_id", "kind")
        )
        new = [r for k, r in relations.items() if k not in existing]
        if new:
            bulk_create_with_history(new, ClaimRelation, default_user=by)
    report.relations += len(new)


def _existing(project: Project, digests: list[str]) -> dict[str, tuple[int | None, int | None]]:
    """The import job and position of the project's articles with these body hashes."""
    if connection.vendor == "postgresql":
        # One array parameter rather than thousands: planned and bound in a fraction of the time.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT body_hash, import_job_id, import_position FROM {Article._meta.db_table} "
                "WHERE project_id = %s AND body_hash = ANY(%s)",
                [project.pk, digests],
            )
            return {digest: (job, position) for digest, job, position in cursor.fetchall()}
    return {
        digest: (job, position)
        for digest, job, position in Article.objects.filter(
            project=project, body_hash__in=set(digests)
        ).values_list("body_hash", "import_job_id", "import_position")
    }


def _write_spans(
    project: Project,
    annotated: dict[str, ArticleRecord],
    *,
    by: AuthUser,
    spans_as: str,
    report: ImportReport,
) -> None:
    """The claims and relations of the articles just inserted (by body hash), in that transaction.

    The reader has checked every span against its body and merged spans with equal offsets, so
    the span constraints cannot fail here.
    """
    articles = dict(
        Article.objects.filter(project=project, body_hash__in=list(annotated)).values_list("body_hash", "pk")
    )
    accepted = spans_as == "accepted"
    claims = []
    for digest, record in annotated.items():
        for span in record.spans:
            # A label that names one of the Workbench's claim kinds sets it; all are kept on the
            # article (metadata["imported_annotations"]).
            kind = span.kind if span.kind in _KINDS else next(
                (label.lower() for label in span.labels if label.lower() in _KINDS), ""
            )
            claims.append(Claim(
                article_id=articles[digest], start=span.start, end=span.end,
                quote=record.body[span.start : span.end], kind=kind, origin=ClaimOrigin.IMPORTED,
                # A release's claims bring these; other tools' spans leave them empty.
                statement=span.statement, speaker=span.speaker,
                asserted_by_article=span.asserted_by_article, statement_date=span.statement_date,
                status=ClaimStatus.ACCEPTED if accepted else ClaimStatus.CANDIDATE,
                created_by=by, decided_by=by if accepted else None,
            ))
    bulk_create_with_history(claims, Claim, default_user=by)
    report.claims += len(claims)
    ids = {
        (article, start, end): pk
        for pk, article, start, end in Claim.objects.filter(
            article_id__in=list(articles.values())
        ).values_list("pk", "article_id", "start", "end")
    }
    relations: dict[tuple[int, int, str], ClaimRelation] = {}
    for digest, record in annotated.items():
        article = articles[digest]
        for link in record.relations:
            a, b = record.spans[link.source], record.spans[link.target]
            source, target = ids[(article, a.start, a.end)], ids[(article, b.start, b.end)]
            if link.kind in SYMMETRIC_RELATIONS and source > target:
                source, target = target, source
            relations.setdefault(
                (source, target, link.kind),
                ClaimRelation(source_id=source, target_id=target, kind=link.kind, note=link.label,
                              created_by=by),
            )
    if relations:
        bulk_create_with_history(list(relations.values()), ClaimRelation, default_user=by)
        report.relations += len(relations)


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
        # Values adapted as the fields would adapt them, without building a model per row (that
        # took most of the time of an import on SQLite).
        ops = connection.ops
        adapt = {
            _COPY_COLUMNS.index("published_on"): ops.adapt_datefield_value,
            _COPY_COLUMNS.index("metadata"): lambda value: ops.adapt_json_value(value, None),
            _COPY_COLUMNS.index("created_at"): ops.adapt_datetimefield_value,
        }
        columns = ", ".join(connection.ops.quote_name(column) for column in _COPY_COLUMNS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(Article._meta.db_table)} ({columns}) "
                f"VALUES ({', '.join(['%s'] * len(_COPY_COLUMNS))})",
                [
                    [adapt[i](value) if i in adapt else value for i, value in enumerate(row)]
                    for row in rows
                ],
            )
        return
    metadata = _COPY_COLUMNS.index("metadata")
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        # Binary COPY: values go as lengths and bytes, not escaped text (3-4 times less Python per
        # row); it needs each column's exact type, read from the catalog so a migration cannot
        # leave it behind.
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped",
            [table],
        )
        types = dict(cursor.fetchall())
        raw = cursor.cursor
        # A queued writer sends rows from a thread, so preparing the next rows overlaps with
        # the server storing these.
        with raw.copy(
            f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)",
            writer=QueuedLibpqWriter(raw),
        ) as copy:
            copy.set_types([types[column] for column in _COPY_COLUMNS])
            for row in rows:
                copy.write_row(row[:metadata] + (Jsonb(row[metadata]),) + row[metadata + 1 :])


def import_job_start(
    *,
    project: Project,
    by: AuthUser,
    upload: File | None = None,
    path: str | None = None,
    format: str | None = None,
    suggest: bool | None = None,
    spans_as: str | None = None,
    day_first: bool | None = None,
    separator: str | None = None,
    encoding: str | None = None,
) -> Job:
    """Queue an import of an uploaded file, or of a path the workers can read (commands).

    `suggest` asks for (or against) a suggestion job after this import; None: the project's setting.
    `spans_as` says what an annotation tool's spans become (SPANS_AS; default suggestions);
    `day_first` whether dates are DD/MM/YYYY (None: when the project's language is French).
    """
    require(by, project, Capability.MANAGE)
    if (upload is None) == (path is None):
        raise ValueError("give either an upload or a path")
    _check_csv_options(separator, encoding)
    if spans_as is not None and spans_as not in SPANS_AS:
        raise ValueError(f"spans_as must be one of {', '.join(SPANS_AS)}")
    params: dict = {"format": format} if format else {}
    if spans_as:
        params["spans_as"] = spans_as
    if day_first is not None:
        params["day_first"] = bool(day_first)
    if separator:
        params["separator"] = separator
    if encoding:
        params["encoding"] = encoding
    if suggest is not None:
        params["suggest"] = bool(suggest)
    if path is not None:
        params["path"] = str(Path(path).resolve())
    # Refused here, before a job exists: nobody waits on a job that could only fail.
    if upload is not None:
        import_size_check(name=upload.name or "upload", size=upload.size or 0)
        try:
            upload_format = format or format_for_upload(upload)
        except ValueError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        import_upload_check(
            upload=upload, format=upload_format,
            day_first=project.language.lower().startswith("fr") if day_first is None else day_first,
            separator=separator, encoding=encoding,
        )
    else:
        import_size_check(name=str(path), size=import_source_size(params["path"]))
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
    try:
        report = source_import(
            project=job.project,
            path=path,
            by=job.created_by,
            format=job.params.get("format"),
            job_id=job.pk,
            progress=progress,
            spans_as=job.params.get("spans_as", "suggestions"),
            day_first=job.params.get("day_first"),
            separator=job.params.get("separator"),
            encoding=job.params.get("encoding"),
        )
        if isinstance(report, FactCheckReport):
            return report.as_dict()  # no articles: nothing to suggest on or index
        # Projects that ask for it get candidate claims on what was just imported; the claim
        # graph's index follows the suggestions, or the import itself when none are made.
        if suggest_job_after_import(import_job=job) is None:
            from .graph_jobs import relations_job_after

            relations_job_after(
                job=job, article_ids=Article.objects.filter(import_job=job).values_list("pk", flat=True)
            )
    except (OperationalError, InterfaceError, JobInterrupted):
        # A passing outage is retried, and the next run keeps the chunks already written; an
        # interruption is for job_run to judge (cancelled: it undoes; taken over: not ours).
        raise
    except Exception:
        # The job will not finish: remove the chunks that committed, so the import is all or
        # nothing. A failure to undo must not hide the reason the import failed.
        try:
            import_job_undo(job)
        except Exception:
            log.exception("import job %s: could not remove the articles it wrote", job.pk)
        raise
    return report.as_dict()


def import_job_undo(job: Job) -> int:
    """Delete the articles the job imported and return how many; safe to call again (then 0).

    Chunk by chunk under the project lock the import takes, so an undo never interleaves with a
    chunk being written; whatever pointed into those articles goes with them, and so do the
    outlets the job created that no other article has come to use.
    """
    deleted = 0
    while True:
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=job.project_id).exists()
            ids = list(
                Article.objects.filter(import_job=job).order_by().values_list("pk", flat=True)[:CHUNK_SIZE]
            )
            if not ids:
                Outlet.objects.filter(import_job=job, articles__isnull=True).delete()
                return deleted
            _, by_model = Article.objects.filter(pk__in=ids).delete()
        deleted += by_model.get(Article._meta.label, 0)
