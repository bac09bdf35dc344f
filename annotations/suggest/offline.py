"""Score a corpus offline, one document at a time: JSONL lines in, one verdict per document out.

    for row in score_documents(read_documents(lines)):  # streaming: memory stays flat
        ...  # {"id", "lang", "lang_source", "suggestions": [...], "checkworthy", "score"}

`score_document` is the one place that scores a text; swapping in another model means replacing
it and nothing else. No Django, no database, no network.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .scoring import default_threshold, suggest_scored
from .jsonl import OUTPUT_FIELDS
from .language import detect_language

# BCP 47 "undetermined": no language given, none detected; the engine then uses only its
# language-independent cues.
UNDETERMINED = "und"
_SUGGESTION_FIELDS = tuple(f for f in OUTPUT_FIELDS if f != "id")

LangSource = Literal["given", "detected", "fallback"]


@dataclass(frozen=True, slots=True)
class OfflineDocument:
    """One input document; `lang` None when the line did not give one."""

    id: str | int
    text: str
    lang: str | None
    line: int


def _parse(raw: bytes | str, lineno: int) -> OfflineDocument | None:
    """One input line as a document (None for a blank line); ValueError names the line and field."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"line {lineno}: not UTF-8 (byte {exc.start + 1})") from None
    if not raw.strip():
        return None
    try:
        row: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise ValueError(f"line {lineno}: expected a JSON object, got {type(row).__name__}")
    for field in ("id", "text"):
        if field not in row:
            raise ValueError(f"line {lineno}: missing field {field!r}")
    doc_id, text, lang = row["id"], row["text"], row.get("lang")
    # bool is an int subclass, and an id of true/false is certainly a mistake.
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or doc_id == "":
        raise ValueError(f"line {lineno}: field 'id' must be a non-empty string or an integer")
    if not isinstance(text, str):
        raise ValueError(f"line {lineno}: field 'text' must be a string")
    if lang is not None and not isinstance(lang, str):
        raise ValueError(f"line {lineno}: field 'lang' must be a string, null or absent")
    # Datasets write an unknown language as "" as often as they leave it out.
    return OfflineDocument(doc_id, text, (lang or "").strip() or None, lineno)


def read_documents(lines: Iterable[bytes | str]) -> Iterator[OfflineDocument]:
    """Parse JSONL lines lazily; a bad line raises ValueError("line N: …field…") when reached."""
    for lineno, raw in enumerate(lines, 1):
        doc = _parse(raw, lineno)
        if doc is not None:
            yield doc


def score_document(
    text: str, lang: str, *, threshold: float | None = None
) -> tuple[list[dict[str, Any]], float]:
    """The suggestions of one text at `threshold` (None: the language's default) and the best
    score of any of its sentences."""
    # Threshold 0 scores every sentence in one pass: the maximum ranks documents (average
    # precision) even when nothing reaches the threshold, and the filter below gives exactly
    # the suggestions a run at `threshold` would.
    scored = suggest_scored(text, lang, threshold=0.0).suggestions
    if threshold is None:
        threshold = default_threshold(lang)
    best = max((s.score for s in scored), default=0.0)
    # The per-suggestion fields of run_jsonl, so the two JSONL outputs cannot drift apart.
    kept = [{f: getattr(s, f) for f in _SUGGESTION_FIELDS} for s in scored if s.score >= threshold]
    return kept, best


def score_documents(
    docs: Iterable[OfflineDocument],
    *,
    threshold: float | None = None,
    fallback_lang: str = UNDETERMINED,
) -> Iterator[dict[str, Any]]:
    """One output row per document, in input order; a missing language is detected first."""
    for doc in docs:
        source: LangSource = "given"
        lang = doc.lang
        if lang is None:
            lang = detect_language(doc.text)
            source = "detected" if lang is not None else "fallback"
        suggestions, best = score_document(doc.text, lang or fallback_lang, threshold=threshold)
        yield {
            "id": doc.id, "lang": lang or fallback_lang, "lang_source": source,
            "suggestions": suggestions,
            # Check-worthy when any sentence reaches the threshold, i.e. it has a suggestion.
            "checkworthy": bool(suggestions), "score": best,
        }
