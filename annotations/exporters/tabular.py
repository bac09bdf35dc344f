"""CSV of the native records, flattened: UTF-8 with a BOM and CRLF rows, as Excel opens cleanly."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any, ClassVar

from .base import Record, Writer, dumps

# (column, meaning); nested lists are JSON text in one cell.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "the claim's id"),
    ("article_id", "article.id"),
    ("article_external_id", "article.external_id"),
    ("article_title", "article.title"),
    ("article_url", "article.url"),
    ("article_outlet", "article.outlet"),
    ("article_author", "article.author"),
    ("article_published_on", "article.published_on"),
    ("article_language", "article.language"),
    ("start", "start"),
    ("end", "end"),
    ("quote", "quote"),
    ("statement", "statement"),
    ("speaker", "speaker"),
    ("asserted_by_article", "asserted_by_article (True or False)"),
    ("statement_date", "statement_date"),
    ("kind", "kind"),
    ("verdict", "verdict.code"),
    ("verdict_name", "verdict.name"),
    ("fever_label", "verdict.fever"),
    ("averitec_label", "verdict.averitec"),
    ("claimreview_rating", "verdict.claimreview_rating"),
    ("claimreview_name", "verdict.claimreview_name"),
    ("adjudication_method", "adjudication.method"),
    ("adjudication_notes", "adjudication.notes"),
    ("adjudicator", "adjudication.adjudicator"),
    ("adjudicated_at", "adjudication.decided_at"),
    ("n_annotations", "agreement.n_annotations"),
    ("n_agreeing", "agreement.n_agreeing"),
    ("share_agreeing", "agreement.share_agreeing"),
    ("observed_agreement", "agreement.observed"),
    ("annotator_verdicts", "annotator:verdict pairs separated by '; ' (a quick read of annotations)"),
    ("annotations", "annotations, as JSON"),
    ("gold_evidence", "gold_evidence, as JSON"),
)
HEADER = [name for name, _ in COLUMNS]

# Excel runs a cell starting with one of these as a formula (CSV injection): such text cells get
# a leading apostrophe, which Excel shows as text. JSONL and Parquet keep the text unchanged.
FORMULA_STARTS = frozenset("=+-@\t\r")


def cells(record: Record) -> list[Any]:
    """The CSV row of a record: text defused against formulas; None is written as an empty cell."""
    # One expression, no calls per cell: this runs 33 times per claim.
    return [
        ("'" + v if v[:1] in FORMULA_STARTS else v) if type(v) is str else v
        for v in flatten(record)
    ]


def flatten(record: Record) -> list[Any]:
    """The record as one CSV row in HEADER order (values before formula defusing)."""
    article = record["article"]
    verdict = record.get("verdict") or {}
    adjudication = record.get("adjudication") or {}
    agreement = record["agreement"]
    return [
        record["id"], article["id"], article["external_id"], article["title"], article["url"],
        article["outlet"], article["author"], article["published_on"], article["language"],
        record["start"], record["end"], record["quote"], record["statement"], record["speaker"],
        record.get("asserted_by_article", False), record["statement_date"], record["kind"],
        verdict.get("code"), verdict.get("name"), verdict.get("fever"), verdict.get("averitec"),
        verdict.get("claimreview_rating"), verdict.get("claimreview_name"),
        adjudication.get("method"), adjudication.get("notes"), adjudication.get("adjudicator"),
        adjudication.get("decided_at"),
        agreement["n_annotations"], agreement["n_agreeing"], agreement["share_agreeing"],
        agreement["observed"],
        "; ".join(f"{a['annotator']}:{a['verdict'] or ''}" for a in record["annotations"]),
        dumps(record["annotations"]), dumps(record["gold_evidence"]),
    ]


class CsvWriter(Writer):
    """Rows through the csv module into a small text buffer, flushed to `out` as UTF-8."""

    format: ClassVar[str] = "csv"
    suffix: ClassVar[str] = ".csv"
    media_type: ClassVar[str] = "text/csv"
    description: ClassVar[str] = "the native records flattened, one row per claim (UTF-8 with BOM)"

    def __init__(self, out: Any, context: Any) -> None:
        super().__init__(out, context)
        self._buffer = io.StringIO()
        # QUOTE_MINIMAL with CRLF: what Excel writes itself; newlines inside cells are quoted.
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")
        out.write(codecs.BOM_UTF8)
        self._csv.writerow(HEADER)

    def emit(self, record: Record) -> None:
        self._csv.writerow(cells(record))
        if self._buffer.tell() > 1 << 16:
            self._drain()

    def _drain(self) -> None:
        self.out.write(self._buffer.getvalue().encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()

    def finish(self) -> None:
        self._drain()
