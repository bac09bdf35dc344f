"""Candidate-claim suggestion engine: pure Python (stdlib `re`), no Django, nothing downloaded.

    from annotations.suggest import suggest
    result = suggest(article.body, "fr")
    for s in result.suggestions:  # s.start, s.end, s.quote, s.score, s.speaker, s.kind, s.version
        ...

French and English have lexicons; any other language gets the language-independent cues and
`result.language_support == "generic"`. Speakers: a name or source phrase for attributed
statements; None with `s.asserted_by_article` when the article itself asserts the claim (the
engine knows no byline: callers name the article's author or outlet); None otherwise when the
engine cannot tell (generic languages, or a pronoun it could not resolve).
"""
from .cues import FEATURE_NAMES, GENERIC_FEATURES
from .engine import (
    DEFAULT_THRESHOLD,
    ENGINE_VERSION,
    Scored,
    analyse,
    features,
    language_support,
    reasons,
    suggest,
    suggest_document,
)
from .jsonl import OUTPUT_FIELDS, run_jsonl
from .segmenter import segment
from .types import KINDS, Document, Segment, Suggestion, SuggestionResult

__all__ = [
    "DEFAULT_THRESHOLD",
    "ENGINE_VERSION",
    "FEATURE_NAMES",
    "GENERIC_FEATURES",
    "KINDS",
    "OUTPUT_FIELDS",
    "Document",
    "Segment",
    "Suggestion",
    "Scored",
    "SuggestionResult",
    "analyse",
    "reasons",
    "features",
    "language_support",
    "run_jsonl",
    "segment",
    "suggest",
    "suggest_document",
]
