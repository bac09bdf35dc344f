"""One check-worthiness score per sentence: the learned model where it beats the rules, else the rules.

The learned model (checkworthy.py: sentence embeddings stacked with the rule engine's own score)
scores languages where it beat the rules on CheckThat! development data: English (average
precision 0.95 against 0.71) and Spanish (0.53 against 0.23). Elsewhere — French, where the
rules were tuned and stay at least as good, Dutch and Arabic, where the model was no better —
the rules decide alone (annotations/suggest/data/CHECKWORTHY.md has the figures). Either way the
rule engine finds the sentences, their speakers and kinds; the model only rescores them.
Pure: no Django.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import lru_cache

from .engine import DEFAULT_THRESHOLD, ENGINE_VERSION, suggest
from .types import Suggestion, SuggestionResult

MODEL_LANGUAGES = frozenset({"en", "es"})
# Sentences the rules score below this are not embedded: opinion and furniture ("I think we
# need…" scores 0.01) cost embedding time and never reach a threshold; factual first-person
# sentences, the rules' blind spot, score well above it ("I cut taxes by 20 percent…", 0.24).
CANDIDATE_FLOOR = 0.05


def _code(lang: str | None) -> str:
    return (lang or "").strip().lower().replace("_", "-").split("-")[0]


def uses_model(lang: str | None) -> bool:
    """Whether the learned model scores sentences of this language."""
    return _code(lang) in MODEL_LANGUAGES


@lru_cache(maxsize=1)
def _model():  # noqa: ANN202 - the model class loads numpy and the embedder lazily
    from .checkworthy import CheckworthinessModel

    return CheckworthinessModel.load()


def model_version() -> str:
    """The learned model's name, for the engine version recorded with each suggestion."""
    return str(_model().version)


def default_threshold(lang: str | None) -> float:
    """The score a sentence needs to be suggested when nobody chose another threshold."""
    return float(_model().threshold_for(lang)) if uses_model(lang) else DEFAULT_THRESHOLD


def rescore(quotes: Sequence[str], rule_scores: Sequence[float], lang: str | None) -> list[float]:
    """The final scores of sentences whose rule scores are known (rules alone where no model)."""
    if not uses_model(lang) or not quotes:
        return [float(s) for s in rule_scores]
    return [round(float(p), 4) for p in _model().score(list(quotes), list(rule_scores))]


def suggest_scored(text: str, lang: str, *, threshold: float | None = None) -> SuggestionResult:
    """Suggestions of `text` scored as above, at `threshold` (None: the language's default)."""
    return suggest_scored_many([(text, lang)], threshold=threshold)[0]


def suggest_scored_many(
    documents: Sequence[tuple[str, str]], *, threshold: float | None = None
) -> list[SuggestionResult]:
    """`suggest_scored` of each (text, lang), the learned model run once per language for all.

    The same scores as one document at a time (a text's embedding does not depend on the texts
    embedded with it); a suggest job passes a few dozen articles, so the embedder's products run
    on full batches instead of each article's short tail.
    """
    found: list[SuggestionResult] = []
    cuts: list[float] = []
    # Sentences at or above the floor, per language, to embed in one call each.
    pending: dict[str, list[Suggestion]] = {}
    for text, lang in documents:
        cut = default_threshold(lang) if threshold is None else threshold
        cuts.append(cut)
        if not uses_model(lang):
            found.append(suggest(text, lang, threshold=cut))
            continue
        result = suggest(text, lang, threshold=min(cut, CANDIDATE_FLOOR))
        found.append(result)
        # Only sentences at or above the floor are embedded; the others keep their (lower) rule
        # score, so a run at a threshold under the floor (the offline command ranks with 0)
        # sees exactly the scores a suggest job does.
        pending.setdefault(_code(lang), []).extend(s for s in result.suggestions if s.score >= CANDIDATE_FLOOR)
    learned: dict[int, float] = {}
    for code, embed in pending.items():
        scores = rescore([s.quote for s in embed], [s.score for s in embed], code)
        learned.update(zip((id(s) for s in embed), scores))
    out: list[SuggestionResult] = []
    for (_text, lang), result, cut in zip(documents, found, cuts):
        if not uses_model(lang):
            out.append(result)
            continue
        version = f"{ENGINE_VERSION}+{model_version()}"[:60]
        kept = [
            dataclasses.replace(s, score=score, version=version)
            for s in result.suggestions
            if (score := learned.get(id(s), s.score)) >= cut
        ]
        out.append(dataclasses.replace(result, suggestions=tuple(kept), version=version, threshold=cut))
    return out
