"""The native records flattened, one row per claim: CSV for spreadsheets (UTF-8 with a BOM and
CRLF rows, formulas defused) and an Excel workbook that holds the text exactly."""

from __future__ import annotations

import codecs
import csv
import io
import re
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


# Excel's most characters in one cell, and the characters XML (hence .xlsx) cannot hold.
XLSX_CELL_MAX = 32_767
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TOO_LONG = "a text longer than a spreadsheet cell holds (32,767 characters)"
CONTROL = "a text with control characters a spreadsheet cannot hold"


class XlsxWriter(Writer):
    """The CSV's rows as an Excel workbook (openpyxl, write-only: rows stream to a temporary
    file, memory stays flat). Every text cell is typed as text, so nothing is ever read as a
    formula and no apostrophe is needed: here the text is the data, exactly.
    """

    format: ClassVar[str] = "xlsx"
    suffix: ClassVar[str] = ".xlsx"
    media_type: ClassVar[str] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    description: ClassVar[str] = "the native records flattened, one row per claim, as an Excel workbook"

    def __init__(self, out: Any, context: Any) -> None:
        super().__init__(out, context)
        # openpyxl is imported here, not at module level: only release builds write workbooks.
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        self._cell = WriteOnlyCell
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("claims")
        self._sheet.append(self._row(HEADER))
        self._pending: list[Any] = []

    def _row(self, values: list[Any]) -> list[Any]:
        # openpyxl reads text starting with "=" as a formula: such text goes in a cell typed as
        # text. Other values go as they are (building a cell object for each is slower).
        return [self._text(v) if type(v) is str and v[:1] == "=" else v for v in values]

    def _text(self, value: str) -> Any:
        cell = self._cell(self._sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell

    def refuse(self, record: Record) -> str:
        self._pending = flatten(record)
        texts = [v for v in self._pending if type(v) is str]
        if any(len(v) > XLSX_CELL_MAX for v in texts):
            return TOO_LONG
        if any(XLSX_ILLEGAL.search(v) for v in texts):
            return CONTROL
        return ""

    def emit(self, record: Record) -> None:
        self._sheet.append(self._row(self._pending))

    def finish(self) -> None:
        self._book.save(self.out)
