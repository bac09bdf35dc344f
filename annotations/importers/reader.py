"""Stream article records out of JSONL, CSV, plain-text, zip or folder sources. Pure: no Django.

Every problem is reported as a RecordError naming the file, the line and the field, so a caller
can refuse the whole source while still listing every bad line.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

FORMATS = ("jsonl", "csv", "txt", "zip", "folder")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".txt": "txt", ".zip": "zip"}

# Field name → (aliases accepted in files, maximum length or None).
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


def build_record(name: str, line: int, raw: dict) -> Item:
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
    clean: dict[str, object] = {"body": normalise_body(body)}
    for key, value in values.items():
        if value is None or value == "":
            continue
        if key == "metadata":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
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
        if isinstance(value, (int, float)) and key == "external_id":
            value = str(value)
        if not isinstance(value, str):
            return RecordError(name, line, key, f"must be text, not {type(value).__name__}")
        value = value.strip()
        limit = FIELDS[key][1]
        if limit is not None and len(value) > limit:
            return RecordError(name, line, key, f"is {len(value)} characters; at most {limit}")
        if key == "url":
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                return RecordError(name, line, key, f"{value[:80]!r} is not an http(s) URL")
        clean[key] = value
    if extra:
        clean["metadata"] = {**extra, **clean.get("metadata", {})}  # type: ignore[dict-item]
    return ArticleRecord(file=name, line=line, **clean)  # type: ignore[arg-type]


class SourceReader:
    """Iterate the records of a source; `bytes_read`/`total_bytes` tell how far it got."""

    def __init__(self, path: Path | str, *, format: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file or folder")
        self.format = format or detect_format(self.path)
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}; use one of {', '.join(FORMATS)}")
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
        name = self.path.name
        if self.format == "folder":
            for file in self._folder_files():
                data = file.read_bytes()
                yield self._text_record(str(file.relative_to(self.path)), data)
                self.bytes_read += len(data)
            return
        if self.format == "zip":
            yield from self._zip()
            return
        with self.path.open("rb") as fh:
            if self.format == "txt":
                data = fh.read()
                yield self._text_record(name, data)
                self.bytes_read = len(data)
            elif self.format == "jsonl":
                yield from self._jsonl(name, fh)
            else:
                yield from self._csv(name, fh)

    def _zip(self) -> Iterator[Item]:
        try:
            archive = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            yield RecordError(self.path.name, None, None, "is not a valid zip archive")
            return
        with archive:
            members = sorted(
                (m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")),
                key=lambda m: m.filename,
            )
            for member in members:
                label = f"{self.path.name}:{member.filename}"
                if not member.filename.lower().endswith(".txt"):
                    yield RecordError(label, None, None, "only .txt files may be inside a zip")
                    continue
                data = archive.read(member)
                yield self._text_record(label, data)
                self.bytes_read += member.compress_size

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
        return build_record(name, 1, {"body": text, "title": title[:500]})

    def _lines(self, name: str, fh: BinaryIO) -> Iterator[tuple[int, str | RecordError]]:
        """Number and decode the physical lines of a file (BOM dropped)."""
        for number, raw in enumerate(fh, start=1):
            self.bytes_read += len(raw)
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
            except json.JSONDecodeError as exc:
                yield RecordError(name, number, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(raw, dict):
                yield RecordError(name, number, None, "each line must be a JSON object")
                continue
            yield build_record(name, number, raw)

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
            yield build_record(name, start_line, dict(zip(columns, row)))
        yield from errors
