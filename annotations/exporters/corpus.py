"""The tables that make a release self-contained: the articles, the claim relations, and the
claim pairs for NLI-style research, each as JSONL and as Parquet.

They come with the native formats: a release with the JSONL has `-articles.jsonl`,
`-relations.jsonl` and `-pairs.jsonl`; one with the Parquet has the same three as Parquet. Rows
come from the release selectors (one dict per article, one per relation); the writers here only
pick and shape fields. Pure: no Django.
"""

from __future__ import annotations

from functools import cache
from typing import Any, BinaryIO, ClassVar

from .base import Record, ReleaseContext, Writer, dump_bytes
from .parquet import ParquetWriter

# A relation's kind as an NLI label, read from the first claim (premise) to the second.
NLI_LABELS = {
    "contradicts": "contradiction",
    "same": "entailment",
    "supports": "entailment",
    "related": "neutral",
}
OUTSIDE = "a linked claim is not in this release"

ARTICLE_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "the article's workbench id (article.id in the claims)"),
    ("external_id", "the id it was imported with"),
    ("title, outlet, author, url", "the article's metadata"),
    ("published_on", "its publication date (YYYY-MM-DD) or null"),
    ("language", "its language code"),
    ("body", "the full text; a claim's start and end index it in Unicode code points "
     "(body[start:end] == quote)"),
)
RELATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "the link's workbench id"),
    ("source_claim_id, target_claim_id", "the two claims (ids of the claims file)"),
    ("kind", "same, contradicts, supports (source supports target) or related"),
    ("note", "the annotator's note on the link"),
    ("created_by", "who linked them (pseudonym unless the project shows names)"),
    ("created_at", "when (ISO, UTC)"),
    ("source_verdict, target_verdict", "each claim's final verdict code, or null"),
)
PAIR_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "relation:<the link's id, as in the relations file>, or question:<question id>:<claim a>:<claim b>"),
    ("origin", "relation (a link annotators drew), or question (the two claims answer one check question "
     "yes and no, without a contradicts link between them)"),
    ("question", "that check question's text, else \"\""),
    ("claim_a_id, claim_b_id", "the claims: a is the link's source (the premise), b its target"),
    ("claim_a, claim_b", "each claim's statement, else its quote"),
    ("quote_a, quote_b", "each claim's exact span in its article"),
    ("article_a_id, article_b_id", "their articles (ids of the articles file)"),
    ("label", "contradiction (contradicts), entailment (same, supports) or neutral (related)"),
    ("kind", "the link's kind"),
    ("verdict_a, verdict_b", "each claim's final verdict code, or null"),
)
TABLE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "articles": ARTICLE_FIELDS, "relations": RELATION_FIELDS, "pairs": PAIR_FIELDS,
}
TABLE_NOTES: dict[str, str] = {
    "articles": "Every article a released claim is in, with its full text: the offsets of the "
    "claims index these bodies.",
    "relations": "The links annotators drew between released claims (both claims in this release; "
    "links to claims outside it are counted as left out).",
    "pairs": "Claim pairs with an NLI label, for contradiction and entailment research: one row "
    "per link between released claims, and one per pair of released claims answering a check "
    "question yes and no (a contradiction the claim graph holds without a link).",
}


def article_row(row: Record) -> Record:
    """An article as the articles file holds it."""
    return {
        "id": row["id"], "external_id": row["external_id"], "title": row["title"],
        "outlet": row["outlet"], "author": row["author"], "url": row["url"],
        "published_on": row["published_on"], "language": row["language"], "body": row["body"],
    }


def relation_row(row: Record) -> Record:
    """A link as the relations file holds it."""
    source, target = row["source"], row["target"]
    return {
        "id": row["id"], "source_claim_id": source["id"], "target_claim_id": target["id"],
        "kind": row["kind"], "note": row["note"], "created_by": row["created_by"],
        "created_at": row["created_at"], "source_verdict": source["verdict"],
        "target_verdict": target["verdict"],
    }


def pair_row(row: Record) -> Record:
    """A link, or two opposite answers to a check question, as an NLI pair."""
    a, b = row["source"], row["target"]
    question = row.get("question")
    return {
        "id": f"question:{question['id']}:{a['id']}:{b['id']}" if question else f"relation:{row['id']}",
        "origin": "question" if question else "relation", "question": question["text"] if question else "",
        "claim_a_id": a["id"], "claim_b_id": b["id"],
        "claim_a": a["statement"] or a["quote"], "claim_b": b["statement"] or b["quote"],
        "quote_a": a["quote"], "quote_b": b["quote"],
        "article_a_id": a["article_id"], "article_b_id": b["article_id"],
        "label": NLI_LABELS.get(row["kind"], "neutral"), "kind": row["kind"],
        "verdict_a": a["verdict"], "verdict_b": b["verdict"],
    }


ROWS = {"articles": article_row, "relations": relation_row, "pairs": pair_row}


@cache
def table_schema(table: str) -> Any:
    """The Arrow schema of a companion table (pyarrow imported only when Parquet is written)."""
    import pyarrow as pa

    _str, _int = pa.string(), pa.int64()
    if table == "articles":
        return pa.schema([
            pa.field("id", _int, nullable=False), ("external_id", _str), ("title", _str),
            ("outlet", _str), ("author", _str), ("url", _str), ("published_on", _str),
            ("language", _str), ("body", _str),
        ])
    if table == "relations":
        return pa.schema([
            pa.field("id", _int, nullable=False), ("source_claim_id", _int), ("target_claim_id", _int),
            ("kind", _str), ("note", _str), ("created_by", _str), ("created_at", _str),
            ("source_verdict", _str), ("target_verdict", _str),
        ])
    return pa.schema([
        pa.field("id", _str, nullable=False), ("origin", _str), ("question", _str),
        ("claim_a_id", _int), ("claim_b_id", _int),
        ("claim_a", _str), ("claim_b", _str), ("quote_a", _str), ("quote_b", _str),
        ("article_a_id", _int), ("article_b_id", _int), ("label", _str), ("kind", _str),
        ("verdict_a", _str), ("verdict_b", _str),
    ])


def _refuse_outside(table: str, row: Record) -> str:
    if table != "articles" and not (row["source"]["released"] and row["target"]["released"]):
        return OUTSIDE
    return ""


class TableJsonlWriter(Writer):
    """One companion table as JSONL."""

    table: ClassVar[str]
    media_type: ClassVar[str] = "application/jsonl"

    def refuse(self, record: Record) -> str:
        return _refuse_outside(self.table, record)

    def emit(self, record: Record) -> None:
        self.out.write(dump_bytes(ROWS[self.table](record)) + b"\n")


class TableParquetWriter(ParquetWriter):
    """One companion table as Parquet, in row groups like the claims' Parquet."""

    table: ClassVar[str]

    def __init__(self, out: BinaryIO, context: ReleaseContext, row_group: int | None = None) -> None:
        # Article bodies are large: smaller row groups keep memory flat.
        super().__init__(out, context, row_group or (500 if self.table == "articles" else 5_000))

    def arrow_schema(self) -> Any:
        return table_schema(self.table)

    def refuse(self, record: Record) -> str:
        return _refuse_outside(self.table, record)

    def emit(self, record: Record) -> None:
        super().emit(ROWS[self.table](record))


def _writers() -> dict[str, type[Writer]]:
    out: dict[str, type[Writer]] = {}
    for table in ("articles", "relations", "pairs"):
        out[table] = type(f"{table.title()}JsonlWriter", (TableJsonlWriter,), {
            "table": table, "format": table, "suffix": f"-{table}.jsonl",
            "description": f"{table} of the release, one JSON object per line",
        })
        out[f"{table}-parquet"] = type(f"{table.title()}ParquetWriter", (TableParquetWriter,), {
            "table": table, "format": f"{table}-parquet", "suffix": f"-{table}.parquet",
            "description": f"{table} of the release as Parquet",
        })
    return out


TABLE_WRITERS: dict[str, type[Writer]] = _writers()
# The companion files each native format brings along.
COMPANIONS: dict[str, tuple[str, ...]] = {
    "jsonl": ("articles", "relations", "pairs"),
    "parquet": ("articles-parquet", "relations-parquet", "pairs-parquet"),
}
