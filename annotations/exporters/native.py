"""Native JSONL: one native record per line, UTF-8."""

from __future__ import annotations

from typing import ClassVar

from .base import Record, Writer, dump_bytes


class JsonlWriter(Writer):
    """Every record, as is, one JSON object per line."""

    format: ClassVar[str] = "jsonl"
    suffix: ClassVar[str] = ".jsonl"
    media_type: ClassVar[str] = "application/jsonl"
    description: ClassVar[str] = "native records, one JSON object per line (UTF-8)"

    def emit(self, record: Record) -> None:
        self.out.write(dump_bytes(record) + b"\n")
