"""A per-project vector index: exact cosine search over memory-mapped float32 segments.

Choice: numpy brute force, no approximate index. At 100,000 articles × 8 passages (800,000
unit vectors of 512 dims, 1.6 GB) one query is a matrix-vector product over a memory-mapped
file: about 0.15–0.2 s on one core of this machine (bench/bench_relations.py), exact, with
the page cache shared by every web and worker process that opens the same files. It works the
same on SQLite and PostgreSQL deployments (no pgvector here) because the database is not
involved, and it needs no new dependency. faiss-cpu (a wheel installs here) would bring the same
exact search at the same memory-bandwidth-bound speed, and its approximate indexes (IVF, HNSW;
hnswlib only ships as an sdist needing a compiler) trade exactness and a training or build step
for speed we do not need at this size; swapping one in later changes this module only.

Layout of the index directory (no pickle anywhere):

    manifest.json                  the commit point: format, dim, segments and their files
    seg-000007.npy                 float32 (rows, dim) vectors, np.save / np.load(allow_pickle=False)
    seg-000007.json                {"keys": [...], "docs": [...], "doc_of_row": [...]}
    seg-000007.alive-000012.npy    bool (rows,) tombstones, one file per generation

Incremental: `add` appends to an in-memory tail that `save` writes as a new segment; replacing
or removing a key only flips its row in an alive mask, written as a new small file. Nothing
already on disk is rewritten, except by compaction, tiered as in an LSM tree: when MERGE_FACTOR
segments of one size tier exist they are merged into one of the next tier, and a segment with
more than DEAD_SHARE dead rows is rewritten without them. An import of one article writes one
small segment; a row is rewritten about log4(rows) times in its life; the number of segments,
hence the per-query overhead, stays logarithmic. `save` writes every new file
under a temporary name, renames it into place, then replaces manifest.json atomically
(os.replace); a crash at any point leaves the previous manifest and the files it names intact,
and files no manifest names are removed by the next save. One writer at a time per index (the
claim-graph job holds the project's lock); readers may open it while it is written.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT = 1
MANIFEST = "manifest.json"
MERGE_FACTOR = 4  # segments of one size tier merged together
_TIER_BASE = 4096  # rows: segments up to this size are all tier 0
DEAD_SHARE = 0.25  # a segment with more dead rows than this is rewritten on the next save
_BLOCK = 65536  # rows per matrix-vector product: bounds the temporary score array


class VectorIndexError(ValueError):
    """The index on disk is unreadable or does not match what the caller expects."""


@dataclass
class _Segment:
    """One block of rows: vectors (memory-mapped once saved), keys, docs, alive mask."""

    name: str | None  # None: the unsaved tail
    vecs: np.ndarray
    keys: list[str]
    docs: list[str]  # distinct docs of the segment
    doc_of_row: np.ndarray  # int32 index into docs
    alive: np.ndarray  # bool
    alive_file: str | None
    alive_dirty: bool = False
    _doc_ix: dict[str, int] | None = None
    buffers: dict[str, np.ndarray] = field(default_factory=dict)  # the unsaved tail's storage

    def doc_code(self, doc: str) -> int | None:
        """The segment's code of an article, None when it has no row of it."""
        if self._doc_ix is None or len(self._doc_ix) != len(self.docs):
            self._doc_ix = {d: i for i, d in enumerate(self.docs)}
        return self._doc_ix.get(doc)


def _tier(rows: int) -> int:
    """Size tier of a segment: 0 up to _TIER_BASE rows, then one per factor MERGE_FACTOR."""
    tier = 0
    while rows > _TIER_BASE:
        rows //= MERGE_FACTOR
        tier += 1
    return tier


def _append(seg: _Segment, field_name: str, rows: np.ndarray, used: int) -> np.ndarray:
    """Append rows to one of the tail's buffers; return the exact-length view."""
    buffers = seg.buffers
    buf = buffers.get(field_name)
    if buf is None:
        buf = np.asarray(getattr(seg, field_name))
    need = used + len(rows)
    if need > len(buf):
        grown = np.empty((max(need, 2 * len(buf), 1024), *buf.shape[1:]), dtype=buf.dtype)
        grown[:used] = buf[:used]
        buf = grown
    buf[used:need] = rows
    buffers[field_name] = buf
    return buf[:need]


def _atomic_write(path: Path, write) -> None:  # noqa: ANN001 - write(fileobj)
    """Write through a temp file in the same directory, fsync, then rename over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unit_rows(vecs: np.ndarray, dim: int) -> np.ndarray:
    v = np.asarray(vecs, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] != dim:
        raise ValueError(f"vectors must be (n, {dim}), not {tuple(np.shape(vecs))}")
    if not np.isfinite(v).all():
        raise ValueError("vectors contain NaN or infinite values")
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms, dtype=np.float32)


class VectorIndex:
    """Cosine search over a project's passage vectors; see the module docstring for the layout."""

    def __init__(self, path: Path, dim: int) -> None:
        """Use VectorIndex.open()."""
        self.path = Path(path)
        self.dim = int(dim)
        self._segments: list[_Segment] = []
        self._where: dict[str, tuple[int, int]] = {}  # key → (segment position, row)
        self._next = 1  # next segment / generation number

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, dim: int) -> VectorIndex:
        """Open the index at `path` (a directory, created empty if absent) for vectors of `dim`."""
        try:
            return cls._open(path, dim)
        except FileNotFoundError:
            # A writer replaced the manifest and removed the files of the previous one between
            # our reading the manifest and the segments: the new manifest is complete.
            try:
                return cls._open(path, dim)
            except FileNotFoundError as exc:
                raise VectorIndexError(
                    f"vector index at {path} names a missing file ({exc.filename}); rebuild it"
                ) from None

    @classmethod
    def _open(cls, path: Path, dim: int) -> VectorIndex:
        index = cls(path, dim)
        manifest = index.path / MANIFEST
        if not manifest.exists():
            return index
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                raise VectorIndexError(f"{manifest}: unknown format {meta.get('format')!r}")
            if int(meta["dim"]) != index.dim:
                raise VectorIndexError(f"{manifest}: vectors have {meta['dim']} dimensions, not {index.dim}")
            index._next = int(meta["next"])
            for seg in meta["segments"]:
                index._load_segment(str(seg["name"]), str(seg["alive"]), int(seg["rows"]))
        except (VectorIndexError, FileNotFoundError):
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VectorIndexError(f"vector index at {index.path} is unreadable ({exc}); rebuild it") from None
        return index

    def _load_segment(self, name: str, alive_file: str, rows: int) -> None:
        vec_path = self.path / f"{name}.npy"
        try:
            vecs = np.load(vec_path, mmap_mode="r", allow_pickle=False)
        except ValueError as exc:
            raise VectorIndexError(f"{vec_path}: not a vector file ({exc}); rebuild the index") from None
        if vecs.dtype != np.float32 or vecs.ndim != 2 or vecs.shape != (rows, self.dim):
            raise VectorIndexError(f"{vec_path}: expected float32 ({rows}, {self.dim}), got {vecs.dtype} {vecs.shape}")
        meta = json.loads((self.path / f"{name}.json").read_text(encoding="utf-8"))
        keys, docs, doc_of_row = list(meta["keys"]), list(meta["docs"]), np.asarray(meta["doc_of_row"], dtype=np.int32)
        alive = np.load(self.path / alive_file, allow_pickle=False)
        if len(keys) != rows or len(doc_of_row) != rows or alive.shape != (rows,) or alive.dtype != np.bool_:
            raise VectorIndexError(f"{self.path / name}: keys, docs and alive mask disagree with {rows} rows")
        pos = len(self._segments)
        self._segments.append(_Segment(name, vecs, keys, docs, doc_of_row, alive.copy(), alive_file))
        for row in np.flatnonzero(alive):
            self._where[keys[row]] = (pos, int(row))

    # ------------------------------------------------------------------ writing

    def add(self, keys: Sequence[str], docs: Sequence[str], vecs: np.ndarray) -> None:
        """Add rows (unit-normalised here); a key already present is replaced."""
        keys, docs = [str(k) for k in keys], [str(d) for d in docs]
        v = _unit_rows(vecs, self.dim) if len(keys) else np.zeros((0, self.dim), np.float32)
        if not len(keys) == len(docs) == v.shape[0]:
            raise ValueError(f"{len(keys)} keys, {len(docs)} docs and {v.shape[0]} vectors")
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate keys in one add()")
        self.remove(keys)
        seg = self._segments[-1] if self._segments and self._segments[-1].name is None else None
        if seg is None:
            seg = _Segment(None, np.zeros((0, self.dim), np.float32), [], [], np.zeros(0, np.int32),
                           np.zeros(0, bool), None)
            self._segments.append(seg)
        pos = len(self._segments) - 1
        doc_ix = {d: i for i, d in enumerate(seg.docs)}
        codes = []
        for d in docs:
            if d not in doc_ix:
                doc_ix[d] = len(seg.docs)
                seg.docs.append(d)
            codes.append(doc_ix[d])
        base = len(seg.keys)
        # The unsaved tail grows in buffers of doubling capacity (amortised O(1) per row, where
        # concatenating on every add() would copy the whole tail each time); the segment's
        # fields stay exact-length views of them.
        seg.vecs = _append(seg, "vecs", v, base)
        seg.doc_of_row = _append(seg, "doc_of_row", np.asarray(codes, np.int32), base)
        seg.alive = _append(seg, "alive", np.ones(len(keys), bool), base)
        seg.keys.extend(keys)
        for i, k in enumerate(keys):
            self._where[k] = (pos, base + i)

    def remove(self, keys: Sequence[str]) -> int:
        """Drop these keys (unknown keys are ignored); returns how many were present."""
        n = 0
        for k in keys:
            hit = self._where.pop(str(k), None)
            if hit is not None:
                seg = self._segments[hit[0]]
                seg.alive[hit[1]] = False
                seg.alive_dirty = True
                n += 1
        return n

    def remove_docs(self, docs: Sequence[str]) -> int:
        """Drop every row of these articles; returns how many rows were dropped."""
        wanted = {str(d) for d in docs}
        n = 0
        for seg in self._segments:
            codes = [i for i, d in enumerate(seg.docs) if d in wanted]
            if not codes:
                continue
            rows = np.flatnonzero(np.isin(seg.doc_of_row, codes) & seg.alive)
            for row in rows:
                self._where.pop(seg.keys[row], None)
            seg.alive[rows] = False
            seg.alive_dirty = seg.alive_dirty or bool(len(rows))
            n += len(rows)
        return n

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def vector(self, key: str) -> np.ndarray:
        """The stored (unit) vector of a key; KeyError when absent."""
        pos, row = self._where[key]
        return np.array(self._segments[pos].vecs[row], dtype=np.float32)

    def doc_of(self, key: str) -> str:
        """The article a key belongs to; KeyError when absent."""
        pos, row = self._where[key]
        seg = self._segments[pos]
        return seg.docs[int(seg.doc_of_row[row])]

    def vectors(self, keys: Sequence[str]) -> np.ndarray:
        """The stored vectors of several keys, one row each, in order; KeyError when one is absent."""
        out = np.empty((len(keys), self.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            pos, row = self._where[key]
            out[i] = self._segments[pos].vecs[row]
        return out

    def keys_of(self, docs: Sequence[str]) -> list[str]:
        """The live keys of these articles, segment by segment in row order."""
        wanted = {str(d) for d in docs}
        out: list[str] = []
        for seg in self._segments:
            codes = [i for i, d in enumerate(seg.docs) if d in wanted]
            if codes:
                rows = np.flatnonzero(np.isin(seg.doc_of_row, codes) & seg.alive)
                out.extend(seg.keys[r] for r in rows)
        return out

    # ------------------------------------------------------------------ searching

    def search(self, vec: np.ndarray, k: int, exclude_doc: str | None = None) -> list[tuple[str, str, float]]:
        """The k stored rows most similar to `vec` (cosine) as (key, doc, score), best first;
        rows of `exclude_doc` are skipped. Ties break on the key."""
        return self.search_many(np.asarray(vec)[None, :] if np.ndim(vec) == 1 else vec, k, [exclude_doc])[0]

    def search_many(
        self, vecs: np.ndarray, k: int, exclude_docs: Sequence[str | None] | None = None
    ) -> list[list[tuple[str, str, float]]]:
        """search() for several queries in one pass over the vectors: the pass is bound by memory
        bandwidth, so 8 queries (an article's passages) cost little more than one."""
        q = _unit_rows(vecs, self.dim) if len(vecs) else np.zeros((0, self.dim), np.float32)
        excludes = list(exclude_docs) if exclude_docs is not None else [None] * len(q)
        if len(excludes) != len(q):
            raise ValueError(f"{len(q)} queries but {len(excludes)} exclude_docs")
        found: list[list[tuple[float, str, str]]] = [[] for _ in range(len(q))]
        if k <= 0 or not self._where or not len(q):
            return [[] for _ in range(len(q))]
        for seg in self._segments:
            rows = len(seg.keys)
            if not rows or not seg.alive.any():
                continue
            skips = [seg.doc_code(d) if d is not None else None for d in excludes]
            for lo in range(0, rows, _BLOCK):
                hi = min(rows, lo + _BLOCK)
                scores = np.asarray(seg.vecs[lo:hi] @ q.T, dtype=np.float32).T  # (queries, rows)
                scores[:, ~seg.alive[lo:hi]] = -np.inf
                codes = seg.doc_of_row[lo:hi]
                take = min(k, hi - lo)
                for i, skip in enumerate(skips):
                    row = scores[i]
                    if skip is not None:
                        row[codes == skip] = -np.inf
                    for r in np.argpartition(-row, take - 1)[:take]:
                        score = float(row[r])
                        if score != -np.inf:
                            found[i].append((score, seg.keys[lo + r], seg.docs[int(codes[r])]))
        out = []
        for hits in found:
            hits.sort(key=lambda t: (-t[0], t[1]))
            out.append([(key, doc, score) for score, key, doc in hits[:k]])
        return out

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        """Write the unsaved rows and tombstones, compact if due, then commit the manifest."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._maybe_compact()
        for seg in self._segments:
            if seg.name is None:
                seg.name = f"seg-{self._take():06d}"
                self._write_npy(self.path / f"{seg.name}.npy", seg.vecs)
                meta = {"keys": seg.keys, "docs": seg.docs, "doc_of_row": seg.doc_of_row.tolist()}
                _atomic_write(self.path / f"{seg.name}.json",
                              lambda fh, m=meta: fh.write(json.dumps(m, ensure_ascii=False).encode("utf-8")))
                seg.alive_dirty = True
            if seg.alive_dirty or seg.alive_file is None:
                seg.alive_file = f"{seg.name}.alive-{self._take():06d}.npy"
                self._write_npy(self.path / seg.alive_file, seg.alive)
                seg.alive_dirty = False
        # Drop segments with no live row at all (their files go with the cleanup below).
        keep = [s for s in self._segments if s.alive.any()]
        if len(keep) != len(self._segments):
            self._segments = keep
            self._reindex()
        manifest = {
            "format": FORMAT, "dim": self.dim, "next": self._next,
            "segments": [{"name": s.name, "alive": s.alive_file, "rows": len(s.keys)} for s in self._segments],
        }
        _atomic_write(self.path / MANIFEST, lambda fh: fh.write(json.dumps(manifest, indent=1).encode("utf-8")))
        self._cleanup()
        # Reopen written segments memory-mapped, so the process does not keep two copies.
        for s in self._segments:
            if not isinstance(s.vecs, np.memmap):
                s.vecs = np.load(self.path / f"{s.name}.npy", mmap_mode="r", allow_pickle=False)
                s.alive, s.doc_of_row = s.alive.copy(), s.doc_of_row.copy()
                s.buffers.clear()

    def _take(self) -> int:
        n = self._next
        self._next += 1
        return n

    @staticmethod
    def _write_npy(path: Path, array: np.ndarray) -> None:
        _atomic_write(path, lambda fh: np.save(fh, np.ascontiguousarray(array), allow_pickle=False))

    def _maybe_compact(self) -> None:
        """Rewrite segments with many dead rows; merge segments of one size tier when there are
        MERGE_FACTOR of them (so a row is rewritten about log4(rows) times in its life)."""
        mostly_dead = [
            i for i, seg in enumerate(self._segments)
            if len(seg.keys) and 1 - seg.alive.sum() / len(seg.keys) > DEAD_SHARE
        ]
        if mostly_dead:
            self._merge(mostly_dead)
        while True:
            tiers: dict[int, list[int]] = {}
            for i, seg in enumerate(self._segments):
                tiers.setdefault(_tier(int(seg.alive.sum())), []).append(i)
            full = [members for _, members in sorted(tiers.items()) if len(members) >= MERGE_FACTOR]
            if not full:
                return
            self._merge(full[0])

    def _merge(self, positions: list[int]) -> None:
        """Replace the segments at `positions` by one unsaved segment of their live rows."""
        chosen = [self._segments[i] for i in positions]
        live = [np.flatnonzero(seg.alive) for seg in chosen]
        total = sum(len(rows) for rows in live)
        # Filled in place, block by block: a merge holds the merged rows once, not three times.
        vecs = np.empty((total, self.dim), dtype=np.float32)
        keys: list[str] = []
        docs: list[str] = []
        doc_ix: dict[str, int] = {}
        codes = np.empty(total, dtype=np.int32)
        at = 0
        for seg, rows in zip(chosen, live):
            for lo in range(0, len(rows), _BLOCK):
                part = rows[lo:lo + _BLOCK]
                vecs[at:at + len(part)] = seg.vecs[part]
                for j, r in enumerate(part):
                    keys.append(seg.keys[r])
                    d = seg.docs[int(seg.doc_of_row[r])]
                    if d not in doc_ix:
                        doc_ix[d] = len(docs)
                        docs.append(d)
                    codes[at + j] = doc_ix[d]
                at += len(part)
        drop = set(positions)
        self._segments = [s for i, s in enumerate(self._segments) if i not in drop]
        if total:
            self._segments.append(_Segment(None, vecs, keys, docs, codes, np.ones(total, bool), None))
        self._reindex()

    def _reindex(self) -> None:
        self._where = {}
        for pos, seg in enumerate(self._segments):
            for row in np.flatnonzero(seg.alive):
                self._where[seg.keys[row]] = (pos, int(row))

    def _cleanup(self) -> None:
        """Remove files the manifest no longer names (older generations, merged segments)."""
        named = {MANIFEST}
        for s in self._segments:
            named.update({f"{s.name}.npy", f"{s.name}.json", str(s.alive_file)})
        for f in self.path.iterdir():
            if f.name.startswith("seg-") and f.name not in named:
                f.unlink(missing_ok=True)
            elif f.name.startswith(".") and f.name.endswith(".tmp"):
                f.unlink(missing_ok=True)  # left by a crash mid-write
