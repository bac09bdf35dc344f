"""Whole-project archives: export a project to one zip, import it as a new project elsewhere.

An archive is a zip of JSONL members, one per table (annotations.services.archive_tables), one row
a line, each row every column of the model by field name; references are the exporting
database's ids (remapped on import), and references to users are usernames. Release files ride
along under files/. manifest.json, written last, names the format and version and lists every
member with its row count and SHA-256.

Export streams: rows come from the database in chunks (iterator) and go straight into the zip,
so memory stays flat whatever the size of the project. Import streams the same way and writes in
one transaction: a bad archive (wrong version, a missing member, a bad line, a broken reference,
a row the database refuses) is refused naming the member, the line and the field, and leaves
nothing behind. What the import keeps in memory is one id map per table (old id to new id).

Users are matched by username; a username the target Workbench does not know becomes a new
user, inactive and with an unusable password (an administrator activates them and they set a
password), so an archive can never give anyone a way in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ..access import AuthUser, Capability, forget_roles, require
from ..importers.reader import RecordError
from ..models import FINISHED_STATUSES, JobStatus, Membership, Project, Role, VerdictScheme
from .archive_tables import PROJECT_TABLE, SCHEME_TABLES, Table, archive_tables
from .jobs import Progress, UserFacingError
from .releases import releases_root

FORMAT = "workbench-project-archive"
VERSION = 1
MANIFEST = "manifest.json"
USERS = "users.jsonl"
FILES = "files/"
CHUNK_SIZE = 2000
# The user fields an archive carries: enough to recognise a person, nothing to log in with.
USER_FIELDS = ("username", "email", "first_name", "last_name")
MAX_REPORTED = 50


class ArchiveRefused(UserFacingError):
    """The archive cannot be imported; nothing was written."""

    def __init__(self, errors: list[RecordError], source: str) -> None:
        self.errors = errors
        self.source = source
        first = errors[0]
        where = ", ".join(
            part for part in (
                first.file, f"line {first.line}" if first.line else "",
                f"field '{first.field}'" if first.field else "",
            ) if part
        )
        super().__init__(f"{source}: refused ({where}: {first.message}); nothing was imported")

    def as_dict(self) -> dict:
        return {
            "refused": True,
            "error_count": len(self.errors),
            "errors": [{"file": e.file, "line": e.line, "field": e.field, "message": e.message} for e in self.errors],
        }


def _refuse(source: str, member: str, line: int | None, fieldname: str | None, message: str) -> ArchiveRefused:
    return ArchiveRefused([RecordError(member, line, fieldname, message)], source)


# --- values ---------------------------------------------------------------------------------------


def _encode(value: object) -> object:
    """JSON for the values Django hands back that json cannot write itself."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    raise TypeError(f"cannot write {type(value).__name__} to an archive")


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _is_user(f: models.Field) -> bool:
    return f.is_relation and f.related_model is get_user_model()


# --- export ---------------------------------------------------------------------------------------


@dataclass
class ExportReport:
    """What an export wrote."""

    project: str
    rows: int = 0
    members: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes_in: int = 0

    def summary(self) -> str:
        return (f"project {self.project}: {self.rows} rows in {len(self.members)} tables, "
                f"{self.files} release files")


class _HashingWriter:
    """Counts and hashes what goes into one zip member."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.raw.write(data)


def _leaf_migration() -> str:
    applied = MigrationRecorder(connection).applied_migrations()
    names = sorted(name for app, name in applied if app == "annotations")
    return names[-1] if names else ""


def project_archive_export(
    *, project: Project, target: IO[bytes] | str | Path, by: AuthUser | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the whole project as an archive to `target` (a path or a writable binary file).

    `by` is checked for the manage capability when given (a command runs as the operator).
    """
    if by is not None:
        require(by, project, Capability.MANAGE)
    with _snapshot():
        return _export(project, target, progress)


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table from one snapshot, so rows written meanwhile cannot leave a reference
    dangling in the archive; without taking SQLite's write lock (the web app keeps writing).

    Inside a caller's transaction (tests) that transaction is the snapshot already.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # A deferred transaction is a read snapshot in WAL mode; Django's atomic() would begin
        # IMMEDIATE (the write lock) on this database.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    yield


def _export(project: Project, target: IO[bytes] | str | Path, progress: Progress | None) -> ExportReport:
    tables = archive_tables()
    report = ExportReport(project=project.slug)
    members: list[dict] = []
    usernames = _usernames(project, tables)
    total = sum(t.scope(project).count() for t in tables)
    done = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        members.append(_write_users(zf, usernames))
        for table in tables:
            model = table.model
            columns = _columns(model)
            names = [f.name for f in columns]
            attnames = [f.attname for f in columns]
            users = [i for i, f in enumerate(columns) if _is_user(f)]
            rows = 0
            with zf.open(table.member, "w", force_zip64=True) as raw:
                out = _HashingWriter(raw)
                query = table.scope(project).order_by(model._meta.pk.attname).values_list(*attnames)
                for values in query.iterator(chunk_size=CHUNK_SIZE):
                    row = list(values)
                    for i in users:
                        if row[i] is not None:
                            row[i] = usernames[row[i]]
                    out.write(json.dumps(dict(zip(names, row)), ensure_ascii=False, default=_encode).encode() + b"\n")
                    rows += 1
                    done += 1
                    if progress and done % CHUNK_SIZE == 0:
                        progress("export", done, total)
            members.append({"name": table.member, "model": table.label, "rows": rows,
                            "sha256": out.sha.hexdigest(), "fields": names})
            report.members[table.member] = rows
            report.rows += rows
            report.bytes_in += out.size
        files = _write_files(zf, project)
        report.files = len(files)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now().isoformat(),
            "source": {"project": project.slug, "name": project.name, "database": connection.vendor,
                       "migration": _leaf_migration()},
            "members": members,
            "files": files,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    if progress:
        progress("export", total, total)
    return report


def _usernames(project: Project, tables: list[Table]) -> dict[int, str]:
    """Every user any row of the project refers to, by id: members and anyone who left a trace."""
    ids: set[int] = set()
    for table in tables:
        for f in _columns(table.model):
            if _is_user(f):
                query = table.scope(project).exclude(**{f"{f.attname}__isnull": True})
                ids.update(query.order_by().values_list(f.attname, flat=True).distinct())
    User = get_user_model()
    return dict(User.objects.filter(pk__in=ids).values_list("pk", User.USERNAME_FIELD))


def _write_users(zf: zipfile.ZipFile, usernames: dict[int, str]) -> dict:
    User = get_user_model()
    rows = 0
    with zf.open(USERS, "w", force_zip64=True) as raw:
        out = _HashingWriter(raw)
        query = User.objects.filter(pk__in=list(usernames)).order_by("pk").values_list(*USER_FIELDS)
        for values in query.iterator(chunk_size=CHUNK_SIZE):
            out.write(json.dumps(dict(zip(USER_FIELDS, values)), ensure_ascii=False).encode() + b"\n")
            rows += 1
    return {"name": USERS, "model": "auth.User", "rows": rows, "sha256": out.sha.hexdigest(),
            "fields": list(USER_FIELDS)}


def _write_files(zf: zipfile.ZipFile, project: Project) -> list[dict]:
    """Each release file's bytes, under files/<release file id>/<its name>, streamed from storage."""
    from ..models import ReleaseFile

    media = Path(settings.MEDIA_ROOT)
    listed = []
    for pk, name, sha in ReleaseFile.objects.filter(release__project=project).order_by("pk").values_list(
        "pk", "file", "sha256"
    ).iterator(chunk_size=CHUNK_SIZE):
        member = f"{FILES}{pk}/{PurePosixPath(name).name}"
        path = media / name
        if not path.is_file():
            raise UserFacingError(f"release file {name} is missing from the media folder; cannot export")
        # Release files are zips and Parquet already: stored, not compressed again.
        zf.write(path, member, compress_type=zipfile.ZIP_STORED)
        listed.append({"name": member, "release_file": pk, "sha256": sha})
    return listed


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import created."""

    project_id: int
    slug: str
    rows: int = 0
    members: dict[str, int] = field(default_factory=dict)
    users_created: list[str] = field(default_factory=list)
    scheme_reused: bool = False
    files: int = 0

    def as_dict(self) -> dict:
        return {"project_id": self.project_id, "slug": self.slug, "rows": self.rows, "members": self.members,
                "users_created": self.users_created, "scheme_reused": self.scheme_reused, "files": self.files}

    def summary(self) -> str:
        created = ", ".join(self.users_created) or "none"
        return (f"project {self.slug} created: {self.rows} rows, {self.files} release files; "
                f"users created (inactive): {created}")


@contextlib.contextmanager
def _keeping_timestamps(models_: list[type[models.Model]]) -> Iterator[None]:
    """Turn auto_now/auto_now_add off while rows are copied, so they keep the archive's times.

    bulk_create fills such fields with "now" otherwise. This changes the fields for the whole
    process, so it is only ever done in a command or a worker's job, one import at a time.
    """
    changed = []
    for model in models_:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                changed.append((f, getattr(f, "auto_now"), getattr(f, "auto_now_add")))
                setattr(f, "auto_now", False)
                setattr(f, "auto_now_add", False)
    try:
        yield
    finally:
        for f, now, now_add in changed:
            setattr(f, "auto_now", now)
            setattr(f, "auto_now_add", now_add)


def archive_manifest_read(path: str | Path, *, source: str | None = None) -> dict:
    """The manifest of the archive at `path`, checked; ArchiveRefused if it is not one this Workbench reads."""
    source = source or Path(path).name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(source, source, None, None, f"not a zip archive ({exc})") from None
    with zf:
        return _manifest(zf, source)


def _manifest(zf: zipfile.ZipFile, source: str) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise _refuse(source, MANIFEST, None, None, "missing: not a project archive") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(source, MANIFEST, None, None, f"not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(source, MANIFEST, None, "format", f"not a project archive (expected {FORMAT!r})")
    if manifest.get("version") != VERSION:
        raise _refuse(source, MANIFEST, None, "version",
                      f"version {manifest.get('version')!r} is not one this Workbench reads ({VERSION})")
    members = manifest.get("members")
    if not isinstance(members, list) or not all(isinstance(m, dict) and isinstance(m.get("name"), str)
                                                for m in members):
        raise _refuse(source, MANIFEST, None, "members", "must be a list of members with names")
    known = {t.member: t for t in archive_tables()}
    names = set(zf.namelist())
    for m in members:
        if m["name"] != USERS and m["name"] not in known:
            raise _refuse(source, MANIFEST, None, "members", f"unknown member {m['name']!r}")
        if m["name"] not in names:
            raise _refuse(source, m["name"], None, None, "listed in the manifest but missing from the archive")
    listed = {m["name"] for m in members}
    for required in [USERS, *(t.member for t in SCHEME_TABLES), PROJECT_TABLE.member]:
        if required not in listed:
            raise _refuse(source, required, None, None, "missing from the archive")
    for f in manifest.get("files") or []:
        if not isinstance(f, dict) or f.get("name") not in names:
            raise _refuse(source, str(f.get("name") if isinstance(f, dict) else f), None, None,
                          "listed in the manifest but missing from the archive")
    return manifest


def _lines(zf: zipfile.ZipFile, member: dict, source: str) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a JSONL member, checking its SHA-256 and row count at the end."""
    name = member["name"]
    sha = hashlib.sha256()
    count = 0
    with zf.open(name) as raw:
        for number, line in enumerate(raw, start=1):
            sha.update(line)
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _refuse(source, name, number, None, f"not a JSON object ({exc})") from None
            if not isinstance(row, dict):
                raise _refuse(source, name, number, None, "not a JSON object")
            count += 1
            yield number, row
    if member.get("sha256") and sha.hexdigest() != member["sha256"]:
        raise _refuse(source, name, None, None, "its SHA-256 differs from the manifest's: the archive is damaged")
    if member.get("rows") is not None and count != member["rows"]:
        raise _refuse(source, name, None, None, f"{count} rows where the manifest says {member['rows']}")


class _Importer:
    """One import: the id maps, the users, and the rows written so far."""

    def __init__(self, zf: zipfile.ZipFile, manifest: dict, source: str, progress: Progress | None) -> None:
        self.zf = zf
        self.manifest = manifest
        self.members = {m["name"]: m for m in manifest["members"]}
        self.source = source
        self.progress = progress
        self.total = sum(int(m.get("rows") or 0) for m in manifest["members"])
        self.done = 0
        self.users: dict[str, int] = {}
        self.user_model = get_user_model()
        self.ids: dict[str, dict[Any, int]] = {}
        # Objects that no longer exist but that history rows still name: they get negative ids,
        # which no row will ever have, so history never points at a row it is not about.
        self.ghosts: dict[str, dict[Any, int]] = {}
        self.ghost_next = 0
        self.users_created: list[str] = []

    def tick(self) -> None:
        self.done += 1
        if self.progress and self.done % CHUNK_SIZE == 0:
            self.progress("import", self.done, self.total)

    def refuse(self, member: str, line: int | None, fieldname: str | None, message: str) -> ArchiveRefused:
        return _refuse(self.source, member, line, fieldname, message)

    # users
    def load_users(self) -> None:
        User = get_user_model()
        member = self.members[USERS]
        for number, row in _lines(self.zf, member, self.source):
            self.tick()
            username = row.get("username")
            if not isinstance(username, str) or not username.strip():
                raise self.refuse(USERS, number, "username", "missing or empty")
            extra = {k: row.get(k) or "" for k in USER_FIELDS if k != "username"}
            for k, v in extra.items():
                if not isinstance(v, str):
                    raise self.refuse(USERS, number, k, "must be a string")
            existing = User.objects.filter(**{User.USERNAME_FIELD: username}).values_list("pk", flat=True).first()
            if existing is None:
                user = User(**{User.USERNAME_FIELD: username}, is_active=False, **extra)
                user.set_unusable_password()
                try:
                    user.full_clean(exclude=["password"])
                except ValidationError as exc:
                    name, messages = next(iter(exc.message_dict.items()))
                    raise self.refuse(USERS, number, name, "; ".join(messages)) from None
                user.save()
                existing = user.pk
                self.users_created.append(username)
            self.users[username] = existing

    def reference(self, member: str, number: int, f: models.Field, value: object) -> int | None:
        """The new id for a reference to an archived row (or a user by username)."""
        if value is None:
            return None
        if f.related_model is self.user_model:
            if value not in self.users:
                raise self.refuse(member, number, f.name, f"user {value!r} is not in {USERS}")
            return self.users[value]
        assert f.related_model is not None and not isinstance(f.related_model, str)
        target = f.related_model._meta.label
        new = self.ids.get(target, {}).get(value)
        if new is not None:
            return new
        if not getattr(f, "db_constraint", True):
            return self.ghost(target, value)  # history pointing at a row deleted since
        raise self.refuse(member, number, f.name, f"refers to {target} {value!r}, which the archive does not hold")

    def ghost(self, label: str, old: object) -> int:
        known = self.ghosts.setdefault(label, {})
        if old not in known:
            self.ghost_next -= 1
            known[old] = self.ghost_next
        return known[old]

    def value(self, member: str, number: int, f: models.Field, value: object) -> object:
        """A column's value from JSON, checked the way the database would check it."""
        if value is None:
            if not f.null:
                raise self.refuse(member, number, f.name, "may not be empty (null)")
            return None
        try:
            if isinstance(f, models.JSONField):
                python = value
            elif isinstance(f, models.FileField):
                if not isinstance(value, str):
                    raise ValidationError("must be a file name")
                python = value
            else:
                python = f.to_python(value)
        except ValidationError as exc:
            raise self.refuse(member, number, f.name, "; ".join(exc.messages)) from None
        if f.choices and python not in {k for k, _ in f.flatchoices} and not (f.blank and python == ""):
            raise self.refuse(member, number, f.name, f"{python!r} is not one of its choices")
        max_length = getattr(f, "max_length", None)
        if max_length and isinstance(python, str) and len(python) > max_length:
            raise self.refuse(member, number, f.name, f"longer than {max_length} characters")
        if isinstance(python, dt.datetime) and timezone.is_naive(python) and settings.USE_TZ:
            python = timezone.make_aware(python, dt.timezone.utc)
        return python

    def load(self, table: Table, adjust: Any = None, into_pk: int | None = None) -> int:
        """Insert a table's rows in chunks, remembering each old id's new id.

        With `into_pk`, the table's one row updates that row instead (the project made when an
        archive was uploaded, which the job then fills).
        """
        member = self.members.get(table.member)
        if member is None:
            return 0
        model = table.model
        columns = {f.name: f for f in _columns(model)}
        pk = model._meta.pk
        history_id = model._meta.get_field("id") if table.history_of else None
        ids = self.ids.setdefault(model._meta.label, {})
        batch: list[tuple[int, object, models.Model]] = []
        rows = 0
        for number, row in _lines(self.zf, member, self.source):
            self.tick()
            unknown = set(row) - set(columns)
            if unknown:
                raise self.refuse(table.member, number, sorted(unknown)[0], "not a field of " + model.__name__)
            if pk.name not in row:
                raise self.refuse(table.member, number, pk.name, "missing")
            kwargs: dict[str, object] = {}
            for name, f in columns.items():
                if f is pk or name not in row:
                    continue  # a column the archive predates takes its default
                if f is history_id:
                    old = row[name]
                    kwargs[f.attname] = self.ids.get(table.history_of or "", {}).get(old) or self.ghost(
                        table.history_of or "", old)
                elif f.is_relation:
                    kwargs[f.attname] = self.reference(table.member, number, f, row[name])
                else:
                    kwargs[f.attname] = self.value(table.member, number, f, row[name])
            if adjust is not None:
                adjust(kwargs, number)
            if into_pk is not None:
                if rows:
                    raise self.refuse(table.member, number, None, "more than one row")
                model._default_manager.filter(pk=into_pk).update(**kwargs)
                ids[row[pk.name]] = into_pk
                rows += 1
                continue
            batch.append((number, row[pk.name], model(**kwargs)))
            if len(batch) >= CHUNK_SIZE:
                self.insert(table, batch, ids)
                batch = []
            rows += 1
        if batch:
            self.insert(table, batch, ids)
        return rows

    def insert(self, table: Table, batch: list[tuple[int, object, models.Model]], ids: dict) -> None:
        """Write a chunk; when the database refuses it, find and name the line it refused."""
        model = table.model
        objs = [obj for _, _, obj in batch]
        try:
            with transaction.atomic():
                model._default_manager.bulk_create(objs, batch_size=500)
        except DatabaseError:
            for number, _, obj in batch:
                obj.pk = None
                try:
                    with transaction.atomic():
                        model._default_manager.bulk_create([obj])
                except DatabaseError as exc:
                    raise self.refuse(table.member, number, None, f"the database refused the row: {exc}") from None
            raise self.refuse(table.member, batch[0][0], None, "the database refused a chunk of rows") from None
        for (_, old, _), obj in zip(batch, objs):
            ids[old] = obj.pk


def _free_slug(slug: str) -> str:
    n = 2
    while Project.objects.filter(slug=f"{slug}-{n}"[:80]).exists():
        n += 1
    return f"{slug}-{n}"[:80]


def _scheme_signature(verdicts: list[dict]) -> list[tuple]:
    keys = ("code", "name", "description", "hotkey", "colour", "order", "fever_label", "averitec_label",
            "claimreview_rating", "claimreview_name_en", "claimreview_name_fr")
    return sorted(tuple(v.get(k) for k in keys) for v in verdicts)


def project_archive_import(
    *, path: str | Path, by: AuthUser | None = None, slug: str | None = None, rename: bool = False,
    progress: Progress | None = None, source: str | None = None, into: Project | None = None,
) -> ImportReport:
    """Create a new project from the archive at `path`, all or nothing.

    `into`: an empty project (made when the archive was uploaded) to fill instead, slug kept.

    The slug is the archive's (or `slug`); when taken, the import is refused unless `rename`,
    which takes the first free `<slug>-2`, `<slug>-3`... `by`, when given, becomes a manager of
    the new project (the person who imported it through the UI or the API).
    """
    source = source or Path(path).name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(source, source, None, None, f"not a zip archive ({exc})") from None
    written: list[Path] = []
    with zf:
        manifest = _manifest(zf, source)
        importer = _Importer(zf, manifest, source, progress)
        tables = archive_tables()
        try:
            with transaction.atomic():
                with _keeping_timestamps([t.model for t in tables]):
                    report = _import(importer, tables, slug=slug, rename=rename, written=written, into=into)
                forget_roles()  # memberships were written in bulk, which sends no signal
                if by is not None:
                    Membership.objects.get_or_create(user=by, project_id=report.project_id, role=Role.MANAGER)
        except BaseException:
            for folder in written:
                shutil.rmtree(folder, ignore_errors=True)
            raise
    if progress:
        progress("import", importer.total, importer.total)
    return report


def _import(
    importer: _Importer, tables: list[Table], *, slug: str | None, rename: bool,
    written: list[Path], into: Project | None = None,
) -> ImportReport:
    importer.load_users()
    scheme_reused = _load_scheme(importer)
    new_slug: list[str] = []

    def project_adjust(kwargs: dict, number: int) -> None:
        if into is not None:
            kwargs["slug"] = into.slug
            new_slug.append(into.slug)
            return
        wanted = slug or str(kwargs.get("slug") or "")
        try:
            validate_slug(wanted)
        except ValidationError as exc:
            raise importer.refuse(PROJECT_TABLE.member, number, "slug", f"{wanted!r}: {' '.join(exc.messages)}") from None
        if Project.objects.filter(slug=wanted).exists():
            if not rename:
                raise importer.refuse(PROJECT_TABLE.member, number, "slug",
                                      f"a project {wanted!r} exists already (import with another slug, or rename)")
            wanted = _free_slug(wanted)
        kwargs["slug"] = wanted
        new_slug.append(wanted)

    def job_adjust(kwargs: dict, number: int) -> None:
        # A job still queued or running where the archive was made is not running here: the
        # reconciler would otherwise start it again in the new project.
        if kwargs.get("status") not in FINISHED_STATUSES:
            kwargs["status"] = JobStatus.CANCELLED
            kwargs["error"] = (str(kwargs.get("error") or "") + " Stopped: the project was moved.").strip()
            kwargs.update(lease="", heartbeat_at=None, queued_at=None, finished_at=timezone.now())
        # The uploaded input of an import stays where it was (it is not in the archive).
        kwargs["input_file"] = ""

    rows = {}
    project_count = 0
    for table in tables:
        if table in SCHEME_TABLES:
            continue
        adjust = {"annotations.Project": project_adjust, "annotations.Job": job_adjust}.get(table.label)
        if table.label == "annotations.ReleaseFile":
            adjust = _release_file_adjust(importer, new_slug)
        if into is not None and table is PROJECT_TABLE:
            # The uploader's membership comes back (with the archive's) once the rows are in.
            Membership.objects.filter(project=into).delete()
        count = importer.load(table, adjust, into.pk if into is not None and table is PROJECT_TABLE else None)
        rows[table.member] = count
        if table is PROJECT_TABLE:
            project_count = count
            if count != 1:
                raise importer.refuse(PROJECT_TABLE.member, None, None, f"holds {count} projects, not one")
    assert project_count == 1
    project = Project.objects.get(pk=next(iter(importer.ids["annotations.Project"].values())))
    files = _load_files(importer, project, written)
    return ImportReport(
        project_id=project.pk, slug=project.slug, rows=importer.done, members=rows,
        users_created=importer.users_created, scheme_reused=scheme_reused, files=files,
    )


def _load_scheme(importer: _Importer) -> bool:
    """Reuse a scheme of the same slug and the same verdicts; otherwise create the archive's anew."""
    scheme_member, verdict_member = (importer.members[t.member] for t in SCHEME_TABLES)
    schemes = list(_lines(importer.zf, scheme_member, importer.source))
    if len(schemes) != 1:
        raise importer.refuse(scheme_member["name"], None, None, f"holds {len(schemes)} schemes, not one")
    number, scheme = schemes[0]
    importer.tick()
    verdicts = []
    for line, row in _lines(importer.zf, verdict_member, importer.source):
        if row.get("scheme") != scheme.get("id"):
            raise importer.refuse(verdict_member["name"], line, "scheme", "not the archive's scheme")
        verdicts.append(row)
    existing = VerdictScheme.objects.filter(slug=scheme.get("slug")).first()
    scheme_map = importer.ids.setdefault("annotations.VerdictScheme", {})
    verdict_map = importer.ids.setdefault("annotations.Verdict", {})
    if existing is not None:
        current: list[dict] = [dict(v) for v in existing.verdicts.values()]
        if _scheme_signature(current) == _scheme_signature(verdicts):
            scheme_map[scheme.get("id")] = existing.pk
            by_code = {v["code"]: v["id"] for v in current}
            for row in verdicts:
                verdict_map[row["id"]] = by_code[row["code"]]
            importer.done += len(verdicts)
            return True
    def scheme_adjust(kwargs: dict, line: int) -> None:
        kwargs["is_default"] = False  # the target has its own default scheme
        if existing is not None:
            base = str(kwargs.get("slug") or "scheme")
            n = 2
            while VerdictScheme.objects.filter(slug=f"{base}-{n}"[:80]).exists():
                n += 1
            kwargs["slug"] = f"{base}-{n}"[:80]
    importer.done -= 1  # counted again by load
    importer.load(SCHEME_TABLES[0], scheme_adjust)
    importer.load(SCHEME_TABLES[1])
    return False


def _release_file_adjust(importer: _Importer, new_slug: list[str]) -> Any:
    from ..models import DatasetRelease

    versions: dict[int, str] = {}

    def adjust(kwargs: dict, number: int) -> None:
        release_id = kwargs["release_id"]
        if release_id not in versions:
            versions[release_id] = DatasetRelease.objects.values_list("version", flat=True).get(pk=release_id)
        name = PurePosixPath(str(kwargs.get("file") or "")).name
        if not name:
            raise importer.refuse("release_files.jsonl", number, "file", "missing or empty")
        kwargs["file"] = f"releases/{new_slug[0]}/{versions[release_id]}/{name}"
    return adjust


def _load_files(importer: _Importer, project: Project, written: list[Path]) -> int:
    """Copy each release file into place, checking its SHA-256 against its row."""
    from ..models import ReleaseFile

    media = Path(settings.MEDIA_ROOT)
    root = releases_root() / project.slug
    if root.exists() and any(root.iterdir()):
        raise importer.refuse(FILES, None, None, f"the folder {root} exists already; remove it first")
    written.append(root)
    new_ids = importer.ids.get("annotations.ReleaseFile", {})
    count = 0
    listed = importer.manifest.get("files") or []
    for entry in listed:
        old = entry.get("release_file")
        if old not in new_ids:
            raise importer.refuse(entry["name"], None, "release_file", f"no release file {old!r} in release_files.jsonl")
        rf = ReleaseFile.objects.get(pk=new_ids[old])
        target = media / str(rf.file.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256()
        with importer.zf.open(entry["name"]) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                sha.update(chunk)
                dst.write(chunk)
        if sha.hexdigest() != rf.sha256:
            raise importer.refuse(entry["name"], None, "sha256", "the file's SHA-256 differs from its release file row")
        count += 1
    missing = len(new_ids) - count
    if missing:
        raise importer.refuse(FILES, None, None, f"{missing} release files listed in release_files.jsonl are missing")
    return count
