"""Offline language detection for article bodies (py3langid, model shipped in the wheel)."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# The languages the suggestion pipeline handles well: the rule engine's lexicons (fr, en) and the
# multilingual sentence-embedding models considered for issue 14 (USE v3's 16 languages; zh-cn
# and zh-tw are one "zh" for the detector). Anything else detected is reported as unknown, so the
# caller falls back to the project's language rather than trusting a rare-language guess.
SUPPORTED_LANGUAGES: frozenset[str] = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
# Below this, the detector's guesses on news text are unreliable (single words, names, numbers).
MIN_CHARS = 20
# Normalised probability under which we abstain: one clear sentence scores 0.79–0.99, a
# greeting or a row of numbers 0.03–0.25.
MIN_CONFIDENCE = 0.5
# The opening of an article settles its language; reading all of a long one only costs time.
SAMPLE_CHARS = 1000


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The detector, loaded once per process from the package's own model file (no network)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # norm_probs: confidences are probabilities, so MIN_CONFIDENCE means the same for any text.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language_scored(text: str) -> tuple[str | None, float]:
    """The detected ISO 639-1 code (None when unsure or unsupported) and the detector's confidence."""
    sample = text[:SAMPLE_CHARS].strip()
    if len(sample) < MIN_CHARS:
        return None, 0.0
    lang, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE or lang not in SUPPORTED_LANGUAGES:
        return None, confidence
    return str(lang), confidence


def detect_language(text: str) -> str | None:
    """The language of `text` as an ISO 639-1 code, or None when unsure (callers fall back)."""
    return detect_language_scored(text)[0]
