"""AVeriTeC JSON: one streamed array of claims with label, justification and question/answer evidence.

Written for the AVeriTeC shared task's scorer (`eval.py` of the AVeriTeC repository), which
pairs predictions and references by position, divides by each reference's number of
question/answer strings, and reads `label`, `justification`, `claim_types` and `questions`: so
every claim here has at least one question, every question at least one answer, every answer a
text answer, and Boolean answers their `boolean_explanation`. The other fields are those of the
AVeriTeC dev set.
"""

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
    ("speaker", "who made the claim, or null; the article's author, else its outlet, when the "
     "article itself asserts it"),
    ("asserted_by_article", "true when the article itself asserts the claim (no quoted source)"),
    ("claim_date", "the statement's date, else the article's, as AVeriTeC writes it (D-M-YYYY), or null"),
    ("label", "Supported, Refuted, Not Enough Evidence or Conflicting Evidence/Cherrypicking"),
    ("justification", "the reviewer's note, else the rationales of the annotators who gave the "
     "final verdict"),
    ("original_claim_url, reporting_source", "the article's URL and outlet"),
    ("cached_original_claim_url", "null: the workbench keeps no archived copy"),
    ("fact_checking_article", "the published fact check's URL (the ClaimReview url), or null when "
     "the project has no public address for its fact checks"),
    ("location_ISO_code", "null (not recorded)"),
    ("claim_types", "AVeriTeC claim types from the claim's kind"),
    ("fact_checking_strategies", "[] (not recorded)"),
    ("required_reannotation", "false"),
    ("questions", "gold evidence that carries a question, as AVeriTeC question/answers (answer = "
     "the quoted passage, source_url, cached_source_url = source_url), then the check questions "
     "the claim answers, each with the other claims' answers as Boolean (yes/no, with the claim's "
     "quote as boolean_explanation), Extractive (partly) or Unanswerable (unclear) answers; claims "
     "with no question at all are left out, as the scorer needs one"),
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


UNANSWERED = "No answer could be found."
NO_QUESTION = "no question-answer evidence"


def _question(item: dict[str, Any]) -> dict[str, Any]:
    """Gold evidence that answers a question: its passage (extractive), else its title."""
    passage = item.get("passage") or ""
    text = passage or item.get("title") or ""
    source = evidence_source(item)
    answer: dict[str, Any] = {
        "answer": text or UNANSWERED,
        "answer_type": ("Extractive" if passage else "Abstractive") if text else "Unanswerable",
        "source_url": source,
        "source_medium": "Web text" if item.get("url") else "Other",
        "cached_source_url": source,
    }
    return {"question": item["question"], "answers": [answer]}


_BOOLEAN = {"yes": "Yes", "no": "No"}


def _check_question(item: dict[str, Any]) -> dict[str, Any] | None:
    """A check question as AVeriTeC question/answers: each other claim answering it is evidence.

    Yes/no answers are Boolean with the other claim's quote as the explanation; "partly" is an
    extractive answer (the quote); "unclear" is Unanswerable. A question no other claim answers
    carries no evidence and is left out (AVeriTeC's scorer needs answers for every question).
    """
    answers = []
    for other in item.get("answered_by") or ():
        url = other.get("url") or ""
        base = {"source_url": url, "source_medium": "Web text" if url else "Other", "cached_source_url": url}
        if other["answer"] in _BOOLEAN:
            answers.append({"answer": _BOOLEAN[other["answer"]], "answer_type": "Boolean",
                            "boolean_explanation": other["quote"], **base})
        elif other["answer"] == "partly":
            answers.append({"answer": other["quote"], "answer_type": "Extractive", **base})
        else:
            answers.append({"answer": UNANSWERED, "answer_type": "Unanswerable", **base})
    if not answers:
        return None
    return {"question": item.get("text_en") or item["text"], "answers": answers}


def questions_of(record: Record) -> list[dict[str, Any]]:
    """The claim's AVeriTeC question/answers: gold evidence with a question, then check questions."""
    asked = [_question(e) for e in record["gold_evidence"] if e.get("question")]
    checks = [q for q in map(_check_question, record.get("questions") or ()) if q is not None]
    return asked + checks


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
        if not questions_of(record):
            return NO_QUESTION
        return ""

    def emit(self, record: Record) -> None:
        article = record["article"]
        gold = record["gold_evidence"]
        item = {
            "claim_id": record["id"],
            "claim": claim_text(record),
            "speaker": record.get("speaker") or None,
            "asserted_by_article": bool(record.get("asserted_by_article")),
            "claim_date": averitec_date(record.get("statement_date") or article.get("published_on")),
            "label": record["verdict"]["averitec"],
            "justification": justification(record),
            "original_claim_url": article.get("url") or None,
            "cached_original_claim_url": None,
            "fact_checking_article": self.context.review_url(record) or None,
            "reporting_source": article.get("outlet") or None,
            "location_ISO_code": None,
            "claim_types": [CLAIM_TYPES[record["kind"]]] if record.get("kind") in CLAIM_TYPES else [],
            "fact_checking_strategies": [],
            "required_reannotation": False,
            "questions": questions_of(record),
            "sources": [_source(e) for e in gold if not e.get("question")],
        }
        self.out.write((b"[\n" if self.written == 0 else b",\n") + dump_bytes(item))

    def finish(self) -> None:
        self.out.write(b"[]\n" if self.written == 0 else b"\n]\n")
