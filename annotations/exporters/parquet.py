"""Parquet (pyarrow) of the native records, in row groups, with nested fields as struct/list columns."""

from __future__ import annotations

from functools import cache
from typing import Any, BinaryIO, ClassVar

from .base import Record, ReleaseContext, Writer

ROW_GROUP = 5_000  # rows per Parquet row group
BATCH = 500  # records turned into Arrow data at a time: Python dicts are the costly part


@cache
def schema() -> Any:
    """The Arrow schema of the native records.

    pyarrow (~60 MB resident) is imported here, not at module level: every web and worker
    process imports the exporters, and only release builds write Parquet.
    """
    import pyarrow as pa

    _str = pa.string()
    _int = pa.int64()
    return pa.schema([
        pa.field("id", _int, nullable=False),
        pa.field("article", pa.struct([
            ("id", _int), ("external_id", _str), ("title", _str), ("url", _str), ("outlet", _str),
            ("author", _str), ("published_on", _str), ("language", _str),
        ])),
        ("start", _int), ("end", _int), ("quote", _str), ("statement", _str), ("speaker", _str),
        ("asserted_by_article", pa.bool_()), ("statement_date", _str), ("kind", _str),
        ("verdict", pa.struct([
            ("code", _str), ("name", _str), ("fever", _str), ("averitec", _str),
            ("claimreview_rating", _int), ("claimreview_name", _str),
        ])),
        ("adjudication", pa.struct([
            ("method", _str), ("notes", _str), ("adjudicator", _str), ("decided_at", _str),
        ])),
        ("gold_evidence", pa.list_(pa.struct([
            ("id", _int), ("url", _str), ("title", _str), ("publisher", _str), ("published_on", _str),
            ("passage", _str), ("question", _str), ("stance", _str), ("linked_claim_id", _int),
            ("linked_article_id", _int),
        ]))),
        ("annotations", pa.list_(pa.struct([
            ("annotator", _str), ("verdict", _str), ("confidence", _int), ("rationale", _str),
        ]))),
        ("agreement", pa.struct([
            ("n_annotations", _int), ("n_agreeing", _int), ("share_agreeing", pa.float64()),
            ("observed", pa.float64()),
        ])),
        ("questions", pa.list_(pa.struct([
            ("id", _int), ("text", _str), ("text_en", _str), ("answer", _str),
            ("answered_by", pa.list_(pa.struct([
                ("claim_id", _int), ("answer", _str), ("quote", _str), ("article_id", _int), ("url", _str),
            ]))),
        ]))),
        ("relations", pa.list_(pa.struct([("kind", _str), ("claim_id", _int), ("direction", _str)]))),
    ])


class ParquetWriter(Writer):
    """Turns every BATCH records into an Arrow record batch and writes a row group of ROW_GROUP
    rows; memory stays at one row group of Arrow data plus one batch of records.

    Dates stay ISO strings, exactly as in the JSONL, so the two files read back equal.
    """

    format: ClassVar[str] = "parquet"
    suffix: ClassVar[str] = ".parquet"
    media_type: ClassVar[str] = "application/vnd.apache.parquet"
    description: ClassVar[str] = "the native records as Parquet (nested struct and list columns)"

    def __init__(self, out: BinaryIO, context: ReleaseContext, row_group: int = ROW_GROUP) -> None:
        super().__init__(out, context)
        self.row_group = row_group
        self._rows: list[Record] = []
        self._batches: list[Any] = []  # pyarrow RecordBatch
        self._batched = 0
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        annotated = self.arrow_schema().with_metadata({
            "workbench.project": context.project_slug,
            "workbench.version": context.version,
            "license": context.licence,
        })
        # Arrow's default allocator (mimalloc) keeps what it freed, about four times the live
        # row group here; the system allocator hands it back, so memory stays flat. Same speed.
        pa.set_memory_pool(pa.system_memory_pool())
        self._writer = pq.ParquetWriter(out, annotated, compression="zstd")
        self._schema = annotated

    def arrow_schema(self) -> Any:
        """The Arrow schema of the rows this writer writes: the native records'."""
        return schema()

    def emit(self, record: Record) -> None:
        self._rows.append(record)
        if len(self._rows) >= min(BATCH, self.row_group):
            self._convert()
            if self._batched >= self.row_group:
                self._flush()

    def _convert(self) -> None:
        if self._rows:
            self._batches.append(self._pa.RecordBatch.from_pylist(self._rows, schema=self._schema))
            self._batched += len(self._rows)
            self._rows = []

    def _flush(self) -> None:
        if self._batches:
            table = self._pa.Table.from_batches(self._batches, schema=self._schema)
            self._writer.write_table(table, row_group_size=self._batched)
            self._batches, self._batched = [], 0

    def finish(self) -> None:
        self._convert()
        self._flush()
        self._writer.close()

    @staticmethod
    def columns() -> list[tuple[str, Any]]:
        """Top-level columns and their Arrow types, for the card."""
        return [(f.name, f.type) for f in schema()]
