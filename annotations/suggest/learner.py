"""A per-project model learnt from annotators' accept/reject decisions (no Django).

The model starts from the rule engine and learns only the project's corrections to it: a
logistic regression whose offset is the engine's own log-odds,

    log-odds(accepted) = logit(engine score) + w · [char n-grams of the quote, engine cues] + b,

with an L2 penalty pulling every w towards 0, i.e. towards the engine. With few decisions the
model stays the engine; with many it departs where the project's decisions consistently do.
On the seed gold set this ranks held-back articles better than the engine on every 3/2 split
(tests/unit/test_suggest_learning.py), where an unanchored classifier blended in did not.

Kept out of `annotations.suggest.__init__` so the rule engine imports nothing beyond the stdlib;
only the retrain and suggest jobs import this module (scikit-learn, numpy, scipy).

The fitted model is exported as plain JSON (vocabulary, idf weights, coefficients) and rebuilt
by `Scorer`: nothing is ever unpickled, so a stored model cannot run code, whoever managed to
write to the database or the media folder.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# SciPy and scikit-learn (~120 MB resident) are imported inside the functions that use them:
# every web and worker process imports this module, few of them ever train or score a model.

from .cues import FEATURE_NAMES

FORMAT = 2  # bump when the JSON layout or its meaning changes; older stored models are ignored
MIN_EXAMPLES = 30
CV_FOLDS = 5
# Character n-grams within words: robust to French inflection without a stemmer.
VECTORIZER_PARAMS: dict = {
    "analyzer": "char_wb", "ngram_range": (2, 4), "lowercase": True, "sublinear_tf": True,
    "min_df": 2, "max_features": 20000,
}
# Strength of the pull towards the engine. On the seed gold set (3 articles' decisions, 2 held
# back, all ten splits) 7 to 20 all beat the engine on every split; 1 to 3 overfit a few
# decisions and lose to it on half of them.
PENALTY = 10.0
_EPS = 1e-4  # engine scores are clipped to [ε, 1-ε] so their log-odds stay finite


@dataclass(frozen=True, slots=True)
class Example:
    """One decided span: its text, the engine's cue values, and 1 if accepted, 0 if rejected."""

    quote: str
    cues: Mapping[str, float]
    engine_score: float
    label: int


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Out-of-fold figures: precision and recall of "accepted" at p ≥ 0.5, and ranking quality."""

    precision: float
    recall: float
    folds: int
    ap_engine: float  # average precision of the engine's scores over the same examples
    ap_model: float  # …and of the model's, each example scored by a model that never saw it


class NotEnoughExamples(ValueError):
    """Fewer than MIN_EXAMPLES decisions, or only one class of them."""


def log_odds(scores: Sequence[float]) -> np.ndarray:
    """The engine's log-odds, the model's starting point."""
    p = np.clip(np.asarray(scores, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _cue_matrix(cues: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Cue values in FEATURE_NAMES order; a missing cue counts as 0."""
    # Unscaled: the cues are 0/1 flags or shares in [0, 1], so a coefficient reads as a change
    # to the engine's own weight for that cue (engine.WEIGHTS), which the penalty keeps small.
    return np.array(
        [[float(c.get(n, 0.0)) for n in FEATURE_NAMES] for c in cues], dtype=float
    ).reshape(len(cues), len(FEATURE_NAMES))


def _design(vectorizer, quotes: Sequence[str], cues: Sequence[Mapping[str, float]]):  # noqa: ANN001, ANN202
    """The feature matrix: the quote's n-grams, then the cues (the order the JSON keeps)."""
    from scipy import sparse

    return sparse.hstack(
        [vectorizer.transform(list(quotes)), sparse.csr_matrix(_cue_matrix(cues))], format="csr"
    )


def _fit_corrections(x, offset: np.ndarray, labels: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:  # noqa: ANN001
    """Penalised logistic regression with a fixed per-row offset; return (w, b)."""
    # scikit-learn's LogisticRegression takes no offset, and the offset is the whole point.
    from scipy.optimize import minimize
    from scipy.special import expit

    signs = 2.0 * labels - 1.0
    k = x.shape[1]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:k], params[k]
        margin = signs * (offset + x @ w + b)
        value = float(np.logaddexp(0.0, -margin).sum() + 0.5 * penalty * w @ w)
        g = -signs * expit(-margin)
        return value, np.concatenate([x.T @ g + penalty * w, [g.sum()]])

    result = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x[:k], float(result.x[k])


class Scorer:
    """Probability that a span is accepted, computed from a model's JSON export alone."""

    def __init__(self, weights: Mapping) -> None:
        params = {**weights["vectorizer"], "ngram_range": tuple(weights["vectorizer"]["ngram_range"])}
        params.pop("min_df", None)
        params.pop("max_features", None)
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: see the module top

        self._vectorizer = TfidfVectorizer(vocabulary=weights["vocabulary"], **params)
        self._vectorizer.idf_ = np.array(weights["idf"], dtype=float)
        self._coef = np.array(weights["coef"], dtype=float)
        self._intercept = float(weights["intercept"])

    def predict(
        self, quotes: Sequence[str], cues: Sequence[Mapping[str, float]], engine_scores: Sequence[float]
    ) -> list[float]:
        """P(accepted) for each span."""
        if not quotes:
            return []
        from scipy.special import expit

        z = log_odds(engine_scores) + _design(self._vectorizer, quotes, cues) @ self._coef + self._intercept
        return [float(p) for p in expit(z)]


def check(examples: Sequence[Example], minimum: int = MIN_EXAMPLES) -> None:
    """Refuse a training set too small, or holding a single class, to learn anything from."""
    positives = sum(e.label for e in examples)
    if len(examples) < minimum or positives in (0, len(examples)):
        raise NotEnoughExamples(
            f"The model needs at least {minimum} decided suggestions, both accepted and "
            f"rejected; this project has {len(examples)} ({positives} accepted, "
            f"{len(examples) - positives} rejected)."
        )


def fit(examples: Sequence[Example], *, minimum: int = MIN_EXAMPLES, penalty: float = PENALTY) -> dict:
    """Fit the project's corrections to the engine; return the model as JSON."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    check(examples, minimum)
    params = dict(VECTORIZER_PARAMS)
    if len(examples) < 100:
        params["min_df"] = 1  # with few examples, rare n-grams are most of what there is
    vectorizer = TfidfVectorizer(**params)
    vectorizer.fit([e.quote for e in examples])
    x = _design(vectorizer, [e.quote for e in examples], [e.cues for e in examples])
    labels = np.array([e.label for e in examples], dtype=float)
    coef, intercept = _fit_corrections(x, log_odds([e.engine_score for e in examples]), labels, penalty)
    return {
        "format": FORMAT,
        "vectorizer": {**params, "ngram_range": list(params["ngram_range"])},
        "vocabulary": {term: int(i) for term, i in vectorizer.vocabulary_.items()},
        "idf": vectorizer.idf_.tolist(),
        "cue_names": list(FEATURE_NAMES),  # the last len(cue_names) coefficients, in this order
        "coef": coef.tolist(),
        "intercept": intercept,
        "penalty": penalty,
    }


def cross_validate(examples: Sequence[Example], folds: int = CV_FOLDS) -> CrossValidation:
    """Stratified k-fold figures of the model, and of the engine on the same examples."""
    from sklearn.metrics import average_precision_score, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold

    check(examples)
    labels = np.array([e.label for e in examples])
    minority = int(min(labels.sum(), len(labels) - labels.sum()))
    # Each fold needs an example of each class; a rare class lowers the number of folds.
    folds = max(2, min(folds, minority))
    probs = np.array([e.engine_score for e in examples], dtype=float)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        # "The least populated class has only 1 member": handled below, fold by fold.
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(np.zeros(len(labels)), labels))
    for train, test in splits:
        part = [examples[i] for i in train]
        if len({e.label for e in part}) < 2:
            # A single example of one class leaves a training part without it: nothing can be
            # fitted there, and the engine's score stands in for that fold's predictions.
            continue
        # Refit everything (vocabulary included) on the training folds: no peeking at the test fold.
        scorer = Scorer(fit(part, minimum=2))
        probs[test] = scorer.predict(
            [examples[i].quote for i in test], [examples[i].cues for i in test],
            [examples[i].engine_score for i in test],
        )
    predicted = (probs >= 0.5).astype(int)
    return CrossValidation(
        precision=float(precision_score(labels, predicted, zero_division=0)),
        recall=float(recall_score(labels, predicted, zero_division=0)),
        folds=folds,
        ap_engine=float(average_precision_score(labels, [e.engine_score for e in examples])),
        ap_model=float(average_precision_score(labels, probs)),
    )
