"""The suggestion score: the learned model for English and Spanish, the rules elsewhere."""

from __future__ import annotations

import pytest

from annotations.suggest import embeddings, scoring, suggest
from annotations.suggest.engine import DEFAULT_THRESHOLD, ENGINE_VERSION

SPEECH = (
    "I cut taxes by 20 percent for 10 million families. Thank you all for coming tonight. "
    "I think we need to move forward together. Unemployment fell to 3.5% in 2019."
)


@pytest.fixture
def offline(no_network):
    """No network at all, and the model and embedder loaded afresh under that rule."""
    scoring._model.cache_clear()
    embeddings.default_embedder.cache_clear()
    yield
    scoring._model.cache_clear()
    embeddings.default_embedder.cache_clear()


def test_it_scores_english_with_the_learned_model_offline(offline):
    result = scoring.suggest_scored(SPEECH, "en")
    quotes = [s.quote for s in result.suggestions]
    assert result.version.startswith(ENGINE_VERSION + "+checkworthy")
    # The rules' blind spot: a factual first-person sentence, scored 0.24 by the rules alone.
    assert "I cut taxes by 20 percent for 10 million families." in quotes
    assert not any(q.startswith(("Thank you", "I think")) for q in quotes)
    assert all(s.score >= result.threshold for s in result.suggestions)
    assert all(s.score < DEFAULT_THRESHOLD for s in suggest(SPEECH, "en", threshold=0.0).suggestions
               if s.quote.startswith("I cut taxes"))


def test_it_is_deterministic():
    first = scoring.suggest_scored(SPEECH, "en-US")
    assert scoring.suggest_scored(SPEECH, "en-US") == first


def test_french_stays_with_the_rules():
    text = "JD Vance a affirmé dimanche que la Russie avait fait d'importantes concessions."
    assert scoring.suggest_scored(text, "fr") == suggest(text, "fr")
    assert scoring.default_threshold("fr") == DEFAULT_THRESHOLD
    assert scoring.rescore([text], [0.7], "fr") == [0.7]


def test_each_model_language_has_its_threshold():
    assert scoring.uses_model("es-MX") and scoring.uses_model("EN")
    assert not scoring.uses_model("nl") and not scoring.uses_model(None)
    assert 0 < scoring.default_threshold("es") < scoring.default_threshold("en") < 1


def test_sentences_under_the_floor_keep_their_rule_score():
    """What the suggest job never embeds, the offline ranking (threshold 0) does not embed either."""
    everything = {s.quote: s.score for s in scoring.suggest_scored(SPEECH, "en", threshold=0.0).suggestions}
    rules = {s.quote: s.score for s in suggest(SPEECH, "en", threshold=0.0).suggestions}
    opinion = "I think we need to move forward together."
    assert rules[opinion] < scoring.CANDIDATE_FLOOR and everything[opinion] == rules[opinion]
    assert everything["I cut taxes by 20 percent for 10 million families."] > 0.5


def test_it_scores_many_documents_as_it_scores_each_alone():
    # The suggest job scores a chunk of articles in one call; nothing may depend on the chunk.
    docs = [
        (SPEECH, "en"),
        ("La inflación subió un 7 por ciento el año pasado. Creo que debemos avanzar juntos.", "es"),
        ("Le chômage a baissé de 2 % en 2024, selon l'Insee. Merci d'être venus.", "fr"),
        ("Unemployment fell to 3.5% in 2019. " * 3 + "We will win.", "en-GB"),
        ("", "en"),
    ]
    for threshold in (None, 0.0):
        together = scoring.suggest_scored_many(docs, threshold=threshold)
        assert together == [scoring.suggest_scored(text, lang, threshold=threshold) for text, lang in docs]
        assert together[0].suggestions and together[1].version == together[0].version
