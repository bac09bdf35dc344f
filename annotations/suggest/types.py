"""Input and output records of the suggestion engine (frozen, hashable, no Django)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Kind = Literal["attributed_statement", "event", "quantity", "position", "causal", "other"]
KINDS: frozenset[str] = frozenset(get_args(Kind))
LanguageSupport = Literal["fr", "en", "generic"]


@dataclass(frozen=True, slots=True)
class Document:
    """An article body and its language code (BCP 47 or ISO 639-1, e.g. "fr", "en-GB")."""

    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence or clause span of a document; offsets are Python str (code point) indexes."""

    start: int
    end: int
    block: int  # index of the paragraph the span belongs to
    heading: bool  # the paragraph looks like a title or section heading
    bullet: bool  # the paragraph is a list item
    emphasis: bool  # the whole span was wrapped in *…* / **…** markup
    first_in_block: bool
    last_in_block: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A candidate claim span; `quote == text[start:end]` always holds."""

    start: int
    end: int
    quote: str
    score: float  # check-worthiness in [0, 1]
    # The named source of an attributed statement ("Lavrov", "les observateurs"); None when the
    # article itself asserts it (see asserted_by_article) or the engine cannot tell (generic
    # languages, a pronoun it could not resolve).
    speaker: str | None
    kind: Kind
    version: str
    cues: tuple[tuple[str, float], ...] = ()  # the engine's feature values, see features()
    # The article states the claim in its own voice; the engine knows no byline, so the caller
    # names the speaker (the article's author, else its outlet).
    asserted_by_article: bool = False


@dataclass(frozen=True, slots=True)
class SuggestionResult:
    """Suggestions for one document plus how they were produced."""

    suggestions: tuple[Suggestion, ...]
    lang: str  # the language code as given
    language_support: LanguageSupport  # "fr"/"en" lexicons, or only language-independent cues
    version: str
    threshold: float  # suggestions scored below this were dropped
