"""Learned, multilingual check-worthiness scorer (pure Python + numpy, no Django).

A logistic regression stacked on two inputs per sentence:

* its multilingual sentence embedding (see embeddings.py), which generalises across languages and
  genres, and
* the rule engine's own score for the sentence (engine.py), so the hand-written French/English
  cues keep their say on the news articles they were written for.

The weights are plain JSON shipped in the repository (`data/checkworthy-v1.json`, rebuilt by
`python -m annotations.suggest.train_checkworthy`, described in `data/CHECKWORTHY.md`). They are
read with `json` and numpy: nothing is unpickled, nothing is downloaded.

    model = CheckworthinessModel.load()
    probs = model.score(sentences, [rule_score(s, lang) for s in sentences])
    worthy = [p >= model.threshold for p in probs]
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .embeddings import Embedder

FORMAT = "workbench-checkworthy/1"
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "checkworthy-v1.json"
# Names of the features after the embedding dimensions, in order.
RULE_FEATURES: tuple[str, ...] = ("rule_score",)


class ModelFormatError(ValueError):
    """The weights file is not a valid check-worthiness model (the message says why)."""


def rule_score(text: str, lang: str) -> float:
    """The rule engine's score of `text` taken alone: its best segment's score, 0 when none."""
    from . import engine  # local import: engine is only needed by callers that lack scores

    result = engine.suggest(text, lang, threshold=0.0)
    return max((s.score for s in result.suggestions), default=0.0)


def rule_features(rule_scores: Sequence[float]) -> np.ndarray:
    """The (n, len(RULE_FEATURES)) block appended to the embeddings."""
    r = np.asarray([float(x) for x in rule_scores], dtype=np.float64).reshape(-1, 1)
    if not np.all(np.isfinite(r)):
        raise ValueError("rule scores must be finite numbers")
    return np.clip(r, 0.0, 1.0)


def _need(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in doc:
        raise ModelFormatError(f"{where}: missing field {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ModelFormatError(f"{where}: field {key!r} has the wrong type ({type(value).__name__})")
    return value


@dataclass(frozen=True)
class CheckworthinessModel:
    """Weights of the stacked logistic regression, plus the embedder they were trained against."""

    embedder_name: str
    embedder_dim: int
    coef: np.ndarray  # (embedder_dim + len(RULE_FEATURES),) float64
    intercept: float
    feature_names: tuple[str, ...]
    threshold: float
    version: str
    # Thresholds for languages whose dev split chose one (e.g. Spanish, whose prevalence of
    # check-worthy tweets is lower); every other language uses `threshold`.
    thresholds_by_lang: dict[str, float] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    embedder: Embedder | None = None  # None: the default embedder, checked on first use

    # ---------- loading ----------
    @classmethod
    def load(cls, path: str | Path | None = None, *, embedder: Embedder | None = None
             ) -> CheckworthinessModel:
        """Read and validate a weights file (default: the one shipped with the package)."""
        p = Path(path) if path is not None else DEFAULT_PATH
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFormatError(f"{p}: weights file not found") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"{p}: not valid JSON ({exc})") from None
        return cls.from_dict(doc, where=str(p), embedder=embedder)

    @classmethod
    def from_dict(cls, doc: Any, *, where: str = "model", embedder: Embedder | None = None
                  ) -> CheckworthinessModel:
        if not isinstance(doc, dict):
            raise ModelFormatError(f"{where}: expected a JSON object")
        fmt = _need(doc, "format", str, where)
        if fmt != FORMAT:
            raise ModelFormatError(f"{where}: format {fmt!r} is not {FORMAT!r}")
        emb = _need(doc, "embedder", dict, where)
        name = _need(emb, "name", str, f"{where}: embedder")
        dim = _need(emb, "dim", int, f"{where}: embedder")
        if dim <= 0:
            raise ModelFormatError(f"{where}: embedder dim must be positive, got {dim}")
        names = _need(doc, "feature_names", list, where)
        coef_list = _need(doc, "coefficients", list, where)
        intercept = _need(doc, "intercept", (int, float), where)
        threshold = _need(doc, "threshold", (int, float), where)
        expected = dim + len(RULE_FEATURES)
        if len(coef_list) != expected:
            raise ModelFormatError(
                f"{where}: {len(coef_list)} coefficients, but embedder dim {dim} + "
                f"{len(RULE_FEATURES)} rule feature(s) needs {expected}")
        if len(names) != expected or tuple(names[dim:]) != RULE_FEATURES:
            raise ModelFormatError(
                f"{where}: feature_names must list {dim} embedding dimensions then "
                f"{list(RULE_FEATURES)}")
        try:
            coef = np.asarray(coef_list, dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelFormatError(f"{where}: coefficients must be numbers") from None
        if coef.ndim != 1 or not np.all(np.isfinite(coef)) or not math.isfinite(intercept):
            raise ModelFormatError(f"{where}: coefficients and intercept must be finite numbers")
        if not 0.0 <= threshold <= 1.0:
            raise ModelFormatError(f"{where}: threshold {threshold} is outside [0, 1]")
        by_lang = doc.get("thresholds_by_lang", {})
        if not isinstance(by_lang, dict) or not all(
                isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
                and 0.0 <= v <= 1.0 for k, v in by_lang.items()):
            raise ModelFormatError(
                f"{where}: thresholds_by_lang must map language codes to numbers in [0, 1]")
        if embedder is not None:
            _check_embedder(embedder, name, dim, where)
        return cls(
            embedder_name=name, embedder_dim=dim, coef=coef, intercept=float(intercept),
            feature_names=tuple(str(n) for n in names), threshold=float(threshold),
            thresholds_by_lang={k.lower(): float(v) for k, v in by_lang.items()},
            version=str(doc.get("version", "")), training=dict(doc.get("training") or {}),
            embedder=embedder,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "embedder": {"name": self.embedder_name, "dim": self.embedder_dim},
            "feature_names": list(self.feature_names),
            "coefficients": [float(x) for x in self.coef],
            "intercept": float(self.intercept),
            "threshold": float(self.threshold),
            "thresholds_by_lang": {k: float(v) for k, v in sorted(self.thresholds_by_lang.items())},
            "training": self.training,
        }

    def threshold_for(self, lang: str | None) -> float:
        """The decision threshold for a language code ("es", "es-MX"), else the default."""
        code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
        return self.thresholds_by_lang.get(code, self.threshold)

    # ---------- scoring ----------
    def _embedder(self) -> Embedder:
        emb = self.embedder
        if emb is None:
            from .embeddings import default_embedder

            emb = default_embedder()
            _check_embedder(emb, self.embedder_name, self.embedder_dim, "model")
            object.__setattr__(self, "embedder", emb)
        return emb

    def score_embedded(self, embeddings: np.ndarray, rule_scores: Sequence[float]) -> np.ndarray:
        """Probabilities from precomputed embeddings (n, dim) and rule scores (n,)."""
        x = np.asarray(embeddings, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.embedder_dim:
            raise ValueError(f"embeddings must have shape (n, {self.embedder_dim}), got {x.shape}")
        r = rule_features(rule_scores)
        if r.shape[0] != x.shape[0]:
            raise ValueError(f"{x.shape[0]} embeddings but {r.shape[0]} rule scores")
        z = x @ self.coef[:self.embedder_dim] + r @ self.coef[self.embedder_dim:] + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def score(self, texts: Sequence[str], rule_scores: Sequence[float],
              batch_size: int = 64) -> list[float]:
        """Probability that each text is check-worthy (same order as `texts`)."""
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts, not a single string")
        texts = list(texts)
        if len(texts) != len(rule_scores):
            raise ValueError(f"{len(texts)} texts but {len(rule_scores)} rule scores")
        if not texts:
            return []
        emb = self._embedder().embed(texts, batch_size=batch_size)
        return [float(p) for p in self.score_embedded(emb, rule_scores)]


def _check_embedder(embedder: Embedder, name: str, dim: int, where: str) -> None:
    if int(embedder.dim) != dim:
        raise ModelFormatError(
            f"{where}: weights expect embedder dim {dim}, but {embedder.name!r} has dim "
            f"{embedder.dim}")
    if embedder.name != name:
        raise ModelFormatError(
            f"{where}: weights were trained with embedder {name!r}, not {embedder.name!r}")
