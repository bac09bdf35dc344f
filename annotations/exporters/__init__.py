"""Dataset writers, one per format: pure (no Django), streaming, memory flat.

Each writer takes native records (`records.py`) one at a time and writes bytes to a binary file
object as it goes. `export()` runs one writer over an iterable; a release runs all of them side by
side over a single pass of the records (annotations.services.releases).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from .averitec import AveritecWriter
from .base import Record, ReleaseContext, VerdictInfo, Writer, claim_text
from .card import FileEntry, render_card
from .claimreview import ClaimReviewWriter
from .corpus import COMPANIONS, TABLE_WRITERS
from .fever import FeverWriter
from .native import JsonlWriter
from .parquet import ParquetWriter
from .records import NATIVE_FIELDS, ReleaseStats, claim_agreement
from .tabular import CsvWriter, XlsxWriter

WRITERS: dict[str, type[Writer]] = {
    w.format: w
    for w in (
        JsonlWriter, CsvWriter, XlsxWriter, FeverWriter, AveritecWriter, ClaimReviewWriter, ParquetWriter,
    )
}
FORMATS: tuple[str, ...] = tuple(WRITERS)
# Every file writer: the formats above, and the companion tables (articles, relations, pairs)
# that come with the JSONL and the Parquet.
ALL_WRITERS: dict[str, type[Writer]] = WRITERS | TABLE_WRITERS


def open_writer(format: str, out: BinaryIO, context: ReleaseContext) -> Writer:
    """A writer of the named format (or companion table) over `out`; ValueError if unknown."""
    try:
        cls = ALL_WRITERS[format]
    except KeyError:
        raise ValueError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}") from None
    return cls(out, context)


def export(format: str, records: Iterable[Record], out: BinaryIO, context: ReleaseContext) -> Writer:
    """Write every record in one format; returns the closed writer with its counts."""
    writer = open_writer(format, out, context)
    for record in records:
        writer.write(record)
    writer.close()
    return writer


def file_name(context: ReleaseContext, format: str) -> str:
    """The release file name of a format, e.g. ``anchorage-2025-v1-fever.jsonl``."""
    return f"{context.project_slug}-{context.version}{ALL_WRITERS[format].suffix}"


__all__ = [
    "ALL_WRITERS", "COMPANIONS", "FORMATS", "NATIVE_FIELDS", "WRITERS", "FileEntry", "Record", "ReleaseContext", "ReleaseStats",
    "VerdictInfo", "Writer", "claim_agreement", "claim_text", "export", "file_name", "open_writer",
    "render_card",
]
