"""Stream article records out of JSONL, CSV, plain-text, zip or folder sources. Pure: no Django.

Every problem is reported as a RecordError naming the file, the line and the field, so a caller
can refuse the whole source while still listing every bad line. A record that comes out valid
holds only what both PostgreSQL and SQLite store as given: no NUL character, no lone surrogate,
no NaN or infinity in metadata, nothing longer than its column, nothing past the Limits.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

FORMATS = ("jsonl", "csv", "txt", "zip", "folder")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".txt": "txt", ".zip": "zip"}

# Field name → (aliases accepted in files, maximum length or None). The lengths are the columns'
# (Article and Outlet): PostgreSQL refuses longer text, SQLite would store it silently.
FIELDS: dict[str, tuple[tuple[str, ...], int | None]] = {
    "body": (("body", "text"), None),
    "title": (("title",), 500),
    "author": (("author",), 300),
    "url": (("url",), 2000),
    "published_on": (("published_on", "published", "date"), None),
    "language": (("language", "lang"), 12),
    "outlet": (("outlet",), 200),
    "outlet_domain": (("outlet_domain",), 200),
    "external_id": (("external_id", "id"), 200),
    "metadata": (("metadata",), None),
}
_ALIAS = {alias: name for name, (aliases, _) in FIELDS.items() for alias in aliases}

csv.field_size_limit(sys.maxsize)

_SURROGATE = re.compile("[\ud800-\udfff]")
# UTF-8 needs at most 4 bytes a character: a file larger than this cannot hold a body in bounds.
_BYTES_PER_CHAR = 4
# Below this size a zip member is not held to the compression ratio: short texts can compress
# very well, and cannot be a bomb.
RATIO_FLOOR = 1 << 20
# JSON text may spell a character as a 12-byte escaped surrogate pair; a line longer than this
# cannot hold a body and metadata within their limits and is refused unread.
_ESCAPE_BYTES = 12


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a source may hold; callers (the import service) fill it from their settings."""

    body_chars: int = 5_000_000
    metadata_chars: int = 1_000_000
    json_depth: int = 32
    # All members of a zip together, uncompressed, as declared and as actually read.
    unzipped_bytes: int = 1 << 30
    # Uncompressed size over compressed size, for each zip member larger than RATIO_FLOOR.
    zip_ratio: int = 100

    @property
    def member_bytes(self) -> int:
        """The largest .txt file (one article) worth reading: a BOM plus a body at 4 bytes each."""
        return 3 + _BYTES_PER_CHAR * self.body_chars

    @property
    def line_bytes(self) -> int:
        """The longest JSONL or CSV line worth reading."""
        return _ESCAPE_BYTES * (self.body_chars + self.metadata_chars) + (1 << 20)


def printable(text: str) -> str:
    """The text with NUL and lone surrogates spelled as escapes, so any database can store it."""
    if "\x00" not in text and not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def unstorable(text: str) -> str | None:
    """Why PostgreSQL or SQLite would refuse this text (NUL, lone surrogate), or None."""
    nul = text.find("\x00")
    if nul >= 0:
        return f"contains a NUL character (U+0000) at character {nul + 1}, which cannot be stored"
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return (
            f"contains a lone surrogate (U+{ord(surrogate.group()):04X}) at character "
            f"{surrogate.start() + 1}, which is not a character and cannot be stored"
        )
    return None


def size_text(n: int) -> str:
    """Bytes for people (1.5 MB), in powers of 1024 like Django's filesizeformat."""
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One valid article as read from a source."""

    file: str
    line: int
    body: str
    title: str = ""
    author: str = ""
    url: str = ""
    published_on: dt.date | None = None
    language: str = ""
    outlet: str = ""
    outlet_domain: str = ""
    external_id: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why one line (or file) of a source cannot be imported."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __post_init__(self) -> None:
        # Errors are stored on the Job (jsonb): a file name or key quoted in one must not carry
        # the very characters it reports.
        object.__setattr__(self, "file", printable(self.file))
        object.__setattr__(self, "message", printable(self.message))
        if self.field is not None:
            object.__setattr__(self, "field", printable(self.field))

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line is not None else "")
        return f"{where}" + (f", field {self.field!r}" if self.field else "") + f": {self.message}"


Item = ArticleRecord | RecordError


def format_for_name(name: str) -> str:
    """The format a file name's extension implies (no disk access: uploads have only a name)."""
    fmt = _EXTENSIONS.get(Path(name).suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{Path(name).name}: cannot tell the format from the extension; "
            f"use .jsonl, .csv, .txt, .zip or a folder, or name the format ({', '.join(FORMATS)})"
        )
    return fmt


def detect_format(path: Path) -> str:
    """The format of a path on disk; a directory is a folder of .txt files."""
    return "folder" if path.is_dir() else format_for_name(path.name)


def normalise_body(text: str) -> str:
    """Unify line endings; offsets and duplicate detection work on exactly this string."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_error(name: str, line: int, exc: UnicodeDecodeError) -> RecordError:
    bad = exc.object[exc.start : exc.start + 1].hex()
    return RecordError(
        name, line, None,
        f"not valid UTF-8 (byte 0x{bad} at column {exc.start + 1}); save the file as UTF-8",
    )


def _parse_date(value: object) -> dt.date:
    """Accept YYYY-MM-DD or an ISO datetime (its date is kept)."""
    if not isinstance(value, str):
        raise ValueError("must be a date as text, YYYY-MM-DD")
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _path(parts: tuple[str | int, ...]) -> str:
    """A field path for people: metadata.source.tags[2]."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = part if len(part) <= 80 else part[:77] + "..."
            text += f".{shown}" if text else shown
    return text


def _json_problem(value: object, where: tuple[str, ...], limits: Limits) -> tuple[str, str] | None:
    """The first (field path, problem) in a JSON value that a database would refuse, or None.

    Walks without recursion, so the depth limit, not Python's stack, decides what is too deep.
    `where` is the path to the value; the value itself is at depth 1 if it is an object or array.
    """
    stack: list[tuple[object, tuple[str | int, ...], int]] = [(value, where, 1)]
    while stack:
        node, parts, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limits.json_depth:
                return _path(parts[:2]), f"is nested more than {limits.json_depth} levels deep"
            if isinstance(node, dict):
                children: list[tuple[object, tuple[str | int, ...], int]] = []
                for key, item in node.items():
                    problem = unstorable(key)
                    if problem:
                        return _path((*parts, key)), f"has a key that {problem}"
                    children.append((item, (*parts, key), depth + 1))
            else:
                children = [(item, (*parts, i), depth + 1) for i, item in enumerate(node)]
            stack.extend(reversed(children))  # popped in document order: the first problem wins
        elif isinstance(node, str):
            problem = unstorable(node)
            if problem:
                return _path(parts), problem
        elif isinstance(node, float) and not math.isfinite(node):
            # JSON has no NaN or infinity (PostgreSQL's jsonb and SQLite's json_valid refuse them);
            # Python reads them, and numbers too large for a double become infinity.
            return _path(parts), f"{node} is not a number JSON can hold"
    return None


# A JSON string (with any escapes), a key when followed by a colon, or a bracket.
_JSON_TOKEN = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"(\s*:)?|[\[{]|[\]}]')


def _deep_field(text: str, limit: int) -> str | None:
    """The top-level key under which a JSON line nests deeper than `limit` (the record is 1)."""
    depth = 0
    key: str | None = None
    for token in _JSON_TOKEN.finditer(text):
        char = token.group(0)[0]
        if char == '"':
            if depth == 1 and token.group(2):
                try:
                    key = json.loads(f'"{token.group(1)}"')
                except ValueError:
                    key = token.group(1)
        elif char in "[{":
            depth += 1
            if depth > limit:
                break
        else:
            depth -= 1
    else:
        return None
    if key is None:
        return None
    return _ALIAS.get(key.strip().lower(), key)


def build_record(name: str, line: int, raw: dict, limits: Limits = Limits()) -> Item:
    """Validate a mapping of field → value into a record, or the first problem found."""
    values: dict[str, object] = {}
    extra: dict[str, object] = {}
    for key, value in raw.items():
        canonical = _ALIAS.get(key.strip().lower() if isinstance(key, str) else key)
        if canonical is None:
            # Unknown columns are kept, not dropped: they land in metadata.
            if value not in (None, ""):
                extra[str(key)] = value
            continue
        values[canonical] = value
    body = values.pop("body", None)
    if not isinstance(body, str) or not body.strip():
        return RecordError(name, line, "body", "missing or empty; every article needs its text")
    body = normalise_body(body)
    if len(body) > limits.body_chars:
        return RecordError(
            name, line, "body", f"is {len(body):,} characters; an article is at most {limits.body_chars:,}"
        )
    problem = unstorable(body)
    if problem:
        return RecordError(name, line, "body", problem)
    clean: dict[str, Any] = {"body": body}  # ArticleRecord's fields by name, each checked below
    for key, value in values.items():
        if value is None or value == "":
            continue
        if key == "metadata":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except RecursionError:
                    return RecordError(
                        name, line, key, f"is nested more than {limits.json_depth} levels deep"
                    )
                except ValueError:
                    return RecordError(name, line, key, "is not a JSON object")
            if not isinstance(value, dict):
                return RecordError(name, line, key, "must be a JSON object")
            clean[key] = value
            continue
        if key == "published_on":
            try:
                clean[key] = _parse_date(value)
            except ValueError as exc:
                return RecordError(name, line, key, str(exc))
            continue
        if key == "external_id" and isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                return RecordError(name, line, key, f"{value} is not an identifier")
            value = str(value)
        if not isinstance(value, str):
            return RecordError(name, line, key, f"must be text, not {type(value).__name__}")
        problem = unstorable(value)
        if problem:
            return RecordError(name, line, key, problem)
        value = value.strip()
        limit = FIELDS[key][1]
        if limit is not None and len(value) > limit:
            return RecordError(name, line, key, f"is {len(value)} characters; at most {limit}")
        if key == "url":
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                return RecordError(name, line, key, f"{value[:80]!r} is not an http(s) URL")
        clean[key] = value
    # Unknown columns are named as they were in the file; the metadata field by its path in it.
    found = _json_problem(extra, (), limits) if extra else None
    if found is None and "metadata" in clean:
        found = _json_problem(clean["metadata"], ("metadata",), limits)
    if found is not None:
        return RecordError(name, line, found[0] or None, found[1])
    if extra:
        clean["metadata"] = {**extra, **clean.get("metadata", {})}
    if "metadata" in clean:
        size = len(json.dumps(clean["metadata"], ensure_ascii=False, allow_nan=False))
        if size > limits.metadata_chars:
            return RecordError(
                name, line, "metadata",
                f"is {size:,} characters as JSON; at most {limits.metadata_chars:,}",
            )
    return ArticleRecord(file=name, line=line, **clean)


class SourceReader:
    """Iterate the records of a source; `bytes_read`/`total_bytes` tell how far it got."""

    def __init__(
        self, path: Path | str, *, format: str | None = None, limits: Limits = Limits()
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file or folder")
        self.format = format or detect_format(self.path)
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}; use one of {', '.join(FORMATS)}")
        self.limits = limits
        self.total_bytes = self._size()
        self.bytes_read = 0

    def _size(self) -> int:
        if self.path.is_dir():
            return sum(p.stat().st_size for p in self._folder_files())
        return self.path.stat().st_size

    def _folder_files(self) -> list[Path]:
        return sorted(p for p in self.path.rglob("*.txt") if p.is_file())

    def __iter__(self) -> Iterator[Item]:
        self.bytes_read = 0
        name = printable(self.path.name)
        if self.format == "folder":
            for file in self._folder_files():
                label = str(file.relative_to(self.path))
                size = file.stat().st_size
                if size > self.limits.member_bytes:
                    yield self._too_big(label, size)
                else:
                    yield self._text_record(label, file.read_bytes())
                self.bytes_read += size
            return
        if self.format == "zip":
            yield from self._zip()
            return
        with self.path.open("rb") as fh:
            if self.format == "txt":
                data = fh.read(self.limits.member_bytes + 1)
                if len(data) > self.limits.member_bytes:
                    yield self._too_big(name, self.total_bytes)
                else:
                    yield self._text_record(name, data)
                self.bytes_read = self.total_bytes
            elif self.format == "jsonl":
                yield from self._jsonl(name, fh)
            else:
                yield from self._csv(name, fh)

    def _too_big(self, label: str, size: int) -> RecordError:
        return RecordError(
            label, 1, "body",
            f"the file is {size_text(size)}, more than an article can hold "
            f"({self.limits.body_chars:,} characters)",
        )

    def _zip(self) -> Iterator[Item]:
        name = printable(self.path.name)
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError):
            yield RecordError(name, None, None, "is not a valid zip archive")
            return
        with archive:
            members = sorted(
                (m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")),
                key=lambda m: m.filename,
            )
            limits = self.limits
            # What the headers declare is checked before anything is inflated ...
            declared = sum(m.file_size for m in members if m.filename.lower().endswith(".txt"))
            if declared > limits.unzipped_bytes:
                yield RecordError(
                    name, None, None,
                    f"unpacks to {size_text(declared)}; an archive may unpack to at most "
                    f"{size_text(limits.unzipped_bytes)}",
                )
                return
            left = limits.unzipped_bytes
            for member in members:
                label = f"{name}:{member.filename}"
                self.bytes_read += member.compress_size
                if not member.filename.lower().endswith(".txt"):
                    yield RecordError(label, None, None, "only .txt files may be inside a zip")
                    continue
                if member.file_size > limits.member_bytes:
                    yield self._too_big(label, member.file_size)
                    continue
                if member.file_size > RATIO_FLOOR and (
                    member.file_size > limits.zip_ratio * max(member.compress_size, 1)
                ):
                    ratio = member.file_size // max(member.compress_size, 1)
                    yield RecordError(
                        label, None, None,
                        f"is compressed {ratio}:1; at most {limits.zip_ratio}:1 is accepted "
                        f"(a file that shrinks this much is not an article)",
                    )
                    continue
                # ... and again while inflating, since headers can lie.
                cap = min(limits.member_bytes, left)
                try:
                    with archive.open(member) as fh:
                        data = fh.read(cap + 1)
                except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                        ValueError, OSError) as exc:
                    yield RecordError(label, None, None, f"cannot be unpacked ({exc})")
                    continue
                if len(data) > cap:
                    if cap < limits.member_bytes:
                        yield RecordError(
                            name, None, None,
                            f"unpacks to more than {size_text(limits.unzipped_bytes)}, the most an "
                            f"archive may unpack to",
                        )
                        return
                    yield self._too_big(label, len(data))
                    continue
                left -= len(data)
                yield self._text_record(label, data)

    def _text_record(self, name: str, data: bytes) -> Item:
        """A whole .txt file is one article; its first non-empty line is the title."""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
            bad = data[exc.start : exc.start + 1].hex()
            return RecordError(
                name, line, None,
                f"not valid UTF-8 (byte 0x{bad} at column {column + 1}); save the file as UTF-8",
            )
        title = next((ln.strip().lstrip("#").strip(" *") for ln in text.splitlines() if ln.strip()), "")
        return build_record(printable(name), 1, {"body": text, "title": title[:500]}, self.limits)

    def _lines(self, name: str, fh: BinaryIO) -> Iterator[tuple[int, str | RecordError]]:
        """Number and decode the physical lines of a file (BOM dropped); refuse absurd ones unread."""
        cap = self.limits.line_bytes
        number = 0
        while raw := fh.readline(cap + 1):
            number += 1
            self.bytes_read += len(raw)
            if len(raw) > cap and not raw.endswith(b"\n"):
                size = len(raw)
                while raw and not raw.endswith(b"\n"):  # skip the rest in bounded pieces
                    raw = fh.readline(1 << 20)
                    size += len(raw)
                    self.bytes_read += len(raw)
                yield number, RecordError(
                    name, number, None, f"is {size_text(size)} long; a line may be at most {size_text(cap)}"
                )
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, _decode_error(name, number, exc)

    def _jsonl(self, name: str, fh: BinaryIO) -> Iterator[Item]:
        for number, text in self._lines(name, fh):
            if isinstance(text, RecordError):
                yield text
                continue
            if not text.strip():
                continue
            try:
                raw = json.loads(text)
            except RecursionError:
                # Python's parser gives up long before the depth it would take to hurt a database;
                # either way the line is refused, naming the field when it can be found.
                yield RecordError(
                    name, number, _deep_field(text, self.limits.json_depth + 1),
                    f"is nested more than {self.limits.json_depth} levels deep",
                )
                continue
            except json.JSONDecodeError as exc:
                yield RecordError(name, number, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            except ValueError as exc:
                # Integers of more than 4,300 digits, which Python refuses to read.
                yield RecordError(name, number, None, f"not valid JSON ({exc})")
                continue
            if not isinstance(raw, dict):
                yield RecordError(name, number, None, "each line must be a JSON object")
                continue
            yield build_record(name, number, raw, self.limits)

    def _csv(self, name: str, fh: BinaryIO) -> Iterator[Item]:
        errors: list[RecordError] = []

        def text_lines() -> Iterable[str]:
            # Bad bytes are reported by line and replaced so the reader can go on to the end.
            for _, text in self._lines(name, fh):
                if isinstance(text, RecordError):
                    errors.append(text)
                    yield "\n"
                else:
                    yield text

        reader = csv.reader(text_lines())
        try:
            header = next(reader, None)
        except csv.Error as exc:
            yield RecordError(name, 1, None, f"unreadable CSV header ({exc})")
            return
        yield from errors
        errors.clear()
        if not header:
            yield RecordError(name, 1, None, "empty file: the first line must name the columns")
            return
        columns = [h.strip() for h in header]
        if not any(_ALIAS.get(c.lower()) == "body" for c in columns):
            yield RecordError(name, 1, "body", "no 'body' (or 'text') column in the header")
            return
        while True:
            start_line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield RecordError(name, start_line, None, f"malformed CSV ({exc})")
                break
            if errors:
                yield from errors
                errors.clear()
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                yield RecordError(
                    name, start_line, None, f"has {len(row)} columns; the header has {len(columns)}"
                )
                continue
            yield build_record(name, start_line, dict(zip(columns, row)), self.limits)
        yield from errors
