"""Offline language detection for article bodies: CLD2 for article-length texts, py3langid for
short ones and where CLD2 is unsure (both models ship inside their wheels)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

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
# From this length CLD2 (compiled C++) decides: on article openings it agrees with py3langid
# (bench/RESULTS.md, "CLD2 decides") at ~2-4 times less CPU, which matters most in an import. On
# a sentence or two py3langid is the better judge (CLD2 took short French UI strings for English),
# so shorter texts, and those CLD2 calls unreliable or cannot read, go to py3langid.
CLD2_MIN_CHARS = 200
# CLD2's codes that are not ISO 639-1: traditional Chinese is one "zh", as for py3langid.
_CLD2_CODES = {"zh-Hant": "zh"}


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The detector, loaded once per process from the package's own model file (no network)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # norm_probs: confidences are probabilities, so MIN_CONFIDENCE means the same for any text.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _cld2(sample: str) -> tuple[str | None, float] | None:
    """CLD2's verdict on a sample (code or None if unsupported, share of the text in it), or None
    when the sample is too short for it, or CLD2 is unsure or refuses it (C0/C1 control
    characters): then py3langid decides."""
    import pycld2

    if len(sample) < CLD2_MIN_CHARS:
        return None
    try:
        # A lone surrogate cannot be encoded; "?" in its place changes no verdict.
        reliable, _, details = pycld2.detect(sample.encode("utf-8", "replace"), isPlainText=True)
    except pycld2.error:
        return None
    _, code, percent, _ = details[0]
    if not reliable or code == "un":
        return None
    code = _CLD2_CODES.get(code, code)
    return (code if code in SUPPORTED_LANGUAGES else None), percent / 100


def detect_language_scored(text: str) -> tuple[str | None, float]:
    """The detected ISO 639-1 code (None when unsure or unsupported) and the detector's confidence
    (CLD2: the share of the text in that language; py3langid: its normalised probability)."""
    sample = text[:SAMPLE_CHARS].strip()
    if len(sample) < MIN_CHARS:
        return None, 0.0
    verdict = _cld2(sample)
    if verdict is not None:
        return verdict
    lang, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE or lang not in SUPPORTED_LANGUAGES:
        return None, confidence
    return str(lang), confidence


def detect_language(text: str) -> str | None:
    """The language of `text` as an ISO 639-1 code, or None when unsure (callers fall back)."""
    return detect_language_scored(text)[0]


# Texts walked through the detector's automaton together: their bytes side by side (a batch's
# working arrays hold about 12 bytes for each of these).
BATCH_BYTES = 1 << 20


@dataclass(frozen=True)
class _Tables:
    """py3langid's model as flat arrays, for walking many texts at once."""

    nextmove: np.ndarray  # automaton: the next state of (row base of a state + byte)
    rowbase: np.ndarray  # a state's row base
    output: np.ndarray  # the feature a state emits, or -1
    ptc32: np.ndarray  # feature x language log-probabilities (the model's float16, as float32)
    pc: np.ndarray  # language priors
    classes: list[str]
    aliases: list[tuple[int, int]]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    ident = _identifier()
    return _Tables(
        nextmove=np.frombuffer(ident.tk_nextmove, dtype=np.uint32),  # shares the model's memory
        rowbase=np.asarray(ident._rowbase, dtype=np.uint32),
        output=np.asarray(ident.tk_output, dtype=np.int32),
        # float32 as numpy computes classify's product; converted once (~3 MB) instead of per batch.
        ptc32=np.asarray(ident.nb_ptc, dtype=np.float32),
        pc=np.asarray(ident.nb_pc, dtype=np.float32),
        classes=list(ident.nb_classes),
        aliases=list(ident._alias_pairs),
    )


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """detect_language of each text, several times faster for many texts (an import's chunk).

    CLD2 as one at a time; for the texts left to py3langid, the same model, features and decision
    as its classify, with the automaton walked for all of them at once by numpy instead of byte by
    byte in Python.
    """
    from py3langid.langid import LanguageIdentifier

    found: list[str | None] = [None] * len(texts)
    todo: list[tuple[int, bytes]] = []
    for position, text in enumerate(texts):
        sample = text[:SAMPLE_CHARS].strip()
        if len(sample) < MIN_CHARS:
            continue
        verdict = _cld2(sample)
        if verdict is not None:
            found[position] = verdict[0]
        else:
            todo.append((position, LanguageIdentifier._encode(sample)))
    start = 0
    while start < len(todo):
        end, size = start, 0
        while end < len(todo) and (end == start or size + len(todo[end][1]) <= BATCH_BYTES):
            size += len(todo[end][1])
            end += 1
        batch = todo[start:end]
        for (position, _), (lang, confidence) in zip(batch, _classify([data for _, data in batch])):
            if confidence >= MIN_CONFIDENCE and lang in SUPPORTED_LANGUAGES:
                found[position] = lang
        start = end
    return found


def _classify(encoded: list[bytes]) -> list[tuple[str, float]]:
    """py3langid's classify (normalised probabilities) of each encoded text, none empty."""
    from scipy import sparse

    t = _tables()
    count = len(encoded)
    lengths = np.fromiter((len(data) for data in encoded), dtype=np.int64, count=count)
    steps = int(lengths.max())
    # Byte j of text i at [j, i] (zeros past its end); the walk goes a row (one byte of every
    # text) at a time. Padded and transposed whole: cheaper than placing each byte by index.
    grid = np.frombuffer(b"".join(data.ljust(steps, b"\0") for data in encoded), dtype=np.uint8)
    grid = np.ascontiguousarray(grid.reshape(count, steps).T)
    emitted = np.empty((steps, count), dtype=np.int32)
    state = np.zeros(count, dtype=np.uint32)
    for j in range(steps):
        state = t.nextmove[t.rowbase[state] + grid[j]]
        emitted[j] = t.output[state]
    # Text by text from here; past its end a text emits nothing (the walk went on over zeros).
    by_text = np.ascontiguousarray(emitted.T)
    by_text[np.arange(steps)[None, :] >= lengths[:, None]] = -1
    kept = by_text >= 0
    rows = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.count_nonzero(kept, axis=1), out=rows[1:])
    features = by_text[kept]
    # Count each (text, feature) pair: scipy sums a row's repeated features after sorting them
    # (small sorts, much faster than sorting all the pairs of a batch at once).
    visits = sparse.csr_matrix(
        (np.ones(features.size, dtype=np.float32), features, rows), shape=(count, t.ptc32.shape[0])
    )
    visits.sum_duplicates()  # features in order, so sums go in a fixed order
    np.log1p(visits.data, out=visits.data)
    rows = visits.indptr
    scores = np.asarray(visits @ t.ptc32, dtype=np.float32) + t.pc
    # A text with no feature scores 0 everywhere in py3langid (uniform: it abstains).
    scores[np.diff(rows) == 0] = 0.0
    # As classify with norm_probs: temperature sqrt(bytes), softmax, aliases folded.
    scores *= (1.0 / np.sqrt(lengths)).astype(np.float32)[:, None]
    np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    for i, j in t.aliases:
        scores[:, i] += scores[:, j]
        scores[:, j] = 0.0
    best = scores.argmax(axis=1)
    return [(t.classes[b], float(c)) for b, c in zip(best.tolist(), scores[np.arange(count), best].tolist())]
