"""FEVER-style JSONL: id, claim, label (SUPPORTS / REFUTES / NOT ENOUGH INFO), evidence."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Record, Writer, claim_text, dump_bytes, no_final_verdict

FEVER_LABELS = frozenset({"SUPPORTS", "REFUTES", "NOT ENOUGH INFO"})

FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "the claim's id (as in the native records)"),
    ("claim", "the claim's statement, else its quote"),
    ("label", "SUPPORTS, REFUTES or NOT ENOUGH INFO, from the final verdict's FEVER mapping"),
    ("verifiable", "VERIFIABLE, or NOT VERIFIABLE for NOT ENOUGH INFO (as in FEVER)"),
    ("evidence", "one evidence set per gold evidence item, each [[null, evidence id, source, "
     "passage]]: source is the URL, or claim:<id> / article:<id> for evidence inside the corpus"),
)


def evidence_source(item: dict[str, Any]) -> str:
    """Where a piece of evidence is: its URL, or the claim or article of the corpus it points to."""
    if item.get("url"):
        return item["url"]
    if item.get("linked_claim_id") is not None:
        return f"claim:{item['linked_claim_id']}"
    return f"article:{item['linked_article_id']}"


class FeverWriter(Writer):
    """Claims whose final verdict maps to a FEVER label; the others are left out and counted."""

    format: ClassVar[str] = "fever"
    suffix: ClassVar[str] = "-fever.jsonl"
    media_type: ClassVar[str] = "application/jsonl"
    description: ClassVar[str] = "FEVER-style JSONL: id, claim, label, evidence"

    def refuse(self, record: Record) -> str:
        if no_final_verdict(record):
            return "no final verdict"
        if record["verdict"]["fever"] not in FEVER_LABELS:
            return f"verdict '{record['verdict']['code']}' has no FEVER label"
        return ""

    def emit(self, record: Record) -> None:
        label = record["verdict"]["fever"]
        row = {
            "id": record["id"],
            "claim": claim_text(record),
            "label": label,
            "verifiable": "NOT VERIFIABLE" if label == "NOT ENOUGH INFO" else "VERIFIABLE",
            "evidence": [
                [[None, item["id"], evidence_source(item), item.get("passage") or None]]
                for item in record["gold_evidence"]
            ],
        }
        self.out.write(dump_bytes(row) + b"\n")
