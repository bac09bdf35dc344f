"""Telling how a source is written: gzip, a CSV's encoding and separator. Pure: no Django."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}
# Where a CSV's encoding and separator are sniffed: its first bytes.
SNIFF_BYTES = 1 << 16
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def sniff_encoding(sample: bytes) -> str:
    """UTF-8 if the sample reads as UTF-8 (a character cut at its end aside), else Windows-1252.

    Excel saves "CSV" in the system's code page; in Western Europe that is Windows-1252, which
    reads any byte but five. Whatever does not read either way is reported line by line, as UTF-8.
    """
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "utf-8"


# Names a person may give a separator by, besides the character itself.
_SEPARATOR_NAMES = {name: char for char, name in DELIMITERS.items()} | {"\\t": "\t", "tabulation": "\t"}


def separator_named(value: str) -> str:
    """The one-character CSV separator a person named (';', 'semicolon', 'tab'); ValueError if none."""
    char = _SEPARATOR_NAMES.get(value.strip().lower(), value if value == "\t" else value.strip())
    if len(char) != 1 or char in "\"\r\n" or char.isalnum():
        raise ValueError(
            f"{value!r} is not a CSV separator; name one character, or one of "
            f"{', '.join(sorted(_SEPARATOR_NAMES))}"
        )
    return char


def encoding_named(value: str) -> str:
    """Python's name for an encoding a person named (latin-1, windows-1252, utf8); ValueError if none.

    Files are read line by line, so encodings whose newline is not the byte 0x0A are refused.
    """
    try:
        name = codecs.lookup(value.strip()).name
    except (LookupError, ValueError):
        raise ValueError(f"{value!r} is not an encoding Python knows (try utf-8, windows-1252, latin-1)") from None
    if "\n".encode(name, errors="ignore") != b"\n" or name.startswith(("utf-16", "utf-32")):
        raise ValueError(f"{value!r}: files in {name} are not read; save the file as UTF-8")
    ENCODING_NAMES.setdefault(name, value.strip())
    return name


def sniff_delimiter(header: str, is_body: Callable[[str], bool]) -> str | None:
    """The separator with which the header names a body column (comma first), or None."""
    for delimiter in DELIMITERS:
        try:
            columns = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            continue
        if any(is_body(c) for c in columns):
            return delimiter
    return None


class Unreadable(Exception):
    """The whole source cannot be read on (a corrupt or oversized .gz)."""


class Gunzipped(io.BufferedIOBase):
    """A .gz file read through, refusing to inflate past `cap` bytes (a gzip bomb)."""

    def __init__(self, raw: BinaryIO, cap: int, too_big: str) -> None:
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._cap = cap
        self._too_big = too_big
        self._count = 0

    def _guard(self, read: Any, size: int) -> bytes:
        try:
            data = read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise Unreadable(f"is not a valid .gz file ({exc or type(exc).__name__})") from None
        self._count += len(data)
        if self._count > self._cap:
            raise Unreadable(self._too_big)
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._guard(self._gz.read, -1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._guard(self._gz.readline, -1 if size is None else size)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._count = 0
        return self._gz.seek(offset, whence)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True
