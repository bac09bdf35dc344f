"""Stream article records out of JSONL, CSV, plain-text, zip or folder sources, and out of doccano
and Label Studio exports (see importers.tools). Pure: no Django.

Every problem is reported as a RecordError naming the file, the line and the field, so a caller
can refuse the whole source while still listing every bad line. A record that comes out valid
holds only what both PostgreSQL and SQLite store as given: no NUL character, no lone surrogate,
no NaN or infinity in metadata, nothing longer than its column, nothing past the Limits.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import json
import math
import re
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from .sniff import (
    DELIMITERS,
    ENCODING_NAMES,
    GZIP_MAGIC,
    SNIFF_BYTES,
    Gunzipped,
    Unreadable,
    encoding_named,
    separator_named,
    sniff_delimiter,
    sniff_encoding,
)

FORMATS = (
    "jsonl", "csv", "txt", "zip", "folder", "doccano", "labelstudio", "html", "urls", "claimreview",
    "release",
)
# doccano's JSONL cannot be told from ours by its name: it is named as a format. A .json file is a
# Label Studio export unless its first bytes are a fact-check feed's (see detect_format).
_EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".txt": "txt", ".zip": "zip",
    ".json": "labelstudio", ".html": "html", ".htm": "html", ".jsonld": "claimreview",
}
# What a zip may hold, by extension: one article a file, or a file of articles in any format.
_MEMBERS = (".txt", ".html", ".htm")
# What reading a member out of a damaged or hostile zip may raise (bad CRC, truncated deflate
# stream, encrypted or unknown compression, bad header): each is "cannot be unpacked", a bad line.
UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError)
_NESTED = (".jsonl", ".ndjson", ".csv", ".json")

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
    if text.isascii():
        return None
    try:
        # Strict UTF-8 fails on a lone surrogate and on nothing else, several times faster than
        # searching for one (this runs on every field of every record).
        text.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
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
class SpanRecord:
    """A labelled span of a record's body, in code points; one per distinct (start, end)."""

    start: int
    end: int
    labels: tuple[str, ...] = ()
    annotators: tuple[str, ...] = ()
    # A Workbench release's claims (importers.release) bring their id, which links name them by,
    # and the fields a Claim has besides its span.
    key: str = ""
    statement: str = ""
    speaker: str = ""
    asserted_by_article: bool = False
    statement_date: dt.date | None = None
    kind: str = ""


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A link between two spans named by key, the target perhaps in another record (a release's)."""

    source: str
    target: str
    kind: str  # same, contradicts, supports or related
    label: str = ""


@dataclass(frozen=True, slots=True)
class RelationRecord:
    """A link between two spans of one record (indexes into its spans), with the tool's label."""

    source: int
    target: int
    kind: str  # same, contradicts, supports or related (RelationKind's values)
    label: str = ""


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
    # Only annotation tools' exports carry these: each span becomes a claim.
    spans: tuple[SpanRecord, ...] = ()
    relations: tuple[RelationRecord, ...] = ()
    # Only a release carries these: links from its spans to spans of any record, by key.
    links: tuple[LinkRecord, ...] = ()


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
# Turns one JSON object of a source into a record: build_record, or a tool's (importers.tools).
Builder = Callable[[str, int, dict, "Limits"], Item] | None


def format_for_name(name: str) -> str:
    """The format a file name's extension implies (no disk access: uploads have only a name).

    A .gz file has the format of the name inside it (articles.jsonl.gz: jsonl).
    """
    path = Path(name)
    if path.suffix.lower() == ".gz":
        inner = _EXTENSIONS.get(Path(path.stem).suffix.lower())
        if inner is None or inner == "zip":
            raise ValueError(
                f"{path.name}: cannot tell the format inside the .gz from its name; name it like "
                f"articles.jsonl.gz, or name the format ({', '.join(FORMATS)})"
            )
        return inner
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{Path(name).name}: cannot tell the format from the extension; "
            f"use .jsonl, .csv, .txt, .html, .zip, .json (Label Studio) or a folder, or name the format "
            f"({', '.join(FORMATS)})"
        )
    return fmt


def detect_format(path: Path) -> str:
    """The format of a path on disk; a directory is a folder of .txt files.

    A .json file is a fact-check feed when its first bytes say so (see sniff_json_format); a
    .zip, .jsonl or folder holding a Workbench release's claims file is a release.
    """
    from .release import path_is_release  # builds on this module

    if path.is_dir():
        return "release" if path_is_release(path) else "folder"
    fmt = format_for_name(path.name)
    if fmt in ("zip", "jsonl") and path_is_release(path):
        return "release"
    if fmt == "labelstudio" and path.is_file():
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        if head.startswith(GZIP_MAGIC):
            try:  # a partial stream inflates as far as it goes
                head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
            except zlib.error:
                return fmt
        return sniff_json_format(head)
    return fmt


def sniff_json_format(head: bytes) -> str:
    """claimreview when a .json file's first bytes are a fact-check feed's, else labelstudio."""
    from .claimreview import looks_like_claimreview  # builds on this module

    return "claimreview" if looks_like_claimreview(head) else "labelstudio"


def normalise_body(text: str) -> str:
    """Unify line endings; offsets and duplicate detection work on exactly this string."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_error(name: str, line: int, exc: UnicodeDecodeError, encoding: str = "UTF-8") -> RecordError:
    bad = exc.object[exc.start : exc.start + 1].hex()
    return RecordError(
        name, line, None,
        f"not valid {encoding} (byte 0x{bad} at column {exc.start + 1}); save the file as UTF-8",
    )


_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T].*)?")


def _parse_date(value: object, day_first: bool = False) -> dt.date:
    """Accept YYYY-MM-DD or an ISO datetime (its date is kept); DD/MM/YYYY when day_first."""
    if not isinstance(value, str):
        raise ValueError("must be a date as text, YYYY-MM-DD")
    text = value.strip()
    match = _DAY_FIRST.fullmatch(text)
    if match:
        if not day_first:
            raise ValueError(
                f"{value!r} is a day-first date; dates are YYYY-MM-DD unless the project's language "
                f"is French or the import is told dates are day first"
            )
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (DD/MM/YYYY)") from None
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


def build_record(
    name: str, line: int, raw: dict, limits: Limits = Limits(), *, day_first: bool = False
) -> Item:
    """Validate a mapping of field → value into a record, or every problem of its fields.

    Problems are named by the column the file used (`published`, not `published_on`); a line
    with several is one RecordError naming them all. `day_first` accepts DD/MM/YYYY (also with .
    or -) dates besides ISO ones.
    """
    values: dict[str, object] = {}
    columns: dict[str, str] = {}  # field → the column (or key) of the file that held it
    extra: dict[str, object] = {}
    problems: list[tuple[str, str]] = []

    def bad(key: str, message: str) -> None:
        problems.append((columns.get(key, key), message))

    for key, value in raw.items():
        canonical = _ALIAS.get(key.strip().lower() if isinstance(key, str) else key)
        if canonical is None:
            # Unknown columns are kept, not dropped: they land in metadata.
            if value not in (None, ""):
                extra[str(key)] = value
            continue
        values[canonical] = value
        columns[canonical] = key.strip() if isinstance(key, str) else str(key)
    body = values.pop("body", None)
    if not isinstance(body, str) or not body.strip():
        bad("body", "missing or empty; every article needs its text")
        body = ""
    body = normalise_body(body)
    if len(body) > limits.body_chars:
        bad("body", f"is {len(body):,} characters; an article is at most {limits.body_chars:,}")
    else:
        problem = unstorable(body)
        if problem:
            bad("body", problem)
    clean: dict[str, Any] = {"body": body}  # ArticleRecord's fields by name, each checked below
    for key, value in values.items():
        if value is None or value == "":
            continue
        if key == "metadata":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except RecursionError:
                    bad(key, f"is nested more than {limits.json_depth} levels deep")
                    continue
                except ValueError:
                    bad(key, "is not a JSON object")
                    continue
            if not isinstance(value, dict):
                bad(key, "must be a JSON object")
                continue
            clean[key] = value
            continue
        if key == "published_on":
            try:
                clean[key] = _parse_date(value, day_first)
            except ValueError as exc:
                bad(key, str(exc))
                continue
            continue
        if key == "external_id" and isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                bad(key, f"{value} is not an identifier")
                continue
            value = str(value)
        if not isinstance(value, str):
            bad(key, f"must be text, not {type(value).__name__}")
            continue
        problem = unstorable(value)
        if problem:
            bad(key, problem)
            continue
        value = value.strip()
        limit = FIELDS[key][1]
        if limit is not None and len(value) > limit:
            bad(key, f"is {len(value)} characters; at most {limit}")
            continue
        if key == "url":
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                bad(key, f"{value[:80]!r} is not an http(s) URL")
                continue
        clean[key] = value
    if problems:
        return RecordError(
            name, line, ", ".join(column for column, _ in problems),
            problems[0][1] if len(problems) == 1 else "; ".join(f"{c}: {m}" for c, m in problems),
        )
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


def _any_record(
    name: str, line: int, raw: dict, limits: Limits = Limits(), *, day_first: bool = False
) -> Item:
    """A JSONL line as an article, or as a doccano or Label Studio line when it is shaped as one.

    Their shapes cannot be taken for an article of ours: a Label Studio task has `data` and no
    text of its own; a doccano line has entities with offsets, or labels as [start, end, label].
    """
    from . import tools  # tools builds on this module

    if isinstance(raw.get("data"), dict) and "text" not in raw and "body" not in raw:
        return tools.labelstudio_record(name, line, raw, limits)
    if tools.is_doccano(raw):
        return tools.doccano_record(name, line, raw, limits)
    return build_record(name, line, raw, limits, day_first=day_first)


def decoded_lines(
    name: str, fh: BinaryIO, cap: int, advance: Callable[[int], None], encoding: str = "utf-8"
) -> Iterator[tuple[int, str | RecordError]]:
    """Number and decode the physical lines of a file (BOM dropped); refuse those over `cap` bytes
    unread. `advance` is told every byte read (progress)."""
    number = 0
    while raw := fh.readline(cap + 1):
        number += 1
        advance(len(raw))
        if len(raw) > cap and not raw.endswith(b"\n"):
            size = len(raw)
            while raw and not raw.endswith(b"\n"):  # skip the rest in bounded pieces
                raw = fh.readline(1 << 20)
                size += len(raw)
                advance(len(raw))
            yield number, RecordError(
                name, number, None, f"is {size_text(size)} long; a line may be at most {size_text(cap)}"
            )
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield number, raw.decode(encoding)
        except UnicodeDecodeError as exc:
            yield number, _decode_error(name, number, exc, ENCODING_NAMES.get(encoding, encoding))


class SourceReader:
    """Iterate the records of a source; `bytes_read`/`total_bytes` tell how far it got."""

    def __init__(
        self,
        path: Path | str,
        *,
        format: str | None = None,
        limits: Limits = Limits(),
        day_first: bool = False,
        separator: str | None = None,
        encoding: str | None = None,
    ) -> None:
        """`separator` and `encoding` name a CSV's, overriding what sniffing would find."""
        self.path = Path(path)
        self.day_first = day_first
        self.separator = separator_named(separator) if separator else None
        self.encoding = encoding_named(encoding) if encoding else None
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file or folder")
        self.format = format or detect_format(self.path)
        if self.format in ("zip", "jsonl", "folder"):
            from .release import path_is_release  # builds on this module

            if path_is_release(self.path):
                self.format = "release"  # told by content: as a plain zip or JSONL it cannot be read
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}; use one of {', '.join(FORMATS)}")
        if self.format == "urls":
            # Pages are fetched once, by the import service (importers.fetch), then read here.
            raise ValueError("a list of URLs is not read as articles; the import service fetches it")
        if self.format == "claimreview":
            raise ValueError("a fact-check feed holds reference fact checks, not articles")
        self.limits = limits
        self.total_bytes = self._size()
        self.bytes_read = 0

    def _size(self) -> int:
        if self.format == "release":  # what read_release reads: the files in the zip or folder
            from .release import release_size

            return release_size(self.path)
        if self.path.is_dir():
            return sum(p.stat().st_size for p in self._folder_files())
        size = self.path.stat().st_size
        if size > 18:
            with self.path.open("rb") as fh:
                if fh.read(2) == GZIP_MAGIC:
                    # Progress counts inflated bytes: the trailer holds their number (mod 4 GB).
                    fh.seek(-4, 2)
                    return int.from_bytes(fh.read(4), "little") or size
        return size

    def _folder_files(self) -> list[Path]:
        return sorted(p for p in self.path.rglob("*.txt") if p.is_file())

    def __iter__(self) -> Iterator[Item]:
        self.bytes_read = 0
        name = printable(self.path.name)
        if self.format == "release":
            from .release import read_release  # builds on this module

            def advance(n: int) -> None:
                self.bytes_read += n

            yield from read_release(self.path, self.limits, advance)
            return
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
        # A large buffer: lines of a few kilobytes each read from the default 8 KiB one cost
        # a system call or two apiece (~4 times slower on a JSONL of articles).
        with self.path.open("rb", buffering=1 << 20) as raw:
            gzipped = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            too_big = (
                f"unpacks to more than {size_text(self.limits.unzipped_bytes)}, the most a .gz "
                f"may unpack to"
            )
            fh = cast(BinaryIO, Gunzipped(raw, self.limits.unzipped_bytes, too_big)) if gzipped else raw
            try:
                yield from self._file(name, fh)
            except Unreadable as exc:
                yield RecordError(name, None, None, str(exc))

    def _file(self, name: str, fh: BinaryIO) -> Iterator[Item]:
        """The records of one file, whatever its format (the file may be inflating as it is read)."""
        if self.format == "html":
            from .html import html_bytes, html_record  # trafilatura only for web pages

            data = fh.read(html_bytes(self.limits) + 1)
            yield html_record(name, 1, data, self.limits)
            self.bytes_read = self.total_bytes
        elif self.format == "txt":
            data = fh.read(self.limits.member_bytes + 1)
            if len(data) > self.limits.member_bytes:
                yield self._too_big(name, self.total_bytes)
            else:
                yield self._text_record(name, data)
            self.bytes_read = self.total_bytes
        elif self.format == "jsonl":
            yield from self._jsonl(name, fh)
        elif self.format == "doccano":
            from .tools import doccano_record  # tools builds on this module

            yield from self._jsonl(name, fh, doccano_record)
        elif self.format == "labelstudio":
            yield from self._labelstudio(name, fh)
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
            declared = sum(m.file_size for m in members if m.filename.lower().endswith(_MEMBERS + _NESTED))
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
                if member.filename.lower().endswith(_NESTED):
                    used = yield from self._nested(archive, member, label, left)
                    if used is None:
                        return
                    left -= used
                    continue
                if not member.filename.lower().endswith(_MEMBERS):
                    yield RecordError(
                        label, None, None,
                        "only .txt, .html, .jsonl, .csv and .json files may be inside a zip",
                    )
                    continue
                page = not member.filename.lower().endswith(".txt")
                member_cap = limits.member_bytes
                if page:
                    from .html import html_bytes, html_record  # trafilatura only for web pages

                    member_cap = html_bytes(limits)
                if member.file_size > member_cap:
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
                cap = min(member_cap, left)
                try:
                    with archive.open(member) as fh:
                        data = fh.read(cap + 1)
                except UNPACK_ERRORS as exc:
                    yield RecordError(label, None, None, f"cannot be unpacked ({exc})")
                    continue
                if len(data) > cap:
                    if cap < member_cap:
                        yield RecordError(
                            name, None, None,
                            f"unpacks to more than {size_text(limits.unzipped_bytes)}, the most an "
                            f"archive may unpack to",
                        )
                        return
                    yield self._too_big(label, len(data))
                    continue
                left -= len(data)
                yield html_record(label, 1, data, limits) if page else self._text_record(label, data)

    def _nested(
        self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, label: str, left: int
    ) -> Generator[Item, None, int | None]:
        """The records of a file of articles inside a zip (JSONL, CSV, Label Studio JSON).

        Unpacked to a temporary file, at most `left` bytes; returns the bytes it took, or None
        when the archive as a whole unpacks to too much (reported; the reading stops).
        """
        suffix = Path(member.filename).suffix.lower()
        if member.file_size > RATIO_FLOOR and member.file_size > self.limits.zip_ratio * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            yield RecordError(
                label, None, None, f"is compressed {ratio}:1; at most {self.limits.zip_ratio}:1 is accepted"
            )
            return 0
        with tempfile.NamedTemporaryFile(suffix=suffix, prefix="workbench-zip-") as tmp:
            size = 0
            try:
                with archive.open(member) as fh:
                    while chunk := fh.read(1 << 20):
                        size += len(chunk)
                        if size > left:
                            yield RecordError(
                                printable(self.path.name), None, None,
                                f"unpacks to more than {size_text(self.limits.unzipped_bytes)}, the "
                                f"most an archive may unpack to",
                            )
                            return None
                        tmp.write(chunk)
            except UNPACK_ERRORS as exc:
                yield RecordError(label, None, None, f"cannot be unpacked ({exc})")
                return 0
            tmp.flush()
            fmt = detect_format(Path(tmp.name))
            if fmt == "claimreview":
                yield RecordError(label, None, None, "is a fact-check feed; import it on its own")
                return size
            inner = SourceReader(
                tmp.name, format=fmt, limits=self.limits, day_first=self.day_first,
                separator=self.separator, encoding=self.encoding,
            )
            for item in inner:
                if isinstance(item, RecordError):
                    yield RecordError(label, item.line, item.field, item.message)
                else:
                    yield replace(item, file=label)
        return size

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

    def _lines(
        self, name: str, fh: BinaryIO, encoding: str = "utf-8"
    ) -> Iterator[tuple[int, str | RecordError]]:
        """Number and decode the physical lines of a file (BOM dropped); refuse absurd ones unread."""

        def advance(n: int) -> None:
            self.bytes_read += n

        return decoded_lines(name, fh, self.limits.line_bytes, advance, encoding)

    def _jsonl(self, name: str, fh: BinaryIO, builder: Builder = None) -> Iterator[Item]:
        build = builder or functools.partial(_any_record, day_first=self.day_first)
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
            yield build(name, number, raw, self.limits)

    def _labelstudio(self, name: str, fh: BinaryIO) -> Iterator[Item]:
        """A Label Studio export: one JSON list of tasks (JSON, JSON_MIN), or one task a line."""
        from .tools import labelstudio_record  # tools builds on this module

        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        fh.seek(0)
        if not head.startswith(b"["):
            yield from self._jsonl(name, fh, labelstudio_record)
            return
        cap = self.limits.unzipped_bytes
        data = fh.read(cap + 1)
        if len(data) > cap:
            yield RecordError(
                name, None, None,
                f"is more than {size_text(cap)}; export it as one task a line (JSONL) instead",
            )
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield _decode_error(name, data.count(b"\n", 0, exc.start) + 1, exc)
            return
        yield from self._json_array(name, text, labelstudio_record)
        self.bytes_read = self.total_bytes

    def _json_array(self, name: str, text: str, build: Callable[..., Item]) -> Iterator[Item]:
        """Each object of a JSON list, numbered by the line it starts on."""
        decoder = json.JSONDecoder()
        space = re.compile(r"\s*")
        pos = space.match(text).end() + 1  # type: ignore[union-attr]  # \s* always matches
        line = 1 + text.count("\n", 0, pos)
        while True:
            start = space.match(text, pos).end()  # type: ignore[union-attr]
            line += text.count("\n", pos, start)
            if text.startswith("]", start):
                break
            try:
                raw, end = decoder.raw_decode(text, start)
            except RecursionError:
                yield RecordError(
                    name, line, None, f"is nested more than {self.limits.json_depth} levels deep"
                )
                return
            except json.JSONDecodeError as exc:
                yield RecordError(name, exc.lineno, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
                return
            except ValueError as exc:
                yield RecordError(name, line, None, f"not valid JSON ({exc})")
                return
            if isinstance(raw, dict):
                yield build(name, line, raw, self.limits)
            else:
                yield RecordError(name, line, None, "each task must be a JSON object")
            line += text.count("\n", start, end)
            self.bytes_read = end  # characters, not bytes: close enough for a progress bar
            pos = space.match(text, end).end()  # type: ignore[union-attr]
            line += text.count("\n", end, pos)
            if text.startswith(",", pos):
                pos += 1
            elif not text.startswith("]", pos):
                yield RecordError(name, line, None, "not valid JSON (expected ',' or ']' between tasks)")
                return

    def _csv(self, name: str, fh: BinaryIO) -> Iterator[Item]:
        errors: list[RecordError] = []
        sample = fh.read(SNIFF_BYTES)
        fh.seek(0)
        encoding = self.encoding or sniff_encoding(sample[3:] if sample.startswith(b"\xef\xbb\xbf") else sample)

        def text_lines() -> Iterable[str]:
            # Bad bytes are reported by line and replaced so the reader can go on to the end.
            for _, text in self._lines(name, fh, encoding):
                if isinstance(text, RecordError):
                    errors.append(text)
                    yield "\n"
                else:
                    yield text

        lines = iter(text_lines())
        first = next(lines, "")
        def is_body(column: str) -> bool:
            return _ALIAS.get(column.strip().lower()) == "body"

        if self.separator:
            delimiter: str | None = self.separator
            named = next(csv.reader([first], delimiter=self.separator), []) if first.strip() else []
            if first.strip() and not errors and not any(is_body(c) for c in named):
                shown = ", ".join(repr(c.strip()[:40]) for c in named[:6]) + (", …" if len(named) > 6 else "")
                other = sniff_delimiter(first, is_body)
                hint = f"; with a {DELIMITERS[other]} it would have one" if other else ""
                yield RecordError(
                    name, 1, "body",
                    f"no 'body' (or 'text') column in the header split by the {DELIMITERS.get(self.separator, repr(self.separator))} "
                    f"named for this import; the header reads {shown}{hint}",
                )
                return
        else:
            delimiter = sniff_delimiter(first, is_body)
        if delimiter is None and first.strip() and not errors:
            found = next(csv.reader([first]), [])
            shown = ", ".join(repr(c.strip()[:40]) for c in found[:6]) + (", …" if len(found) > 6 else "")
            yield RecordError(
                name, 1, "body",
                f"no 'body' (or 'text') column in the header, with any separator "
                f"({', '.join(DELIMITERS.values())}); the header reads {shown}",
            )
            return
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter or ",")
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
            yield build_record(
                name, start_line, dict(zip(columns, row)), self.limits, day_first=self.day_first
            )
        yield from errors
