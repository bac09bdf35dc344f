"""AVeriTeC-style JSON: one streamed array of claims with label, justification and evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from .base import Record, Writer, claim_text, dump_bytes, no_final_verdict
from .fever import evidence_source

AVERITEC_LABELS = frozenset({
    "Supported", "Refuted", "Not Enough Evidence", "Conflicting Evidence/Cherrypicking",
})

# Our claim kinds in AVeriTeC's claim types.
CLAIM_TYPES = {
    "attributed_statement": "Quote Verification",
    "event": "Event/Property Claim",
    "quantity": "Numerical Claim",
    "position": "Position Statement",
    "causal": "Causal Claim",
}

FIELDS: tuple[tuple[str, str], ...] = (
    ("claim_id", "the claim's id (as in the native records)"),
    ("claim", "the claim's statement, else its quote"),
    ("speaker", "who made the claim, or null"),
    ("claim_date", "the statement's date, else the article's, as AVeriTeC writes it (D-M-YYYY), or null"),
    ("label", "Supported, Refuted, Not Enough Evidence or Conflicting Evidence/Cherrypicking"),
    ("justification", "the reviewer's note, else the rationales of the annotators who gave the "
     "final verdict"),
    ("original_claim_url, reporting_source", "the article's URL and outlet"),
    ("claim_types", "AVeriTeC claim types from the claim's kind"),
    ("questions", "gold evidence that carries a question, as AVeriTeC question/answers "
     "(answer = the quoted passage, source_url)"),
    ("sources", "the other gold evidence: url (or claim:<id> / article:<id>), title, publisher, "
     "published_on, passage, stance"),
)


def averitec_date(value: str | None) -> str | None:
    """An ISO date as AVeriTeC writes dates: day-month-year without zero padding."""
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    return f"{day.day}-{day.month}-{day.year}"


def justification(record: Record) -> str:
    """The reviewer's note, else the rationales of the annotators whose verdict became final."""
    notes = (record.get("adjudication") or {}).get("notes") or ""
    if notes:
        return notes
    final = record["verdict"]["code"]
    return "\n\n".join(
        a["rationale"] for a in record["annotations"] if a["verdict"] == final and a["rationale"]
    )


def _question(item: dict[str, Any]) -> dict[str, Any]:
    passage = item.get("passage") or ""
    return {
        "question": item["question"],
        "answers": [{
            "answer": passage or (item.get("title") or ""),
            "answer_type": "Extractive" if passage else "Abstractive",
            "source_url": evidence_source(item),
            "source_medium": "Web text" if item.get("url") else "Other",
        }],
    }


def _source(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": evidence_source(item),
        "title": item.get("title") or "",
        "publisher": item.get("publisher") or "",
        "published_on": item.get("published_on"),
        "passage": item.get("passage") or "",
        "stance": item.get("stance") or "",
    }


class AveritecWriter(Writer):
    """A JSON array written item by item; claims with no AVeriTeC label are left out and counted."""

    format: ClassVar[str] = "averitec"
    suffix: ClassVar[str] = "-averitec.json"
    media_type: ClassVar[str] = "application/json"
    description: ClassVar[str] = "AVeriTeC-style JSON array: claim, speaker, claim_date, label, justification, evidence"

    def refuse(self, record: Record) -> str:
        if no_final_verdict(record):
            return "no final verdict"
        if record["verdict"]["averitec"] not in AVERITEC_LABELS:
            return f"verdict '{record['verdict']['code']}' has no AVeriTeC label"
        return ""

    def emit(self, record: Record) -> None:
        article = record["article"]
        gold = record["gold_evidence"]
        item = {
            "claim_id": record["id"],
            "claim": claim_text(record),
            "speaker": record.get("speaker") or None,
            "claim_date": averitec_date(record.get("statement_date") or article.get("published_on")),
            "label": record["verdict"]["averitec"],
            "justification": justification(record),
            "original_claim_url": article.get("url") or None,
            "reporting_source": article.get("outlet") or None,
            "claim_types": [CLAIM_TYPES[record["kind"]]] if record.get("kind") in CLAIM_TYPES else [],
            "required_reannotation": False,
            "questions": [_question(e) for e in gold if e.get("question")],
            "sources": [_source(e) for e in gold if not e.get("question")],
        }
        self.out.write((b"[\n" if self.written == 0 else b",\n") + dump_bytes(item))

    def finish(self) -> None:
        self.out.write(b"[]\n" if self.written == 0 else b"\n]\n")
