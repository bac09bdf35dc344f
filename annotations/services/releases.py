"""Dataset releases: a manager starts a job that writes an immutable, versioned snapshot.

The job streams the release's records once, feeding every format's writer side by side, writes
the dataset card, SHA256SUMS and a zip of it all into a temporary folder, moves the folder to
MEDIA_ROOT/releases/<project>/<version>/ and records the DatasetRelease with its files in one
transaction. Releases are never updated; deleting one is a manager's explicit act.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext

from .. import exporters
from ..access import AuthUser, Capability, require
from ..exporters import FileEntry, ReleaseContext, ReleaseStats, VerdictInfo
from ..models import (
    Claim,
    ClaimStatus,
    DatasetRelease,
    Job,
    JobKind,
    JobStatus,
    Project,
    ReleaseFile,
    Verdict,
)
from ..selectors.releases import (
    RELEASE_FORMATS,
    ReleaseFilters,
    release_articles,
    release_evidence_count,
    release_question_pairs,
    release_record_count,
    release_records,
    release_relations,
)
from .jobs import Progress, UserFacingError, job_checkpoint, job_create, job_enqueue, job_guard

# Files every release has besides its formats, as ReleaseFile.format values.
CARD, CHECKSUMS, ZIP = "card", "sha256sums", "zip"
VERSION_MAX = 40  # DatasetRelease.version's max_length
# A version is a single safe path component: it names a folder and the files.
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
FILTER_NAMES = frozenset({"include_unadjudicated", "min_agreement", "verdicts", "since", "until"})


class ReleaseRefused(UserFacingError):
    """The release cannot be made as asked (its version was taken meanwhile, the owner lost the right)."""


def releases_root() -> Path:
    """Where release folders live: MEDIA_ROOT/releases."""
    return Path(settings.MEDIA_ROOT) / "releases"


# --- validating a request -------------------------------------------------------------------------


def release_version_clean(project: Project, version: object) -> str:
    """A valid, unused version name for the project, or ValidationError on `version`."""
    if not isinstance(version, str) or not version.strip():
        raise ValidationError({"version": gettext("Give the release a version, e.g. v1.0 or 2025-09.")})
    version = version.strip()
    if len(version) > VERSION_MAX:
        raise ValidationError({"version": gettext("Use at most %(max)s characters.") % {"max": VERSION_MAX}})
    if not VERSION_RE.match(version):
        raise ValidationError({
            "version": gettext("Use letters, digits, dots, hyphens and underscores, starting with a letter "
                               "or a digit (it names the release's folder and files).")
        })
    if DatasetRelease.objects.filter(project=project, version=version).exists():
        raise ValidationError({"version": gettext("This project already has a release %(version)s.") % {"version": version}})
    pending = Job.objects.filter(
        project=project, kind=JobKind.EXPORT, status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        params__version=version,
    )
    if pending.exists():
        raise ValidationError({"version": gettext("A release %(version)s is already being built.") % {"version": version}})
    return version


def release_default_formats(project: Project) -> list[str]:
    """The formats a release has unless others are asked for: all that the project can make.

    ClaimReview needs the project's public address of fact checks; without it, it is left out.
    """
    return [f for f in RELEASE_FORMATS if f != "claimreview" or project.public_base_url]


def release_formats_clean(formats: Iterable[str] | None, project: Project | None = None) -> list[str]:
    """The formats asked for, in canonical order; None means the project's default formats."""
    if formats is None:
        return release_default_formats(project) if project is not None else list(RELEASE_FORMATS)
    if isinstance(formats, str):
        formats = [formats]
    asked = [str(f).strip().lower() for f in formats]
    unknown = [f for f in asked if f not in RELEASE_FORMATS]
    if unknown:
        raise ValidationError({
            "formats": gettext("Unknown format %(unknown)s; choose from %(known)s.") % {
                "unknown": ", ".join(map(repr, unknown)), "known": ", ".join(RELEASE_FORMATS),
            }
        })
    if not asked:
        raise ValidationError({"formats": gettext("Choose at least one format.")})
    if "claimreview" in asked and project is not None and not project.public_base_url:
        raise ValidationError({"formats": gettext(
            "ClaimReview records link to the published fact checks: set the public address of "
            "the project's fact checks in its settings first, or leave ClaimReview out."
        )})
    return [f for f in RELEASE_FORMATS if f in asked]


def _date(name: str, value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({name: gettext("%(value)s is not a date (YYYY-MM-DD).") % {"value": repr(value)}}) from None


def release_filters_clean(project: Project, filters: dict | None) -> ReleaseFilters:
    """Checked filters, or ValidationError keyed by each bad filter's name."""
    filters = dict(filters or {})
    errors: dict[str, str] = {}
    for name in sorted(set(filters) - FILTER_NAMES):
        errors[name] = gettext("Unknown filter; use %(names)s.") % {"names": ", ".join(sorted(FILTER_NAMES))}
    include = filters.get("include_unadjudicated", False)
    if not isinstance(include, bool):
        errors["include_unadjudicated"] = gettext("Use true or false.")
    min_agreement = filters.get("min_agreement")
    if min_agreement in ("", None):
        min_agreement = None
    else:
        try:
            min_agreement = float(min_agreement)
        except (TypeError, ValueError):
            errors["min_agreement"] = gettext("Give a number between 0 and 1.")
        else:
            if not 0.0 <= min_agreement <= 1.0:
                errors["min_agreement"] = gettext("Give a number between 0 and 1.")
    codes = filters.get("verdicts") or []
    if isinstance(codes, str):
        codes = [c for c in codes.split(",") if c.strip()]
    codes = [str(c).strip() for c in codes]
    known = set(Verdict.objects.filter(scheme_id=project.scheme_id).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors["verdicts"] = (
            gettext("Not in the project's scheme: %(unknown)s; use %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )
    dates: dict[str, dt.date | None] = {}
    for name in ("since", "until"):
        try:
            dates[name] = _date(name, filters.get(name))
        except ValidationError as exc:
            errors[name] = exc.message_dict[name][0]
    since, until = dates.get("since"), dates.get("until")
    if since and until and since > until:
        errors["until"] = gettext("The end of the date range comes before its start.")
    if errors:
        raise ValidationError(errors)
    return ReleaseFilters(
        include_unadjudicated=include, min_agreement=min_agreement,
        verdicts=tuple(dict.fromkeys(codes)), since=dates["since"], until=dates["until"],
    )


def _base_url_clean(base_url: str) -> str:
    """The public address of the workbench, for links in the release; http(s) only."""
    if not base_url:
        origins = getattr(settings, "CSRF_TRUSTED_ORIGINS", None) or []
        base_url = origins[0] if origins else "http://127.0.0.1:8000"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError({"base_url": gettext("Give the workbench's address, e.g. https://workbench.example.org.")})
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


# --- starting a release job -----------------------------------------------------------------------


@transaction.atomic
def release_job_create(
    *,
    project: Project,
    by: AuthUser,
    version: str,
    formats: list[str] | None = None,
    filters: dict | None = None,
    base_url: str = "",
    inline: bool = False,
) -> Job:
    """Record a release job without queueing it (release_job_start queues one).

    `inline` marks a job a command runs in its own process, which workers must not adopt.
    """
    require(by, project, Capability.MANAGE)
    # Serialise release requests of one project, so two cannot both take a version.
    Project.objects.select_for_update().filter(pk=project.pk).exists()
    errors: dict[str, Any] = {}
    checked: dict[str, Any] = {}
    for name, clean in (
        ("version", lambda: release_version_clean(project, version)),
        ("formats", lambda: release_formats_clean(formats, project)),
        ("filters", lambda: release_filters_clean(project, filters)),
        ("base_url", lambda: _base_url_clean(base_url)),
    ):
        try:
            checked[name] = clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not errors and not release_record_count(by, project, checked["filters"]):
        errors["__all__"] = [gettext(
            "Nothing to release: no claim matches (a release holds accepted claims, adjudicated "
            "unless you include the others, within the filters). Adjudicate claims or widen the "
            "filters."
        )]
    if errors:
        raise ValidationError(errors)
    params = {
        "version": checked["version"], "formats": checked["formats"],
        "filters": checked["filters"].as_dict(), "base_url": checked["base_url"],
        **({"inline": True} if inline else {}),
    }
    return job_create(project=project, kind=JobKind.EXPORT, by=by, params=params)


def release_job_start(
    *,
    project: Project,
    by: AuthUser,
    version: str,
    formats: list[str] | None = None,
    filters: dict | None = None,
    base_url: str = "",
) -> Job:
    """Queue a release job for the project (managers only); the worker starts once this commits.

    formats: names from RELEASE_FORMATS (None: all). filters: include_unadjudicated (bool),
    min_agreement (0..1, share of annotators agreeing with the final verdict), verdicts (codes),
    since / until (dates, on the statement's date, else the article's). base_url: the workbench's
    public address, for ClaimReview links (default: the first CSRF_TRUSTED_ORIGINS entry).
    """
    with transaction.atomic():
        job = release_job_create(
            project=project, by=by, version=version, formats=formats, filters=filters,
            base_url=base_url,
        )
        from ..tasks import build_release_task  # tasks import services; keep that one-way

        job_enqueue(job, build_release_task)
    return job


# --- the release job ------------------------------------------------------------------------------


def _check_owner(job: Job) -> AuthUser:
    """The job runs for its owner, who must still manage the project when it runs."""
    if job.created_by is None:
        raise ReleaseRefused("The person who started this release no longer exists.")
    require(job.created_by, job.project_id, Capability.MANAGE)
    return job.created_by


def _claim_url_template(base_url: str) -> str:
    """The claim's page, as a template: the annotate page focused on it, else its admin page."""
    sentinel = 987654321
    try:
        path = reverse("ui:article", args=[sentinel]).replace(str(sentinel), "{article_id}")
        return f"{base_url}{path}?claim={{claim_id}}"
    except NoReverseMatch:
        path = reverse("admin:annotations_claim_change", args=[sentinel])
        return base_url + path.replace(str(sentinel), "{claim_id}")


def release_context(
    project: Project, *, version: str, filters: dict, base_url: str, released_at: dt.datetime
) -> ReleaseContext:
    """What the writers and the card know of the release besides its records."""
    verdicts = tuple(
        VerdictInfo(
            code=v.code, name=v.name, description=v.description, fever=v.fever_label,
            averitec=v.averitec_label, claimreview_rating=v.claimreview_rating,
            claimreview_name_en=v.claimreview_name_en, claimreview_name_fr=v.claimreview_name_fr,
        )
        for v in Verdict.objects.filter(scheme_id=project.scheme_id).order_by("order", "pk")
    )
    return ReleaseContext(
        project_name=project.name, project_slug=project.slug, version=version,
        released_at=released_at, verdicts=verdicts, scheme_name=project.scheme.name,
        organisation=project.organisation, licence=project.licence, language=project.language,
        description=project.description, guidelines=project.guidelines,
        filters=filters, annotator_ids="name" if project.show_annotator_names else "pseudonym",
        claim_url_template=_claim_url_template(base_url or _base_url_clean("")),
        review_url_template=review_url_template(project.public_base_url),
    )


def review_url_template(public_base_url: str) -> str:
    """The public page of a claim's fact check as a template with {claim_id}, or ""."""
    if not public_base_url:
        return ""
    # Braces other than the placeholder would break str.format: doubled, they stay as they are.
    escaped = public_base_url.replace("{", "{{").replace("}", "}}").replace("{{claim_id}}", "{claim_id}")
    if "{claim_id}" in escaped:
        return escaped
    return escaped.rstrip("/") + "/{claim_id}"


class _HashingFile(io.RawIOBase):
    """A write-only file that hashes and counts what passes through it to the real file."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.raw.write(view)
        self.size += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self.size


@contextmanager
def _snapshot(progress: Progress, job_id: int) -> Iterator[Progress]:
    """On PostgreSQL, read the whole release in one REPEATABLE READ transaction.

    Every chunk then sees the same moment, so a claim's annotations cannot change between its
    row and theirs. Progress is written through a second connection meanwhile, so it shows while
    the snapshot is open. Elsewhere (SQLite, or already inside a transaction) reads go as they are.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield progress
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = Job._meta.db_table
    last = 0.0

    def write(phase: str, done: int, total: int) -> None:
        nonlocal last
        job_checkpoint()  # the run's heartbeat says whether it was cancelled meanwhile
        now = time.monotonic()
        if now - last < 0.25 and done < total:
            return
        last = now
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET phase = %s, progress_done = %s, progress_total = %s WHERE id = %s",
                [phase, min(done, total), total, job_id],
            )

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield write
    finally:
        side.close()


def _open(
    files: ExitStack, folder: Path, context: ReleaseContext, fmt: str
) -> tuple[_HashingFile, exporters.Writer]:
    """A hashing sink and a writer of the format over a new file in the folder."""
    raw = files.enter_context((folder / exporters.file_name(context, fmt)).open("wb"))
    sink = _HashingFile(raw)
    # Writers see a buffered stream: many small writes become few large ones.
    buffered = io.BufferedWriter(sink, buffer_size=1 << 20)
    files.callback(buffered.flush)
    try:
        writer = exporters.open_writer(fmt, buffered, context)
    except ValueError as exc:  # a format the project cannot make (any more): say which and why
        raise ReleaseRefused(f"{fmt}: {exc}.") from None
    files.callback(writer.close)  # runs before the flush above (LIFO)
    return sink, writer


def _write_formats(
    job: Job, owner: AuthUser, project: Project, context: ReleaseContext, folder: Path,
    progress: Progress,
) -> tuple[list[FileEntry], ReleaseStats, int, dict[int, str | None]]:
    """One pass over the records into every format's file, then the companion tables (articles,
    relations, pairs) of the native formats: their entries, figures, the total, and each
    released claim's final verdict code."""
    filters = ReleaseFilters.from_dict(context.filters)
    stats = ReleaseStats([v.code for v in context.verdicts])
    formats = list(job.params["formats"])
    tables = [t for fmt in formats for t in exporters.COMPANIONS.get(fmt, ())]
    sinks: dict[str, _HashingFile] = {}
    writers: dict[str, exporters.Writer] = {}
    # Each released claim's final verdict code: relations carry both claims' verdicts.
    released: dict[int, str | None] = {}
    with ExitStack() as files, _snapshot(progress, job.pk) as report:
        for fmt in formats + tables:
            sinks[fmt], writers[fmt] = _open(files, folder, context, fmt)
        total = release_record_count(owner, project, filters)
        report("writing", 0, total)
        for done, record in enumerate(release_records(owner, project, filters), 1):
            stats.add(record)
            released[record["id"]] = record["verdict"]["code"] if record["verdict"] else None
            for fmt in formats:
                writers[fmt].write(record)
            if done % 500 == 0:
                report("writing", done, total)
        if not released:
            # The agreement threshold, or claims changed since the request, left nothing.
            raise ReleaseRefused(gettext(
                "Nothing to release: no claim matches the filters (any more); nothing was written."
            ))
        report("articles and relations", total, total)
        article_writers = [w for t, w in writers.items() if t in tables and t.startswith("articles")]
        link_writers = [w for t, w in writers.items() if t in tables and not t.startswith("articles")]
        if article_writers:
            for article in release_articles(owner, project, stats.articles):
                for writer in article_writers:
                    writer.write(article)
        if link_writers:
            linked: set[tuple[int, int]] = set()  # contradictions already a link
            for link in release_relations(owner, project, released):
                if link["kind"] == "contradicts":
                    a, b = sorted((link["source"]["id"], link["target"]["id"]))
                    linked.add((a, b))
                for writer in link_writers:
                    writer.write(link)
            pair_writers = [w for t, w in writers.items() if t in tables and t.startswith("pairs")]
            for pair in release_question_pairs(owner, project, released):
                if (pair["source"]["id"], pair["target"]["id"]) not in linked:
                    for writer in pair_writers:
                        writer.write(pair)
        report("writing", total, total)
    entries = [
        FileEntry(
            format=fmt, name=exporters.file_name(context, fmt), size=sinks[fmt].size,
            sha256=sinks[fmt].sha256.hexdigest(), records=w.written, left_out=dict(w.left_out),
        )
        for fmt, w in writers.items()
    ]
    return entries, stats, total, released


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _zip(folder: Path, names: list[str], target: Path, prefix: str) -> None:
    """All files in one zip under a folder of the release's name; Parquet is stored as is."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name in names:
            kind = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            zf.write(folder / name, f"{prefix}/{name}", compress_type=kind)


def _summary(release: DatasetRelease) -> dict:
    """What a finished release job reports."""
    files = list(release.files.order_by("format").values("format", "size", "sha256"))
    return {
        "release": release.pk, "version": release.version, "claims": release.counts.get("claims", 0),
        "formats": release.counts.get("formats", {}), "files": files,
    }


def release_job_work(job: Job, progress: Progress) -> dict:
    """The release job's body: write every format, the card, SHA256SUMS and the zip; record them.

    Safe to run twice: a job whose release exists returns it; an interrupted run's leftovers
    (its temporary folder, or a moved folder without a release row) are removed and redone.
    """
    owner = _check_owner(job)
    done_before = DatasetRelease.objects.filter(job=job).first()
    if done_before is not None:
        return _summary(done_before)
    project = Project.objects.select_related("scheme").get(pk=job.project_id)
    version = job.params["version"]
    if DatasetRelease.objects.filter(project=project, version=version).exists():
        raise ReleaseRefused(f"This project already has a release {version}.")
    root = releases_root() / project.slug
    final = root / version
    # A folder of this run's own: a run that lost its job to another must not share files.
    folder = root / f".{version}.job-{job.pk}.{job.lease or 'inline'}.tmp"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        context = release_context(
            project, version=version, filters=job.params.get("filters") or {},
            base_url=job.params.get("base_url", ""), released_at=timezone.now(),
        )
        entries, stats, total, released = _write_formats(job, owner, project, context, folder, progress)
        progress("card, checksums and zip", total, total)
        counts = stats.counts()
        # What the release leaves out, said rather than silently absent: accepted claims without
        # a final verdict or outside the filters.
        counts["accepted_claims_not_released"] = max(0, Claim.objects.filter(
            article__project=project, status=ClaimStatus.ACCEPTED).count() - stats.claims)
        # Evidence annotators gave that the reviewer did not keep as gold is in no file.
        counts["evidence_not_gold"] = max(0, release_evidence_count(owner, project, released) - stats.gold)
        links = next((e for e in entries if e.format in ("relations", "relations-parquet")), None)
        if links is not None:
            counts["relations"] = links.records
        agreement = stats.agreement()
        card = exporters.render_card(context, counts=counts, agreement=agreement, files=entries)
        (folder / "README.md").write_text(card, encoding="utf-8")
        listed = [(e.name, e.sha256) for e in entries] + [("README.md", _sha256(folder / "README.md"))]
        (folder / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in listed), encoding="utf-8")
        prefix = f"{project.slug}-{version}"
        _zip(folder, [n for n, _ in listed] + ["SHA256SUMS"], folder / f"{prefix}.zip", prefix)
        extra = {CARD: "README.md", CHECKSUMS: "SHA256SUMS", ZIP: f"{prefix}.zip"}
        counts["formats"] = {e.format: {"records": e.records, "left_out": e.left_out} for e in entries}
        release = _record(job, project, final, folder, counts, agreement, card, entries, extra)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # gone already when the move succeeded
    return _summary(release)


def _record(
    job: Job, project: Project, final: Path, folder: Path, counts: dict, agreement: dict,
    card: str, entries: list[FileEntry], extra: dict[str, str],
) -> DatasetRelease:
    """Move the finished folder into place and create the release and its files, all or nothing."""
    version = job.params["version"]
    relative = final.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
    rows = [(e.format, e.name, e.size, e.sha256) for e in entries] + [
        (fmt, name, (folder / name).stat().st_size, _sha256(folder / name)) for fmt, name in extra.items()
    ]
    with transaction.atomic():
        # Only the run that still holds the job records it (not a cancelled or superseded one).
        job_guard(job)
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        if DatasetRelease.objects.filter(project=project, version=version).exists():
            raise ReleaseRefused(f"This project already has a release {version}.")
        # No release owns this folder (checked under the lock): a crashed run left it.
        shutil.rmtree(final, ignore_errors=True)
        os.replace(folder, final)
        try:
            release = DatasetRelease.objects.create(
                project=project, version=version, job=job, filters=job.params.get("filters") or {},
                counts=counts, agreement=agreement, card=card, created_by=job.created_by,
            )
        except IntegrityError:
            raise ReleaseRefused(f"This project already has a release {version}.") from None
        ReleaseFile.objects.bulk_create([
            ReleaseFile(release=release, format=fmt, file=f"{relative}/{name}", size=size, sha256=digest)
            for fmt, name, size, digest in rows
        ])
        # Folders of this job's earlier runs that died before cleaning up after themselves.
        for pattern in (f".{version}.job-{job.pk}.tmp", f".{version}.job-{job.pk}.*.tmp"):
            for leftover in final.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)
    return release


# --- deleting -------------------------------------------------------------------------------------


def release_delete(*, release: DatasetRelease, by: AuthUser) -> None:
    """Delete a release and, once that commits, its files. Managers only; there is no undo."""
    require(by, release.project_id, Capability.MANAGE)
    media = Path(settings.MEDIA_ROOT).resolve()
    folders = set()
    for name in release.files.values_list("file", flat=True):
        folder = (media / name).resolve().parent
        # Only ever remove a release folder under MEDIA_ROOT/releases.
        if folder.is_relative_to(releases_root().resolve()) and folder != releases_root().resolve():
            folders.add(folder)
    with transaction.atomic():
        release.files.all().delete()
        release.delete()
        for folder in folders:
            transaction.on_commit(partial(shutil.rmtree, folder, ignore_errors=True))
