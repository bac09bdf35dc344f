"""A per-project classifier learnt from annotators' accept/reject decisions (no Django).

Kept out of `annotations.suggest.__init__` so the rule engine imports nothing beyond the stdlib;
only the retrain and suggest jobs import this module (scikit-learn, numpy, scipy).

The fitted model is exported as plain JSON (vocabulary, idf weights, scaler, coefficients) and
rebuilt by `Scorer`: nothing is ever unpickled, so a stored model cannot run code, whoever
managed to write to the database or the media folder.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# SciPy and scikit-learn (~120 MB resident) are imported inside the functions that use them:
# every web and worker process imports this module, few of them ever train or score a model.

from .cues import FEATURE_NAMES

FORMAT = 1  # bump when the JSON layout changes; older stored models are then ignored
MIN_EXAMPLES = 30
CV_FOLDS = 5
# Character n-grams within words: robust to French inflection without a stemmer.
VECTORIZER_PARAMS: dict = {
    "analyzer": "char_wb", "ngram_range": (2, 4), "lowercase": True, "sublinear_tf": True,
    "min_df": 2, "max_features": 20000,
}
# Strong regularisation: a project has tens to hundreds of decisions, and on the seed corpus
# a weaker C (1.0) made held-back rankings worse than the engine's (see tests/test_suggestions.py).
C = 0.1


@dataclass(frozen=True, slots=True)
class Example:
    """One decided span: its text, the engine's cue values, and 1 if accepted, 0 if rejected."""

    quote: str
    cues: Mapping[str, float]
    engine_score: float
    label: int


class NotEnoughExamples(ValueError):
    """Fewer than MIN_EXAMPLES decisions, or only one class of them."""


def _cue_matrix(cues: Sequence[Mapping[str, float]], engine_scores: Sequence[float]) -> np.ndarray:
    """Cue values in FEATURE_NAMES order, then the engine's score; a missing cue counts as 0."""
    # The engine's own score as a feature lets a strongly regularised model stay close to the
    # engine and learn only the project's departures from it.
    return np.array(
        [[float(c.get(n, 0.0)) for n in FEATURE_NAMES] + [float(s)] for c, s in zip(cues, engine_scores)],
        dtype=float,
    ).reshape(len(engine_scores), len(FEATURE_NAMES) + 1)


class Scorer:
    """Probability that a span is accepted, computed from a model's JSON export alone."""

    def __init__(self, weights: Mapping) -> None:
        params = {**weights["vectorizer"], "ngram_range": tuple(weights["vectorizer"]["ngram_range"])}
        params.pop("min_df", None)
        params.pop("max_features", None)
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: see the module top

        self._vectorizer = TfidfVectorizer(vocabulary=weights["vocabulary"], **params)
        self._vectorizer.idf_ = np.array(weights["idf"], dtype=float)
        self._mean = np.array(weights["cue_mean"], dtype=float)
        self._scale = np.array(weights["cue_scale"], dtype=float)
        self._coef = np.array(weights["coef"], dtype=float)
        self._intercept = float(weights["intercept"])

    def predict(
        self, quotes: Sequence[str], cues: Sequence[Mapping[str, float]], engine_scores: Sequence[float]
    ) -> list[float]:
        """P(accepted) for each span."""
        if not quotes:
            return []
        from scipy import sparse

        text = self._vectorizer.transform(list(quotes))
        numeric = (_cue_matrix(cues, engine_scores) - self._mean) / self._scale
        x = sparse.hstack([text, sparse.csr_matrix(numeric)], format="csr")
        z = x @ self._coef + self._intercept
        return [1.0 / (1.0 + math.exp(-float(v))) for v in np.clip(z, -50, 50)]


def check(examples: Sequence[Example], minimum: int = MIN_EXAMPLES) -> None:
    """Refuse a training set too small, or holding a single class, to learn anything from."""
    positives = sum(e.label for e in examples)
    if len(examples) < minimum or positives in (0, len(examples)):
        raise NotEnoughExamples(
            f"The model needs at least {minimum} decided suggestions, both accepted and "
            f"rejected; this project has {len(examples)} ({positives} accepted, "
            f"{len(examples) - positives} rejected)."
        )


def fit(examples: Sequence[Example], *, minimum: int = MIN_EXAMPLES) -> dict:
    """Fit TF-IDF (char n-grams of the quote) + scaled cues → logistic regression; return JSON."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    check(examples, minimum)
    quotes = [e.quote for e in examples]
    labels = np.array([e.label for e in examples])
    params = dict(VECTORIZER_PARAMS)
    if len(examples) < 100:
        params["min_df"] = 1  # with few examples, rare n-grams are most of what there is
    vectorizer = TfidfVectorizer(**params)
    text = vectorizer.fit_transform(quotes)
    cues = _cue_matrix([e.cues for e in examples], [e.engine_score for e in examples])
    mean = cues.mean(axis=0)
    scale = cues.std(axis=0)
    scale[scale == 0] = 1.0  # a cue constant over the examples carries no signal; avoid 0/0
    x = sparse.hstack([text, sparse.csr_matrix((cues - mean) / scale)], format="csr")
    # Balanced: annotators usually accept most suggestions, and the rare rejections matter most.
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    model.fit(x, labels)
    return {
        "format": FORMAT,
        "vectorizer": {**params, "ngram_range": list(params["ngram_range"])},
        "vocabulary": {term: int(i) for term, i in vectorizer.vocabulary_.items()},
        "idf": vectorizer.idf_.tolist(),
        "cue_names": [*FEATURE_NAMES, "engine_score"],
        "cue_mean": mean.tolist(),
        "cue_scale": scale.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }


def cross_validate(examples: Sequence[Example], folds: int = CV_FOLDS) -> tuple[float, float, int]:
    """Precision and recall of "accepted" over stratified k folds, and the folds used."""
    from sklearn.metrics import precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold

    check(examples)
    labels = np.array([e.label for e in examples])
    minority = int(min(labels.sum(), len(labels) - labels.sum()))
    # Each fold needs an example of each class; a rare class lowers the number of folds.
    folds = max(2, min(folds, minority))
    predicted = np.zeros(len(examples), dtype=int)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        part = [examples[i] for i in train]
        if len({e.label for e in part}) < 2 or len(part) < 2:
            continue
        # Refit everything (vocabulary included) on the training folds: no peeking at the test fold.
        scorer = Scorer(fit(part, minimum=2))
        probs = scorer.predict(
            [examples[i].quote for i in test], [examples[i].cues for i in test],
            [examples[i].engine_score for i in test],
        )
        predicted[test] = [int(p >= 0.5) for p in probs]
    precision = float(precision_score(labels, predicted, zero_division=0))
    recall = float(recall_score(labels, predicted, zero_division=0))
    return precision, recall, folds

