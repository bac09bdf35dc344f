"""Run the engine over JSONL: one {"id","text","lang"} document in, one dict per suggestion out."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .engine import DEFAULT_THRESHOLD, suggest

# speaker is null with asserted_by_article true when the document itself asserts the claim.
OUTPUT_FIELDS: tuple[str, ...] = (
    "id", "start", "end", "quote", "score", "speaker", "kind", "asserted_by_article",
)


def _parse(line: str, lineno: int) -> tuple[str | int, str, str]:
    """Validate one input line; raise ValueError naming the line and the field."""
    try:
        row: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise ValueError(f"line {lineno}: expected a JSON object, got {type(row).__name__}")
    for field in ("id", "text", "lang"):
        if field not in row:
            raise ValueError(f"line {lineno}: missing field {field!r}")
    doc_id, text, lang = row["id"], row["text"], row["lang"]
    # bool is an int subclass, and an id of true/false is certainly a mistake.
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or doc_id == "":
        raise ValueError(f"line {lineno}: field 'id' must be a non-empty string or an integer")
    if not isinstance(text, str):
        raise ValueError(f"line {lineno}: field 'text' must be a string")
    if not isinstance(lang, str) or not lang.strip():
        raise ValueError(f"line {lineno}: field 'lang' must be a non-empty string")
    return doc_id, text, lang


def run_jsonl(
    in_lines: Iterable[str], *, threshold: float = DEFAULT_THRESHOLD
) -> Iterator[dict[str, Any]]:
    """Yield the suggestions of every input document in order; blank lines are skipped."""
    # Lazy: a bad line raises ValueError("line N: …field…") when it is reached, after the
    # suggestions of the lines before it. A caller that must change nothing on bad input
    # consumes the whole iterator (list(...)) before writing anything.
    for lineno, line in enumerate(in_lines, 1):
        if not line.strip():
            continue
        doc_id, text, lang = _parse(line, lineno)
        for s in suggest(text, lang, threshold=threshold).suggestions:
            yield {
                "id": doc_id, "start": s.start, "end": s.end, "quote": s.quote,
                "score": s.score, "speaker": s.speaker, "kind": s.kind,
                "asserted_by_article": s.asserted_by_article,
            }
