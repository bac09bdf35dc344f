"""The claim-graph relation engine: related passages across articles and candidate relations.

Pure Python + numpy, no Django. Callers embed passages (annotations.suggest.embeddings) and hand
the unit vectors in; the engine never loads a model.

Why not cosine alone: two claims that contradict each other share a *question*, not their words
(Vance's "importantes concessions" and Lavrov's "position … inchangée"), and a sentence
embedding ranks such a partner in the dozens to hundreds (issue 15). The score is a logistic
model over a few general pair features (`pair_features`):

- cosine of the sentence embeddings, and the same corrected for *hubness* (CSLS: minus each
  side's mean similarity to its nearest passages of other articles), so generic sentences that
  resemble everything ("le sommet a eu lieu…") stop crowding out specific ones; the same CSLS in
  a second embedder's space (`csls2`, multilingual-e5-small) when the caller hands its vectors in:
  two differently trained models miss different topical pairs, so their sum ranks better. Both
  weigh the same per standard deviation (SECOND_SCALE): e5's similarities spread four times less
  than USE's, and raw weights would let USE decide alone;
- IDF-weighted overlap of lightly stemmed content words, IDF over the pool, so a rare shared word
  ("concessions", "Donbass") weighs a lot and the names every article shares (Trump, Poutine)
  little; the same for capitalised names alone;
- claimness: the suggestion engine's rule score of both passages (a related *claim* must be a
  claim; page furniture and opinion rank lower), and whether both report someone's statement;
- dates and numbers shared or in conflict (same month and another day; a vague "début août"
  against a day outside it; numbers of one passage absent from the other);
- polarity: a content word asserted on one side and negated or refused on the other
  ("concessions" / "refusant de faire des concessions"), and "no change" against "change" words
  (inchangée/unchanged vs concessions/shifted), each weighted by topical similarity.

Two heads share these features: P(related) ranks related passages, and a contradiction head
ranks the pairs that carry a contradiction cue. The default weights (data/pair-weights-v3.json)
were chosen on the 14 dev pairs of shared/eval/seeds_relations_dev.jsonl, how and with what
honest estimate is in data/PAIR_WEIGHTS.md; the word lists are kinds of words in fr/en/es
(text.py), never seed phrases. Reviewer decisions refit both heads per project
(`fit_pair_weights`), anchored on the defaults.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import text as _text

RELATIONS = ("same", "contradicts", "supports", "related")
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_WEIGHTS_FILE = DATA / "pair-weights-v3.json"
# Passages the rules score below this are furniture (bylines, captions, "Image 1"); the gold
# claims of the dev file score 0.29 and up, so 0.15 keeps recall high.
PASSAGE_FLOOR = 0.15
SHORTLIST = 50  # candidates per passage scored with the full model (see candidate_pairs)
# Relatedness (Related.score) from which a related passage labelled "same" or "supports" is
# worth proposing to reviewers: on the dev pairs about 1 cross-article pair in 25 reaches it.
# Items labelled "contradicts" have already passed the contradiction head's own floor.
PROPOSE_THRESHOLD = 0.3
HUB_K = 10  # neighbours over which a passage's hubness (mean similarity) is taken
# How far the second embedder's hubness-corrected similarity (csls2) spreads against the first's
# (csls): their standard deviations over the 25,279 cross-article pairs of the seed passages,
# 0.0421 (multilingual-e5-small's cosines sit in a narrow band) against 0.1850 (USE v3). The
# default weights give both the same weight per standard deviation; without second vectors the
# first embedder's similarity, in these units, stands in for csls2 (data/PAIR_WEIGHTS.md).
SECOND_SCALE = 0.0421 / 0.1850
FEATURES: tuple[str, ...] = (
    "cosine", "csls", "words", "names", "claimness", "same_date", "date_conflict",
    "vague_date_conflict", "same_number", "number_conflict", "polarity_contrast", "stasis_change",
    "attributed", "csls2",
)


@dataclass(frozen=True)
class Passage:
    """A claim or sentence span; `key` is the caller's id, offsets are code points into `doc`."""

    key: str
    doc: str
    start: int
    end: int
    text: str
    lang: str


@dataclass(frozen=True)
class Related:
    """A passage of another article related to an anchor, with its score and why.

    `score` is P(related), what the list is ranked by; `contradiction` the contradiction head's
    probability (0 without a contradiction cue; the relation is "contradicts" from
    weights.contradiction_floor on); `features` the pair features both were computed from, to
    store with a reviewer's decision so that fit_pair_weights learns from exactly these values.
    """

    passage: Passage
    score: float
    relation: str
    reasons: tuple[str, ...]
    contradiction: float = 0.0
    features: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Candidate:
    """A proposed cross-article relation between two passages; `score` is the contradiction
    head's probability for "contradicts", P(related) otherwise."""

    a: Passage
    b: Passage
    relation: str
    score: float
    reasons: tuple[str, ...]
    features: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class PairWeights:
    """Two logistic models over pair_features: P(related) = sigmoid(bias + Σ weights[f]·f),
    and P(contradiction | a contradiction cue) = sigmoid(contradiction_bias + Σ contradiction[f]·f)."""

    bias: float
    weights: Mapping[str, float]
    contradiction_bias: float = 0.0
    contradiction: Mapping[str, float] = field(default_factory=dict)
    # A pair with a contradiction cue is proposed as "contradicts" from this probability on.
    contradiction_floor: float = 0.5
    version: str = "pair-weights-v3"

    def logit(self, features: Mapping[str, float]) -> float:
        """The relatedness log-odds for one pair's features (a missing feature counts 0)."""
        return self.bias + sum(w * float(features.get(k, 0.0)) for k, w in self.weights.items())

    def score(self, features: Mapping[str, float]) -> float:
        """P(related) in (0, 1)."""
        return _sigmoid(self.logit(features))

    def contradiction_logit(self, features: Mapping[str, float]) -> float:
        """The contradiction head's log-odds."""
        return self.contradiction_bias + sum(
            w * float(features.get(k, 0.0)) for k, w in self.contradiction.items()
        )

    def contradiction_score(self, features: Mapping[str, float]) -> float:
        """P(the pair contradicts), meaningful for pairs with a contradiction cue."""
        return _sigmoid(self.contradiction_logit(features))

    def to_json(self) -> dict:
        """A plain JSON object (stored per project; loaded with from_json, never unpickled)."""
        return {
            "version": self.version, "bias": self.bias, "weights": dict(self.weights),
            "contradiction_bias": self.contradiction_bias, "contradiction": dict(self.contradiction),
            "contradiction_floor": self.contradiction_floor,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> PairWeights:
        """Rebuild from to_json(); ValueError names what is wrong."""
        try:
            return cls(
                bias=float(data["bias"]),
                weights={str(k): float(v) for k, v in dict(data["weights"]).items()},
                contradiction_bias=float(data.get("contradiction_bias", 0.0)),
                contradiction={str(k): float(v) for k, v in dict(data.get("contradiction", {})).items()},
                contradiction_floor=float(data.get("contradiction_floor", 0.5)),
                version=str(data.get("version", "pair-weights")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a pair-weights object: {exc!r}") from None


@lru_cache(maxsize=1)
def default_weights() -> PairWeights:
    """The shipped weights (fitted on the dev pairs, see the module docstring)."""
    return PairWeights.from_json(json.loads(DEFAULT_WEIGHTS_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class PoolStats:
    """What pair features need from the whole pool: word IDF and each passage's hubness."""

    idf: Mapping[str, float]
    default_idf: float  # for a word the pool never saw: as rare as can be
    hub: Mapping[str, float] = field(default_factory=dict)  # passage key → mean top-k cosine
    # The same in the second embedder's space (embeddings_e5), when the caller has those vectors.
    hub2: Mapping[str, float] = field(default_factory=dict)
    # IDF sums of word sets already seen: every passage's set is summed once, not once per pair.
    _sums: dict[frozenset[str], float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, passages: Sequence[Passage], vecs: np.ndarray | None = None, k: int = HUB_K,
              vecs2: np.ndarray | None = None) -> PoolStats:
        """IDF over the passages (one passage = one document) and, given vectors, hubness (in
        the second embedder's space too, given `vecs2`)."""
        df: Counter[str] = Counter()
        for p in passages:
            df.update(_text.read(p.text, p.lang).stems)
        n = len(passages)
        idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}
        hub = _hubness(passages, vecs, k) if vecs is not None and n else {}
        hub2 = _hubness(passages, vecs2, k) if vecs2 is not None and n else {}
        return cls(idf=idf, default_idf=math.log((n + 1) / 0.5), hub=hub, hub2=hub2)

    def to_json(self) -> dict:
        """Plain JSON (a job may cache the project's IDF beside its index)."""
        return {"idf": dict(self.idf), "default_idf": self.default_idf, "hub": dict(self.hub),
                "hub2": dict(self.hub2)}

    @classmethod
    def from_json(cls, data: Mapping) -> PoolStats:
        """Rebuild from to_json()."""
        return cls(idf={str(k): float(v) for k, v in data["idf"].items()},
                   default_idf=float(data["default_idf"]),
                   hub={str(k): float(v) for k, v in data.get("hub", {}).items()},
                   hub2={str(k): float(v) for k, v in data.get("hub2", {}).items()})


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _unit(vecs: np.ndarray) -> np.ndarray:
    """Rows as float32 unit vectors (zero rows stay zero)."""
    v = np.asarray(vecs, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return v / norms


def _rows_per_block(n: int) -> int:
    """Rows of an (rows × n) similarity block that keep it near 64 MB of float32."""
    return max(1, min(4096, 16_000_000 // max(1, n)))


def _hubness(passages: Sequence[Passage], vecs: np.ndarray, k: int) -> dict[str, float]:
    """Each passage's mean cosine to its k most similar passages of other articles."""
    v = _unit(vecs)
    docs = np.array([p.doc for p in passages], dtype=object)
    out: dict[str, float] = {}
    kk = max(1, min(k, len(passages) - 1))
    block = _rows_per_block(len(passages))
    for i in range(0, len(passages), block):
        sims = v[i:i + block] @ v.T
        same = docs[i:i + block, None] == docs[None, :]
        sims[same] = -np.inf
        top = -np.partition(-sims, kk - 1, axis=1)[:, :kk]
        top[~np.isfinite(top)] = 0.0
        for j, row in enumerate(top):
            out[passages[i + j].key] = float(row.mean())
    return out


# ---------------------------------------------------------------------------------- passages


def passages_of(doc: str, text: str, lang: str, floor: float = PASSAGE_FLOOR) -> list[Passage]:
    """The candidate claim spans of one article: the suggestion engine's sentences and clauses
    scored at or above `floor` (low, so that recall is high)."""
    from annotations.suggest import suggest  # the rule engine: stdlib only

    out = []
    for s in suggest(text, lang, threshold=floor).suggestions:
        out.append(Passage(key=f"{doc}:{s.start}-{s.end}", doc=doc, start=s.start, end=s.end,
                           text=s.quote, lang=lang))
    return out


@lru_cache(maxsize=65536)
def _cues(text: str, lang: str) -> tuple[float, bool]:
    """The suggestion engine's rule score of a bare sentence (layout cues unknown), and whether
    it reports someone's statement."""
    from annotations.suggest.engine import features, language_support, score

    cues = features(text, lang)
    generic = language_support(lang) == "generic"
    return float(score(cues, generic=generic)), bool(cues.get("speech") or cues.get("according"))


def claimness(text: str, lang: str) -> float:
    """The suggestion engine's rule score of a bare sentence (layout cues unknown)."""
    return _cues(text, lang)[0]


# ------------------------------------------------------------------------------------ features


def _idf_sum(words: frozenset[str], stats: PoolStats | None) -> float:
    if stats is None:
        return float(len(words))
    total = stats._sums.get(words)
    if total is None:
        total = sum(stats.idf.get(w, stats.default_idf) for w in words)
        if len(stats._sums) < 1_000_000:
            stats._sums[words] = total
    return total


def _overlap(a: frozenset[str], b: frozenset[str], stats: PoolStats | None) -> float:
    """IDF-weighted overlap: the shared words' weight over the geometric mean of both sides'."""
    if not a or not b:
        return 0.0
    shared = _idf_sum(a & b, stats)
    return shared / math.sqrt(_idf_sum(a, stats) * _idf_sum(b, stats))


def _rarity(word: str, stats: PoolStats | None) -> float:
    """A word's IDF over the largest possible one, in [0, 1] (1 without pool statistics)."""
    if stats is None:
        return 1.0
    return min(1.0, stats.idf.get(word, stats.default_idf) / stats.default_idf)


def _day_part(day: int) -> str:
    return "early" if day <= 10 else "mid" if day <= 20 else "late"


def _dates(ra: _text.Reading, rb: _text.Reading) -> tuple[float, float, float, str | None]:
    """(same date, conflicting days, vague date against a day outside it, reason)."""
    same = conflict = vague = 0.0
    reason = None
    for da in ra.dates:
        for db in rb.dates:
            if da.month != db.month or (da.year and db.year and da.year != db.year):
                continue
            if da.day and db.day:
                if da.day == db.day:
                    same = 1.0
                else:
                    conflict, reason = 1.0, f"conflicting dates: {da.label()} vs {db.label()}"
            elif da.part or db.part:
                # "début août" against "15 août": a conflict when the day falls outside that part.
                part = da.part or db.part
                day = db.day if da.part else da.day
                if day and _day_part(day) != part:
                    vague, reason = 1.0, f"conflicting dates: {da.label()} vs {db.label()}"
                elif day:
                    same = max(same, 0.5)
            else:
                same = max(same, 0.5)  # same month, no day on either side
    if same and not (conflict or vague):
        reason = "same date: " + next(
            d.label() for d in ra.dates if any(d.month == e.month for e in rb.dates)
        )
    return same, conflict, vague, reason


def pair_features(
    a: Passage, b: Passage, va: np.ndarray, vb: np.ndarray, stats: PoolStats | None = None,
    va2: np.ndarray | None = None, vb2: np.ndarray | None = None,
) -> dict[str, float]:
    """The features the pair score is a function of (keys: FEATURES); `stats` gives IDF and
    hubness over the pool, without it words weigh alike and hubness is 0; `va2`/`vb2` are the
    second embedder's vectors (without them csls2 is csls in the second's units, SECOND_SCALE)."""
    cos2 = float(np.dot(_unit(va2)[0], _unit(vb2)[0])) if va2 is not None and vb2 is not None else None
    return _features_and_reasons(a, b, float(np.dot(_unit(va)[0], _unit(vb)[0])), stats, cos2)[0]


def _features_and_reasons(
    a: Passage, b: Passage, cos: float, stats: PoolStats | None, cos2: float | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """pair_features, plus a human-readable reason for each feature that fired."""
    ra, rb = _text.read(a.text, a.lang), _text.read(b.text, b.lang)
    why: dict[str, str] = {}
    hub = (stats.hub.get(a.key, 0.0) + stats.hub.get(b.key, 0.0)) if stats else 0.0
    f = {name: 0.0 for name in FEATURES}
    f["cosine"] = cos
    f["csls"] = 2.0 * cos - hub
    if cos2 is not None:
        # The second embedder's view, hubness-corrected the same way.
        hub2 = (stats.hub2.get(a.key, 0.0) + stats.hub2.get(b.key, 0.0)) if stats else 0.0
        f["csls2"] = 2.0 * cos2 - hub2
    else:
        # Without second vectors the first embedder's similarity stands in, in the second's
        # units, so that the similarity keeps its whole weight (SECOND_SCALE).
        f["csls2"] = SECOND_SCALE * f["csls"]
    f["words"] = _overlap(ra.stems - ra.names, rb.stems - rb.names, stats)
    f["names"] = _overlap(ra.names, rb.names, stats)
    (claim_a, said_a), (claim_b, said_b) = _cues(a.text, a.lang), _cues(b.text, b.lang)
    f["claimness"] = min(claim_a, claim_b)
    # Two reported statements: the shape of "X says yes, Y says no".
    f["attributed"] = float(said_a and said_b)
    shared = ra.stems & rb.stems
    if shared:
        idf = (lambda w: stats.idf.get(w, stats.default_idf)) if stats else (lambda w: 1.0)
        top = sorted(shared, key=lambda w: (-idf(w), w))[:3]
        words = [_surface(a.text, w) for w in top]
        names = [w for w, s in zip(words, top) if s in ra.names and s in rb.names]
        plain = [w for w, s in zip(words, top) if not (s in ra.names and s in rb.names)]
        if plain:
            why["words"] = "shared words: " + ", ".join(plain)
        if names:
            why["names"] = "same entities: " + ", ".join(names)
    same_date, conflict, vague, reason = _dates(ra, rb)
    f["same_date"], f["date_conflict"], f["vague_date_conflict"] = same_date, conflict, vague
    if reason:
        why["vague_date_conflict" if vague else "date_conflict" if conflict else "same_date"] = reason
    if ra.numbers and rb.numbers:
        common = ra.numbers & rb.numbers
        if common:
            f["same_number"] = 1.0
            why["same_number"] = "same numbers: " + ", ".join(sorted(common)[:3])
        else:
            f["number_conflict"] = 1.0
            why["number_conflict"] = (
                f"different numbers: {', '.join(sorted(ra.numbers)[:2])} vs "
                f"{', '.join(sorted(rb.numbers)[:2])}"
            )
    topical = max(0.0, cos)
    # The same word asserted on one side and negated or refused on the other.
    # Weighted by how rare the word is in the pool: "pas de concessions" against "concessions"
    # says more than "pas de rencontre" against a passage that mentions a meeting.
    flipped = sorted((ra.negated ^ rb.negated) & shared, key=lambda w: (-_rarity(w, stats), w))
    if flipped:
        f["polarity_contrast"] = topical * _rarity(flipped[0], stats)
        word = _surface(a.text, flipped[0])
        neg = (ra.negations if flipped[0] in ra.negated else rb.negations)[0]
        why["polarity_contrast"] = f"opposite polarity: '{word}' vs '{neg} … {word}'"
    # A passage with both kinds of word ("position ferme … refusant des concessions") says
    # nothing about which side it is on.
    st = (ra.stasis and rb.change and not ra.change and not rb.stasis) or (
        ra.change and rb.stasis and not ra.stasis and not rb.change)
    if st:
        f["stasis_change"] = topical
        moved = (ra.change or rb.change)[0]
        still = (ra.stasis or rb.stasis)[0]
        why["stasis_change"] = f"opposite polarity: '{moved}' vs '{still}'"
    why["cosine"] = f"similar meaning ({cos:.2f})"
    return f, why


def _surface(text: str, stem: str) -> str:
    """The first word of `text` whose stem is `stem` (for reasons), else the stem."""
    return _text.surface_forms(text).get(stem, stem)


CONTRADICTION_CUES = ("vague_date_conflict", "stasis_change", "polarity_contrast", "date_conflict")


def _classify(f: Mapping[str, float], why: Mapping[str, str], w: PairWeights) -> tuple[str, float, tuple[str, ...]]:
    """The relation label, its score (the contradiction head's for "contradicts", else the
    relatedness) and the reasons to show, strongest first."""
    cues = [c for c in CONTRADICTION_CUES if f.get(c, 0.0) > 0]
    # A contradiction needs a cue that the two passages differ (a number "conflict" alone is too
    # common: different facts, not different answers) and the contradiction head's confidence.
    contra = w.contradiction_score(f) if cues else 0.0
    if cues and contra >= w.contradiction_floor:
        relation = "contradicts"
    elif not cues and (f["cosine"] >= 0.75 or (f["words"] >= 0.5 and f["cosine"] >= 0.5)):
        relation = "same"
    else:
        relation = "related"
    order = (
        (*cues, "number_conflict", "words", "names", "same_date", "same_number", "cosine")
        if relation == "contradicts"
        else ("words", "names", *cues, "same_date", "same_number", "cosine")
    )
    reasons = tuple(dict.fromkeys(why[k] for k in order if k in why))
    return relation, (contra if relation == "contradicts" else w.score(f)), reasons[:4]


# ------------------------------------------------------------------------------------ ranking


def related(
    anchor: Passage,
    anchor_vec: np.ndarray,
    pool: Sequence[Passage],
    pool_vecs: np.ndarray,
    k: int = 10,
    weights: PairWeights | None = None,
    *,
    stats: PoolStats | None = None,
    anchor_vec2: np.ndarray | None = None,
    pool_vecs2: np.ndarray | None = None,
) -> list[Related]:
    """The k passages of `pool` from other articles most related to `anchor`, best first.

    `stats` (IDF, hubness) default to the pool's own; a caller ranking an index shortlist passes
    project-wide ones. `anchor_vec2`/`pool_vecs2` are the second embedder's vectors (feature
    csls2), both or neither. Ties break on the passage key, so the order is deterministic.
    """
    w = weights or default_weights()
    if not len(pool):
        return []
    vecs = _unit(pool_vecs)
    cos = vecs @ _unit(anchor_vec)[0]
    all2 = cos2 = None
    if anchor_vec2 is not None and pool_vecs2 is not None:
        all2 = np.vstack([_unit(pool_vecs2), _unit(anchor_vec2)])
        cos2 = all2[:-1] @ all2[-1]
    everyone = [*pool, anchor]
    if stats is None:
        stats = PoolStats.build(everyone, np.vstack([vecs, _unit(anchor_vec)]), vecs2=all2)
    else:
        if any(p.key not in stats.hub for p in everyone):
            # Project-wide IDF from the caller, hubness measured within this shortlist.
            local = _hubness(everyone, np.vstack([vecs, _unit(anchor_vec)]), HUB_K)
            stats = replace(stats, hub={**local, **stats.hub})
        if all2 is not None and any(p.key not in stats.hub2 for p in everyone):
            stats = replace(stats, hub2={**_hubness(everyone, all2, HUB_K), **stats.hub2})
    scored: list[tuple[float, str, Related]] = []
    for i, (p, c) in enumerate(zip(pool, cos)):
        if p.doc == anchor.doc or p.key == anchor.key:
            continue
        f, why = _features_and_reasons(anchor, p, float(c), stats,
                                       float(cos2[i]) if cos2 is not None else None)
        s = w.score(f)
        relation, _, reasons = _classify(f, why, w)
        cued = any(f[cue] > 0 for cue in CONTRADICTION_CUES)
        scored.append((-s, p.key, Related(
            passage=p, score=round(s, 6), relation=relation, reasons=reasons,
            contradiction=round(w.contradiction_score(f), 6) if cued else 0.0, features=f,
        )))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in scored[:k]]


def propose(
    passages: Sequence[Passage],
    vecs: np.ndarray,
    limit: int = 50,
    weights: PairWeights | None = None,
    *,
    shortlist: int = SHORTLIST,
    stats: PoolStats | None = None,
    relations: Sequence[str] = ("contradicts", "same"),
    per_article: int | None = 1,
    vecs2: np.ndarray | None = None,
) -> list[Candidate]:
    """Cross-article candidate relations among `passages` (contradicts and same by default),
    best first, at most `limit`, each passage in at most `per_article` of them per other article
    and kind (the relation, or for contradictions the cue: a date, a polarity…; None: no limit).

    Only the pairs of `candidate_pairs` are scored with the full model, so the cost is O(n²) dot
    products in blocks plus O(n·shortlist) pair features: a job on a large project hands in one
    article's passages plus their index shortlists rather than the whole project.
    """
    w = weights or default_weights()
    if len(passages) < 2:
        return []
    v = _unit(vecs)
    v2 = _unit(vecs2) if vecs2 is not None else None
    if stats is None:
        stats = PoolStats.build(passages, v, vecs2=v2)
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for a, others in enumerate(candidate_pairs(passages, v, stats, shortlist, vecs2=v2)):
        for b in others:
            pair = (min(a, b), max(a, b))
            if pair in seen:
                continue
            seen.add(pair)
            pa, pb = passages[pair[0]], passages[pair[1]]
            f, why = _features_and_reasons(pa, pb, float(v[pair[0]] @ v[pair[1]]), stats,
                                           float(v2[pair[0]] @ v2[pair[1]]) if v2 is not None else None)
            relation, s, reasons = _classify(f, why, w)
            if relation not in relations:
                continue
            if (pb.doc, pb.start) < (pa.doc, pa.start):
                pa, pb = pb, pa
            out.append(Candidate(a=pa, b=pb, relation=relation, score=round(s, 6), reasons=reasons, features=f))
    out.sort(key=lambda c: (-c.score, c.a.key, c.b.key))
    if per_article is None:
        return out[:limit]
    # A passage that conflicts in one way with several passages of one article ("début août"
    # against every "15 août" of it) is one finding for a reviewer: keep its best pair per other
    # article and kind of conflict.
    kept: list[Candidate] = []
    taken: Counter[tuple[str, str, str]] = Counter()
    for c in out:
        kind = _main_cue(c.features, w) if c.relation == "contradicts" else c.relation
        ends = ((kind, c.a.key, c.b.doc), (kind, c.b.key, c.a.doc))
        if any(taken[e] >= per_article for e in ends):
            continue
        taken.update(ends)
        kept.append(c)
        if len(kept) == limit:
            break
    return kept


def _main_cue(features: Mapping[str, float], w: PairWeights) -> str:
    """The contradiction cue that adds most to the contradiction head's score."""
    return max(CONTRADICTION_CUES, key=lambda c: (w.contradiction.get(c, 0.0) * features.get(c, 0.0), c))


def candidate_pairs(
    passages: Sequence[Passage], vecs: np.ndarray, stats: PoolStats, m: int = SHORTLIST,
    *, vecs2: np.ndarray | None = None,
) -> list[list[int]]:
    """For each passage, the indexes of passages of other articles worth scoring: its m nearest
    by embedding (by each embedder's, given `vecs2`), its m best by shared rare words, and its m
    nearest among those naming the same month (a date conflict shares no word: "début août" /
    "15 août")."""
    n = len(passages)
    v = _unit(vecs)
    docs = np.array([p.doc for p in passages], dtype=object)
    readings = [_text.read(p.text, p.lang) for p in passages]
    months = np.array([[any(d.month == mo for d in r.dates) for mo in range(1, 13)] for r in readings])
    out: list[set[int]] = [set() for _ in range(n)]
    mm = max(1, min(m, n - 1))
    block = _rows_per_block(n)
    for i in range(0, n, block):
        sims = v[i:i + block] @ v.T
        sims[docs[i:i + block, None] == docs[None, :]] = -np.inf
        top = np.argpartition(-sims, mm - 1, axis=1)[:, :mm]
        for r, row in enumerate(top):
            out[i + r].update(int(b) for b in row if np.isfinite(sims[r, b]))
            mine = months[i + r]
            if mine.any():
                dated = np.flatnonzero((months[:, mine].any(axis=1)) & np.isfinite(sims[r]))
                if len(dated):
                    best = dated[np.argsort(-sims[r, dated], kind="stable")[:m]]
                    out[i + r].update(int(b) for b in best)
    if vecs2 is not None:
        v2 = _unit(vecs2)
        for i in range(0, n, block):
            sims = v2[i:i + block] @ v2.T
            sims[docs[i:i + block, None] == docs[None, :]] = -np.inf
            top = np.argpartition(-sims, mm - 1, axis=1)[:, :mm]
            for r, row in enumerate(top):
                out[i + r].update(int(b) for b in row if np.isfinite(sims[r, b]))
    for a, b in _word_pairs(passages, readings, stats, m):
        out[a].add(b)
        out[b].add(a)
    return [sorted(s) for s in out]


def _word_pairs(
    passages: Sequence[Passage], readings: Sequence[_text.Reading], stats: PoolStats, m: int
) -> set[tuple[int, int]]:
    """Cross-article pairs sharing rare words: each passage's m best by summed IDF of shared stems."""
    postings: dict[str, list[int]] = {}
    for i, r in enumerate(readings):
        for s in r.stems:
            postings.setdefault(s, []).append(i)
    n = len(passages)
    # Words in more than a tenth of the passages are not what makes two claims alike.
    cap = max(2, n // 10)
    out: set[tuple[int, int]] = set()
    for i, r in enumerate(readings):
        acc: dict[int, float] = {}
        for s in r.stems:
            hits = postings[s]
            if len(hits) > cap:
                continue
            weight = stats.idf.get(s, stats.default_idf)
            for j in hits:
                if passages[j].doc != passages[i].doc:
                    acc[j] = acc.get(j, 0.0) + weight
        for j, _ in sorted(acc.items(), key=lambda t: (-t[1], t[0]))[:m]:
            out.add((min(i, j), max(i, j)))
    return out


# ------------------------------------------------------------------------------------ learning

# Pull of the per-project corrections towards the default weights (as learner.PENALTY does for
# claim suggestions): with a handful of decisions the model stays the default.
FIT_PENALTY = 5.0


def fit_pair_weights(
    features: list[dict],
    labels: list[int],
    base: PairWeights,
    *,
    head: str = "related",
    relations: Sequence[str] | None = None,
    penalty: float = FIT_PENALTY,
) -> PairWeights:
    """Reviewer decisions (pair features, 1 accepted / 0 rejected) → weights anchored on `base`.

    `head` is "related" (decisions on same/supports/related links) or "contradiction"
    (decisions on proposed contradictions); given `relations` (the proposed relation of each
    decision), the "contradicts" decisions train the contradiction head and the others the
    relatedness head, in one call. A logistic regression of the corrections Δw, Δb with base's
    log-odds as a fixed offset and an L2 penalty on Δw: few decisions leave `base` almost
    unchanged, many consistent ones move it.
    """
    if relations is not None:
        if len(relations) != len(labels):
            raise ValueError("relations and labels differ in length")
        split = {
            name: [(f, y) for f, y, r in zip(features, labels, relations) if (r == "contradicts") == contra]
            for name, contra in (("related", False), ("contradiction", True))
        }
        out = base
        for name, rows in split.items():
            if rows:
                out = fit_pair_weights([f for f, _ in rows], [y for _, y in rows], out, head=name, penalty=penalty)
        return out
    if head not in ("related", "contradiction"):
        raise ValueError(f"head must be 'related' or 'contradiction', not {head!r}")
    if len(features) != len(labels):
        raise ValueError("features and labels differ in length")
    if not features or any(y not in (0, 1) for y in labels):
        if not features:
            return base
        raise ValueError("labels must be 0 (rejected) or 1 (accepted)")
    old = base.weights if head == "related" else base.contradiction
    logit = base.logit if head == "related" else base.contradiction_logit
    names = sorted(set(old) | {k for f in features for k in f})
    x = np.array([[float(f.get(k, 0.0)) for k in names] for f in features], dtype=float)
    y = np.array(labels, dtype=float)
    offset = np.array([logit(f) for f in features], dtype=float)
    delta = np.zeros(len(names) + 1)  # Δw…, Δb
    reg = np.full(len(names) + 1, penalty)
    reg[-1] = 1e-3  # the intercept moves freely: a project may accept more or less than the default
    xb = np.hstack([x, np.ones((len(x), 1))])
    def loss(d: np.ndarray) -> float:
        z = offset + xb @ d
        return float(np.logaddexp(0.0, -(2 * y - 1) * z).sum() + 0.5 * (reg * d) @ d)

    # Damped Newton on a tiny, smooth, strictly convex problem: no scipy needed.
    current = loss(delta)
    for _ in range(100):
        z = offset + xb @ delta
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        grad = xb.T @ (p - y) + reg * delta
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6 and loss(delta - t * step) > current:
            t /= 2  # backtrack: a full step can overshoot where the data are separable
        delta = delta - t * step
        previous, current = current, loss(delta)
        if previous - current < 1e-10:
            break
    new = {k: round(float(old.get(k, 0.0) + d), 6) for k, d in zip(names, delta[:-1])}
    version = f"{base.version.split('+fit')[0]}+fit{len(labels)}"
    if head == "related":
        return replace(base, bias=round(base.bias + float(delta[-1]), 6), weights=new, version=version)
    return replace(
        base, contradiction_bias=round(base.contradiction_bias + float(delta[-1]), 6),
        contradiction=new, version=version,
    )
