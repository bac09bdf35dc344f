"""The per-project vector index (annotations/graph/index.py): pure, no database."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from annotations.graph import index as index_module
from annotations.graph.index import VectorIndex, VectorIndexError

DIM = 8


def _vector_files(folder: Path) -> list[Path]:
    return [p for p in folder.glob("seg-*.npy") if re.fullmatch(r"seg-\d+\.npy", p.name)]


def _vecs(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _filled(path: Path, n: int = 20, docs: int = 5) -> tuple[VectorIndex, np.ndarray]:
    index = VectorIndex.open(path, DIM)
    vecs = _vecs(n)
    index.add([f"k{i}" for i in range(n)], [f"d{i % docs}" for i in range(n)], vecs)
    return index, vecs


def test_it_finds_the_nearest_rows_best_first(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    hits = index.search(vecs[3], 5)
    assert hits[0][:2] == ("k3", "d3") and hits[0][2] == pytest.approx(1.0)
    expected = np.argsort(-(vecs @ vecs[3]), kind="stable")[:5]
    assert [h[0] for h in hits] == [f"k{i}" for i in expected]
    assert len(index) == 20 and "k3" in index


def test_it_skips_the_excluded_article(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    hits = index.search(vecs[3], 20, exclude_doc="d3")
    assert hits and all(doc != "d3" for _, doc, _ in hits)
    assert len(hits) == 16


def test_it_replaces_a_key_that_is_added_again(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    index.add(["k3"], ["d9"], vecs[7])
    assert len(index) == 20
    assert index.doc_of("k3") == "d9"
    assert {h[0] for h in index.search(vecs[7], 2)} == {"k3", "k7"}


def test_it_removes_keys_and_whole_articles(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    assert index.remove(["k1", "nope"]) == 1
    assert index.remove_docs(["d2"]) == 4
    assert len(index) == 15
    keys = {h[0] for h in index.search(vecs[1], 50)}
    assert "k1" not in keys and not any(index.doc_of(k) == "d2" for k in keys)


def test_it_persists_and_reopens(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    index.remove(["k0"])
    index.save()
    again = VectorIndex.open(tmp_path / "ix", DIM)
    assert len(again) == 19
    assert again.search(vecs[5], 3) == index.search(vecs[5], 3)
    assert not any(p.suffix == ".tmp" for p in (tmp_path / "ix").iterdir())
    # Nothing is pickled: every array loads with allow_pickle=False.
    for npy in (tmp_path / "ix").glob("*.npy"):
        np.load(npy, allow_pickle=False)


def test_it_appends_a_segment_per_save_without_rewriting_the_others(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    index.save()
    first = {p.name: p.stat().st_mtime_ns for p in _vector_files(tmp_path / "ix")}
    index.add(["new"], ["d9"], _vecs(1, seed=5))
    index.save()
    after = {p.name: p.stat().st_mtime_ns for p in _vector_files(tmp_path / "ix")}
    assert {k: after[k] for k in first} == first and len(after) == len(first) + 1
    assert len(VectorIndex.open(tmp_path / "ix", DIM)) == 21


def test_it_compacts_many_small_segments_and_dead_rows(tmp_path: Path) -> None:
    index, _ = _filled(tmp_path / "ix")
    index.save()
    for i in range(10):
        index.add([f"x{i}"], ["dx"], _vecs(1, seed=100 + i))
        index.save()
    # Eleven small saves, merged four by four: never more than MERGE_FACTOR - 1 per tier.
    assert len(list((tmp_path / "ix").glob("seg-*.json"))) < index_module.MERGE_FACTOR
    index.remove_docs(["d0", "d1", "d2"])
    index.save()
    again = VectorIndex.open(tmp_path / "ix", DIM)
    assert len(again) == len(index) == 20 + 10 - 12
    rows = sum(np.load(p, mmap_mode="r").shape[0] for p in _vector_files(tmp_path / "ix"))
    assert rows == len(again)  # the dead rows are gone from disk
    assert {h[0] for h in again.search(_vecs(1, seed=103)[0], 1)} == {"x3"}


def test_a_crash_while_saving_leaves_the_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index, vecs = _filled(tmp_path / "ix")
    index.save()
    index.add(["late"], ["d9"], _vecs(1, seed=9))
    index.remove(["k4"])
    real_replace = os.replace

    def crash_on_manifest(src, dst) -> None:  # noqa: ANN001
        if str(dst).endswith("manifest.json"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(index_module.os, "replace", crash_on_manifest)
    with pytest.raises(OSError, match="disk full"):
        index.save()
    monkeypatch.undo()
    again = VectorIndex.open(tmp_path / "ix", DIM)
    assert len(again) == 20 and "k4" in again and "late" not in again
    assert again.search(vecs[4], 1)[0][0] == "k4"


def test_it_says_clearly_when_the_files_are_corrupt(tmp_path: Path) -> None:
    index, _ = _filled(tmp_path / "ix")
    index.save()
    (tmp_path / "ix" / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(VectorIndexError, match="unreadable.*rebuild"):
        VectorIndex.open(tmp_path / "ix", DIM)


def test_it_says_clearly_when_a_vector_file_is_damaged(tmp_path: Path) -> None:
    index, _ = _filled(tmp_path / "ix")
    index.save()
    seg = _vector_files(tmp_path / "ix")[0]
    seg.write_bytes(b"garbage")
    with pytest.raises(VectorIndexError, match=seg.name):
        VectorIndex.open(tmp_path / "ix", DIM)


def test_it_refuses_vectors_of_another_size(tmp_path: Path) -> None:
    index, _ = _filled(tmp_path / "ix")
    index.save()
    with pytest.raises(VectorIndexError, match="8 dimensions, not 4"):
        VectorIndex.open(tmp_path / "ix", 4)
    with pytest.raises(ValueError, match=r"\(n, 8\)"):
        index.add(["a"], ["d"], np.ones(4, np.float32))


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    index = VectorIndex.open(tmp_path / "none", DIM)
    assert len(index) == 0 and index.search(_vecs(1)[0], 5) == []
    index.save()
    assert len(VectorIndex.open(tmp_path / "none", DIM)) == 0


def test_it_answers_several_queries_in_one_pass(tmp_path: Path) -> None:
    index, vecs = _filled(tmp_path / "ix")
    index.save()
    index.add(["tail"], ["d7"], _vecs(1, seed=7))  # one saved segment and an unsaved tail
    many = index.search_many(vecs[:3], 4, ["d0", None, "d2"])
    one_by_one = [index.search(vecs[0], 4, "d0"), index.search(vecs[1], 4), index.search(vecs[2], 4, "d2")]
    assert [[h[:2] for h in hits] for hits in many] == [[h[:2] for h in hits] for hits in one_by_one]
    assert np.allclose([h[2] for hits in many for h in hits], [h[2] for hits in one_by_one for h in hits], atol=1e-5)
    assert index.search_many(vecs[:0], 4) == []
    with pytest.raises(ValueError, match="2 queries but 1 exclude_docs"):
        index.search_many(vecs[:2], 4, ["d0"])
