"""FEVER JSONL, as the FEVER shared task's scorer (`fever-scorer`) reads it.

FEVER's evidence is a list of evidence sets, each a list of
`[annotation_id, evidence_id, page, sentence_id]`; the scorer compares `[page, sentence_id]`
pairs. Here the page is where the evidence is (its URL, or claim:<id> / article:<id> inside the
corpus) and the sentence id is the evidence's id, whose text is in `passages` (FEVER ships its
sentences in a separate dump; a release is self-contained instead).
"""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Record, Writer, claim_text, dump_bytes, no_final_verdict

FEVER_LABELS = frozenset({"SUPPORTS", "REFUTES", "NOT ENOUGH INFO"})
NEI = "NOT ENOUGH INFO"
NO_GOLD = "verifiable verdict without gold evidence"

FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "the claim's id (as in the native records)"),
    ("claim", "the claim's statement, else its quote"),
    ("label", "SUPPORTS, REFUTES or NOT ENOUGH INFO, from the final verdict's FEVER mapping"),
    ("verifiable", "VERIFIABLE, or NOT VERIFIABLE for NOT ENOUGH INFO (as in FEVER)"),
    ("evidence", "FEVER evidence sets, one per gold evidence item: [[annotation id (the claim's id), "
     "evidence id, page, sentence id]], where page is the evidence's URL (or claim:<id> / "
     "article:<id> for evidence inside the corpus) and sentence id is the evidence's id; NOT ENOUGH "
     "INFO claims have FEVER's [[[annotation id, null, null, null]]]"),
    ("passages", "the text of each evidence item: evidence_id, page, sentence_id, text (the quoted "
     "passage, else the source's title)"),
)


def evidence_source(item: dict[str, Any]) -> str:
    """Where a piece of evidence is: its URL, or the claim or article of the corpus it points to."""
    if item.get("url"):
        return item["url"]
    if item.get("linked_claim_id") is not None:
        return f"claim:{item['linked_claim_id']}"
    return f"article:{item['linked_article_id']}"


class FeverWriter(Writer):
    """Claims whose final verdict maps to a FEVER label; the others are left out and counted.

    A SUPPORTS or REFUTES claim without gold evidence is left out too: FEVER's verifiable claims
    always have an evidence set, and its strict score can never credit one without.
    """

    format: ClassVar[str] = "fever"
    suffix: ClassVar[str] = "-fever.jsonl"
    media_type: ClassVar[str] = "application/jsonl"
    description: ClassVar[str] = "FEVER JSONL: id, claim, label, evidence (as fever-scorer reads it)"

    def refuse(self, record: Record) -> str:
        if no_final_verdict(record):
            return "no final verdict"
        label = record["verdict"]["fever"]
        if label not in FEVER_LABELS:
            return f"verdict '{record['verdict']['code']}' has no FEVER label"
        if label != NEI and not record["gold_evidence"]:
            return NO_GOLD
        return ""

    def emit(self, record: Record) -> None:
        label = record["verdict"]["fever"]
        claim_id = record["id"]
        passages = [
            {"evidence_id": item["id"], "page": evidence_source(item), "sentence_id": item["id"],
             "text": item.get("passage") or item.get("title") or ""}
            for item in record["gold_evidence"]
        ]
        if label == NEI:
            evidence: list[Any] = [[[claim_id, None, None, None]]]
        else:
            evidence = [[[claim_id, p["evidence_id"], p["page"], p["sentence_id"]]] for p in passages]
        row = {
            "id": claim_id,
            "verifiable": "NOT VERIFIABLE" if label == NEI else "VERIFIABLE",
            "label": label,
            "claim": claim_text(record),
            "evidence": evidence,
            "passages": passages,
        }
        self.out.write(dump_bytes(row) + b"\n")
