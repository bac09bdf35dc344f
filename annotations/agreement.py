"""Inter-annotator agreement: Krippendorff's alpha, Fleiss' and Cohen's kappa, span F1, bootstrap CIs.

Pure functions over plain data (no Django imports) so they can be unit-tested and run in workers.

Conventions shared by every function here:
- Input is an iterable of `Rating(item, rater, label)`; items may have any number of raters.
  A rater may rate an item at most once (a repeat raises ValueError: the caller decides which
  annotation counts, e.g. the latest one).
- Only items with at least two ratings carry agreement information ("pairable" items); the rest
  are ignored by every figure and by the bootstrap.
- Undefined figures (no pairable items, a single label used everywhere, zero expected
  disagreement) are None, never NaN.
- Confidence intervals are 95% percentile-bootstrap intervals from resampling items with
  replacement.  Every figure is a function of per-item sufficient statistics that are summed over
  items, so a bootstrap replicate is just a weighted sum: we draw a (replicates x items)
  multiplicity matrix and do one matrix product instead of re-running the statistic per replicate.
  Replicates where a figure is undefined are dropped (`Estimate.n_boot` counts the ones kept).
- Everything is deterministic: items, raters and labels are put in sorted order before any
  random draw, and the bootstrap uses `numpy.random.default_rng(seed)`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
CI_LEVEL = 0.95
DEFAULT_N_BOOT = 1000

# Cap on bootstrap weight-matrix cells held at once (~32 MB of float64); replicates are drawn in
# chunks of this size so memory stays flat however large the project is.
_MAX_WEIGHT_CELLS = 4_000_000


# ---------------------------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """One annotator's label for one item."""

    item: Hashable
    rater: Hashable
    label: Hashable


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap 95% CI and the data it rests on."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_items: int
    n_ratings: int
    n_boot: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n_items": self.n_items,
            "n_ratings": self.n_ratings,
            "n_boot": self.n_boot,
        }


@dataclass(frozen=True)
class ConfusionMatrix:
    """Label-by-label counts over items rated by both raters (rows: rater_a, columns: rater_b)."""

    rater_a: Hashable
    rater_b: Hashable
    labels: tuple[Hashable, ...]
    counts: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "rater_a": _jsonable(self.rater_a),
            "rater_b": _jsonable(self.rater_b),
            "labels": [_jsonable(label) for label in self.labels],
            "counts": [list(row) for row in self.counts],
        }


@dataclass(frozen=True)
class PairAgreement:
    """Agreement between two raters over the items both rated."""

    rater_a: Hashable
    rater_b: Hashable
    n_items: int
    cohen_kappa: Estimate
    percent_agreement: Estimate
    confusion: ConfusionMatrix

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "rater_a": _jsonable(self.rater_a),
            "rater_b": _jsonable(self.rater_b),
            "n_items": self.n_items,
            "cohen_kappa": self.cohen_kappa.to_dict(),
            "percent_agreement": self.percent_agreement.to_dict(),
            "confusion": self.confusion.to_dict(),
        }


@dataclass(frozen=True)
class VerdictAgreement:
    """One-against-the-rest agreement for one label (labels binarised as `label == verdict`)."""

    label: Hashable
    n_positive: int
    alpha: Estimate
    fleiss_kappa: Estimate
    percent_agreement: Estimate

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "label": _jsonable(self.label),
            "n_positive": self.n_positive,
            "alpha": self.alpha.to_dict(),
            "fleiss_kappa": self.fleiss_kappa.to_dict(),
            "percent_agreement": self.percent_agreement.to_dict(),
        }


@dataclass(frozen=True)
class AgreementReport:
    """Project-level agreement: overall, per verdict and per rater pair."""

    labels: tuple[Hashable, ...]
    n_items: int
    n_ratings: int
    n_raters: int
    n_pairable_items: int
    alpha: Estimate
    fleiss_kappa: Estimate
    percent_agreement: Estimate
    mean_pairwise_cohen: Estimate
    per_verdict: tuple[VerdictAgreement, ...]
    per_pair: tuple[PairAgreement, ...]
    n_boot: int
    seed: int
    ci_level: float = CI_LEVEL

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (non-JSON labels/raters are rendered with str())."""
        return {
            "labels": [_jsonable(label) for label in self.labels],
            "n_items": self.n_items,
            "n_ratings": self.n_ratings,
            "n_raters": self.n_raters,
            "n_pairable_items": self.n_pairable_items,
            "alpha": self.alpha.to_dict(),
            "fleiss_kappa": self.fleiss_kappa.to_dict(),
            "percent_agreement": self.percent_agreement.to_dict(),
            "mean_pairwise_cohen": self.mean_pairwise_cohen.to_dict(),
            "per_verdict": [v.to_dict() for v in self.per_verdict],
            "per_pair": [p.to_dict() for p in self.per_pair],
            "n_boot": self.n_boot,
            "seed": self.seed,
            "ci_level": self.ci_level,
        }


# ---------------------------------------------------------------------------------------------
# Encoding ratings into arrays
# ---------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Return value if JSON can carry it as is, else its str()."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _sorted_unique(values: Iterable[Hashable]) -> tuple[Hashable, ...]:
    """Return the distinct values in a deterministic order."""
    unique = set(values)
    try:
        return tuple(sorted(unique))  # type: ignore[type-var]  # unorderable mixes raise TypeError
    except TypeError:
        pass
    # Mixed types: group by type name, natural order inside a group (repr if even that fails), so
    # the order never depends on input order and adding other-typed values keeps the rest in place.
    groups: dict[str, list[Hashable]] = defaultdict(list)
    for value in unique:
        groups[type(value).__name__].append(value)
    ordered: list[Hashable] = []
    for name in sorted(groups):
        try:
            ordered.extend(sorted(groups[name]))  # type: ignore[type-var]  # as above
        except TypeError:
            ordered.extend(sorted(groups[name], key=repr))
    return tuple(ordered)


@dataclass(frozen=True)
class _PairData:
    """Co-rated items of one rater pair: positions among pairable items and label indices."""

    rater_a: Hashable
    rater_b: Hashable
    positions: np.ndarray  # index into the pairable-item axis, ascending
    label_a: np.ndarray
    label_b: np.ndarray


@dataclass(frozen=True)
class _Table:
    """Ratings encoded as integer arrays, restricted where noted to pairable items."""

    labels: tuple[Hashable, ...]
    n_items: int
    n_ratings: int
    n_raters: int
    counts: np.ndarray  # (pairable items, labels) rating counts
    pairs: tuple[_PairData, ...]  # rater pairs with at least one co-rated item, sorted


def _encode(ratings: Iterable[Rating], labels: Sequence[Hashable] | None) -> _Table:
    """Validate ratings and build the count matrix and rater-pair index."""
    rows = list(ratings)
    if labels is None:
        domain = _sorted_unique(r.label for r in rows)
    else:
        domain = tuple(labels)
        if len(set(domain)) != len(domain):
            raise ValueError("labels contains duplicates")
    label_index = {label: k for k, label in enumerate(domain)}

    by_item: dict[Hashable, dict[Hashable, int]] = defaultdict(dict)
    for r in rows:
        if r.label not in label_index:
            raise ValueError(f"label {r.label!r} is not among labels {domain!r}")
        raters = by_item[r.item]
        if r.rater in raters:
            raise ValueError(f"rater {r.rater!r} rated item {r.item!r} more than once")
        raters[r.rater] = label_index[r.label]

    items = _sorted_unique(by_item)
    all_raters = _sorted_unique(r.rater for r in rows)
    rater_rank = {rater: k for k, rater in enumerate(all_raters)}
    n_labels = len(domain)

    count_rows: list[np.ndarray] = []
    pair_lists: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for item in items:
        rated = by_item[item]
        if len(rated) < 2:
            continue
        pos = len(count_rows)
        count_rows.append(np.bincount(list(rated.values()), minlength=n_labels))
        ordered = sorted(rated.items(), key=lambda kv: rater_rank[kv[0]])
        for (ra, la), (rb, lb) in combinations(ordered, 2):
            pair_lists[(rater_rank[ra], rater_rank[rb])].append((pos, la, lb))

    counts = (
        np.vstack(count_rows).astype(np.int64)
        if count_rows
        else np.zeros((0, n_labels), dtype=np.int64)
    )
    pairs = []
    for (a, b) in sorted(pair_lists):
        arr = np.asarray(pair_lists[(a, b)], dtype=np.int64)
        pairs.append(_PairData(all_raters[a], all_raters[b], arr[:, 0], arr[:, 1], arr[:, 2]))
    return _Table(
        labels=domain,
        n_items=len(items),
        n_ratings=len(rows),
        n_raters=len(all_raters),
        counts=counts,
        pairs=tuple(pairs),
    )


# ---------------------------------------------------------------------------------------------
# Bootstrap machinery
# ---------------------------------------------------------------------------------------------


def _weight_chunks(n_units: int, n_boot: int, seed: int) -> Iterator[np.ndarray]:
    """Yield (replicates, n_units) multiplicity matrices of resamples with replacement."""
    if n_units == 0 or n_boot <= 0:
        return
    rng = np.random.default_rng(seed)
    per_chunk = max(1, min(n_boot, _MAX_WEIGHT_CELLS // n_units))
    done = 0
    while done < n_boot:
        b = min(per_chunk, n_boot - done)
        draws = rng.integers(0, n_units, size=(b, n_units))
        # Offset each replicate's draws into its own row so one bincount builds the whole chunk.
        draws += np.arange(b, dtype=draws.dtype)[:, None] * n_units
        counts = np.bincount(draws.ravel(), minlength=b * n_units)
        # float64 so the products below go through BLAS; integer counts stay exact.
        yield counts.reshape(b, n_units).astype(np.float64)
        done += b


def _bootstrap(
    stat: Callable[[np.ndarray], np.ndarray], n_units: int, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the point estimates (S,) and bootstrap replicates (n_boot, S) of a weighted statistic."""
    point = stat(np.ones((1, n_units)))[0]
    reps = [stat(w) for w in _weight_chunks(n_units, n_boot, seed)]
    replicates = np.vstack(reps) if reps else np.empty((0, point.shape[0]))
    return point, replicates


def _to_float(x: float) -> float | None:
    """Return x as a Python float, or None when it is not finite."""
    return float(x) if np.isfinite(x) else None


def _make_estimate(point: float, replicates: np.ndarray, n_items: int, n_ratings: int) -> Estimate:
    """Build an Estimate from a point value and its bootstrap replicates (NaN = undefined)."""
    value = _to_float(point)
    kept = replicates[np.isfinite(replicates)]
    if value is None or kept.size == 0:
        return Estimate(value, None, None, n_items, n_ratings, 0)
    tail = (1.0 - CI_LEVEL) / 2.0 * 100.0
    low, high = np.percentile(kept, [tail, 100.0 - tail])
    return Estimate(value, float(low), float(high), n_items, n_ratings, int(kept.size))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Return num/den, NaN where den is not positive (the figure is undefined there)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# ---------------------------------------------------------------------------------------------
# Count-based figures: nominal alpha, Fleiss' kappa, percent agreement, one-vs-rest versions
# ---------------------------------------------------------------------------------------------


class _CountStat:
    """Overall and per-label figures as functions of item weights over pairable items."""

    def __init__(self, counts: np.ndarray) -> None:
        """Precompute per-item sufficient statistics whose weighted sums give every figure."""
        n = counts.astype(np.float64)
        self.n_labels = n.shape[1]
        m = n.sum(axis=1)
        mc = m[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            agree = (n * (n - 1.0)).sum(axis=1)  # ordered agreeing rater pairs in the item
            p_item = agree / (m * (m - 1.0))  # Fleiss' P_i
            # Nominal alpha: the item's off-diagonal coincidences, sum_{c!=k} n_c n_k / (m - 1).
            d_item = (m * (m - 1.0) - agree) / (m - 1.0)
            # Binarised (label == v versus the rest) versions of the two statistics above.
            d_bin = 2.0 * n * (mc - n) / (mc - 1.0)
            p_bin = (n * (n - 1.0) + (mc - n) * (mc - n - 1.0)) / (mc * (mc - 1.0))
        ones = np.ones_like(m)
        self.features = np.column_stack([n, m, ones, p_item, d_item, d_bin, p_bin])

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        """Return (replicates, 3 + 3K) columns: alpha, fleiss, percent, then alpha_v, fleiss_v, percent_v."""
        k = self.n_labels
        s = weights @ self.features
        nc, total, items = s[:, :k], s[:, k], s[:, k + 1]
        p_sum, d_sum = s[:, k + 2], s[:, k + 3]
        d_bin, p_bin = s[:, k + 4 : 2 * k + 4], s[:, 2 * k + 4 : 3 * k + 4]

        # Exact: every term below is an integer combination of integer counts.
        tot2 = total**2
        sq = (nc**2).sum(axis=1)
        p_bar = _ratio(p_sum, items)
        alpha = 1.0 - _ratio((total - 1.0) * d_sum, tot2 - sq)
        fleiss = _ratio(p_bar * tot2 - sq, tot2 - sq)

        t = total[:, None]
        rest = t - nc
        pe_bin = nc**2 + rest**2
        alpha_v = 1.0 - _ratio((t - 1.0) * d_bin, 2.0 * nc * rest)
        p_bar_v = _ratio(p_bin, items[:, None])
        fleiss_v = _ratio(p_bar_v * t**2 - pe_bin, t**2 - pe_bin)
        return np.column_stack([alpha, fleiss, p_bar, alpha_v, fleiss_v, p_bar_v])


def _cohen_from_confusion(conf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (kappa, observed agreement) for stacked (replicates, K, K) confusion matrices."""
    n = conf.sum(axis=(1, 2))
    trace = np.trace(conf, axis1=1, axis2=2)
    chance = (conf.sum(axis=2) * conf.sum(axis=1)).sum(axis=1)  # sum_k row_k * col_k
    # kappa = (p_o - p_e) / (1 - p_e) multiplied through by n^2 to stay in exact integers.
    kappa = _ratio(n * trace - chance, n**2 - chance)
    return kappa, _ratio(trace, n)


class _MeanCohenStat:
    """Unweighted mean of pairwise Cohen's kappas as a function of pairable-item weights."""

    def __init__(self, pairs: Sequence[_PairData], n_labels: int) -> None:
        """Group each pair's co-rated items by confusion cell so a replicate is a grouped sum."""
        self.n_labels = n_labels
        self.groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for pair in pairs:
            cells = pair.label_a * n_labels + pair.label_b
            order = np.argsort(cells, kind="stable")
            sorted_cells = cells[order]
            starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
            self.groups.append((pair.positions[order], starts, sorted_cells[starts]))

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        """Return (replicates, 1): mean kappa over the pairs where it is defined."""
        k = self.n_labels
        b = weights.shape[0]
        if not self.groups:
            return np.full((b, 1), np.nan)
        kappas = np.empty((b, len(self.groups)))
        for j, (cols, starts, cells) in enumerate(self.groups):
            conf = np.zeros((b, k * k))
            conf[:, cells] = np.add.reduceat(weights[:, cols], starts, axis=1)
            kappas[:, j] = _cohen_from_confusion(conf.reshape(b, k, k))[0]
        defined = np.isfinite(kappas)
        n_defined = defined.sum(axis=1)
        total = np.where(defined, kappas, 0.0).sum(axis=1)
        return _ratio(total, n_defined.astype(np.float64))[:, None]


def _count_figures(
    table: _Table, n_boot: int, seed: int, *, with_mean_cohen: bool
) -> dict[str, Any]:
    """Compute overall, per-verdict and (optionally) mean-pairwise-Cohen estimates in one pass."""
    counts = table.counts
    n_units, k = counts.shape
    count_stat = _CountStat(counts)
    mean_cohen = _MeanCohenStat(table.pairs, k) if with_mean_cohen else None

    def stat(weights: np.ndarray) -> np.ndarray:
        cols = count_stat(weights)
        return np.column_stack([cols, mean_cohen(weights)]) if mean_cohen else cols

    point, reps = _bootstrap(stat, n_units, n_boot, seed)
    n_ratings = int(counts.sum())

    def est(col: int) -> Estimate:
        return _make_estimate(point[col], reps[:, col], n_units, n_ratings)

    per_verdict = tuple(
        VerdictAgreement(
            label=label,
            n_positive=int(counts[:, v].sum()),
            alpha=est(3 + v),
            fleiss_kappa=est(3 + k + v),
            percent_agreement=est(3 + 2 * k + v),
        )
        for v, label in enumerate(table.labels)
    )
    return {
        "alpha": est(0),
        "fleiss_kappa": est(1),
        "percent_agreement": est(2),
        "per_verdict": per_verdict,
        "mean_pairwise_cohen": est(3 + 3 * k) if mean_cohen else None,
    }


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha for any level, from coincidence matrices
# ---------------------------------------------------------------------------------------------


def _coincidences(counts: np.ndarray) -> np.ndarray:
    """Return per-item coincidence matrices o_u[c,k] = (n_uc n_uk - [c=k] n_uc) / (m_u - 1)."""
    n = counts.astype(np.float64)
    m = n.sum(axis=1)
    outer = n[:, :, None] * n[:, None, :]
    idx = np.arange(n.shape[1])
    outer[:, idx, idx] -= n
    with np.errstate(divide="ignore", invalid="ignore"):
        return outer / (m - 1.0)[:, None, None]


def _delta(level: str, values: np.ndarray | None, nc: np.ndarray) -> np.ndarray:
    """Return squared distances delta^2 (K,K), or (B,K,K) for ordinal (it depends on marginals nc)."""
    k = nc.shape[-1]
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        # Krippendorff (2011): delta_ck = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 for ranks c <= k.
        # For c > k the same expression below equals -(sum_{g=k..c} n_g - (n_c + n_k)/2), whose
        # square is the mirrored value, so no explicit symmetrisation is needed.
        cum = np.cumsum(nc, axis=1)
        span = cum[:, None, :] - cum[:, :, None] + nc[:, :, None]
        return (span - (nc[:, :, None] + nc[:, None, :]) / 2.0) ** 2
    assert values is not None
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return diff**2
    total = values[:, None] + values[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total != 0, (diff / np.where(total != 0, total, 1.0)) ** 2, 0.0)


def _alpha_from_coincidence(o: np.ndarray, level: str, values: np.ndarray | None) -> np.ndarray:
    """Return alpha for stacked (B,K,K) coincidence matrices: 1 - (n-1) sum o*d / sum n_c n_k d."""
    nc = o.sum(axis=2)
    n = nc.sum(axis=1)
    delta = _delta(level, values, nc)
    if delta.ndim == 2:
        delta = delta[None]
    observed = (o * delta).sum(axis=(1, 2))
    expected = np.einsum("bc,bck,bk->b", nc, delta, nc)
    return 1.0 - _ratio((n - 1.0) * observed, expected)


def _level_values(level: str, labels: tuple[Hashable, ...]) -> np.ndarray | None:
    """Return numeric label values for interval/ratio levels."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    if level in ("nominal", "ordinal"):
        return None
    try:
        values = np.asarray([float(label) for label in labels])  # type: ignore[arg-type]  # or TypeError
    except (TypeError, ValueError) as exc:
        raise ValueError(f"level {level!r} needs numeric labels") from exc
    if level == "ratio" and (values < 0).any():
        raise ValueError("level 'ratio' needs non-negative labels")
    return values


def alpha_from_counts(
    counts: np.ndarray | Sequence[Sequence[int]],
    *,
    level: Level = "nominal",
    values: Sequence[float] | None = None,
) -> float | None:
    """Return Krippendorff's alpha from an items x labels count table (columns in label order)."""
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError("counts must be a 2-D items x labels table")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    vals = None
    if level in ("interval", "ratio"):
        if values is None:
            raise ValueError(f"level {level!r} needs the numeric value of each column")
        vals = np.asarray(values, dtype=np.float64)
    pairable = table[table.sum(axis=1) >= 2]
    o = _coincidences(pairable).sum(axis=0)[None]
    return _to_float(_alpha_from_coincidence(o, level, vals)[0])


def fleiss_kappa_from_counts(counts: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Return Fleiss' kappa from an items x labels count table (formulation as in `fleiss_kappa`)."""
    table = np.asarray(counts, dtype=np.int64)
    if table.ndim != 2:
        raise ValueError("counts must be a 2-D items x labels table")
    pairable = table[table.sum(axis=1) >= 2]
    return _to_float(_CountStat(pairable)(np.ones((1, len(pairable))))[0, 1])


# ---------------------------------------------------------------------------------------------
# Public rating-level API
# ---------------------------------------------------------------------------------------------


def krippendorff_alpha(
    ratings: Iterable[Rating],
    *,
    level: Level = "nominal",
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> Estimate:
    """Return Krippendorff's alpha (Krippendorff 2011, coincidence-matrix form) with a bootstrap CI.

    `level` is explicit and defaults to "nominal" (verdicts are categories); "ordinal" ranks labels
    in `labels` order (sorted order when omitted), "interval"/"ratio" use float(label).
    Items with fewer than two ratings are dropped (only pairable values count).
    """
    table = _encode(ratings, labels)
    values = _level_values(level, table.labels)
    if level == "nominal":
        # Same computation as the project report, so the two always agree exactly.
        return _count_figures(table, n_boot, seed, with_mean_cohen=False)["alpha"]
    k = len(table.labels)
    o_items = _coincidences(table.counts).reshape(len(table.counts), k * k)

    def stat(weights: np.ndarray) -> np.ndarray:
        o = (weights @ o_items).reshape(-1, k, k)
        return _alpha_from_coincidence(o, level, values)[:, None]

    point, reps = _bootstrap(stat, len(table.counts), n_boot, seed)
    return _make_estimate(point[0], reps[:, 0], len(table.counts), int(table.counts.sum()))


def fleiss_kappa(
    ratings: Iterable[Rating],
    *,
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> Estimate:
    """Return Fleiss' kappa generalised to items with differing numbers of raters, with a bootstrap CI.

    Formulation: Fleiss (1971), "Measuring nominal scale agreement among many raters",
    Psychological Bulletin 76(5):378-382, with the constant number of raters n replaced by the
    item's own count n_i, over the items with n_i >= 2:
        P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1));  P_bar = mean of P_i over those items;
        p_j = sum_i n_ij / sum_i n_i (pooled over all their ratings);  P_e = sum_j p_j^2;
        kappa = (P_bar - P_e) / (1 - P_e).
    Averaging P_i over items rated at least twice is the treatment of missing ratings in Gwet (2014),
    Handbook of Inter-Rater Reliability, 4th ed.; Gwet's P_e instead averages per-item proportions
    n_ij / n_i.  We pool over ratings (as Fleiss 1971 and Krippendorff's alpha do) so every rating
    weighs the same.  Both reduce exactly to Fleiss (1971) when every item has the same n.
    """
    table = _encode(ratings, labels)
    return _count_figures(table, n_boot, seed, with_mean_cohen=False)["fleiss_kappa"]


def percent_agreement(
    ratings: Iterable[Rating],
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> Estimate:
    """Return percent agreement: each item's share of agreeing rater pairs, averaged over items with >= 2 ratings."""
    table = _encode(ratings, None)
    return _count_figures(table, n_boot, seed, with_mean_cohen=False)["percent_agreement"]


def per_verdict_agreement(
    ratings: Iterable[Rating],
    *,
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> tuple[VerdictAgreement, ...]:
    """Return one-against-the-rest nominal alpha, Fleiss' kappa and percent agreement for each label."""
    table = _encode(ratings, labels)
    return _count_figures(table, n_boot, seed, with_mean_cohen=False)["per_verdict"]


def mean_pairwise_cohen(
    ratings: Iterable[Rating],
    *,
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> Estimate:
    """Return the unweighted mean of pairwise Cohen's kappas (Light's kappa over co-rated items), with a CI."""
    table = _encode(ratings, labels)
    return _count_figures(table, n_boot, seed, with_mean_cohen=True)["mean_pairwise_cohen"]


def _pair_agreement(pair: _PairData, labels: tuple[Hashable, ...], n_boot: int, seed: int) -> PairAgreement:
    """Compute one pair's kappa, agreement and confusion matrix, resampling its co-rated items."""
    k = len(labels)
    n_units = len(pair.positions)
    onehot = np.zeros((n_units, k * k))
    onehot[np.arange(n_units), pair.label_a * k + pair.label_b] = 1.0

    def stat(weights: np.ndarray) -> np.ndarray:
        kappa, observed = _cohen_from_confusion((weights @ onehot).reshape(-1, k, k))
        return np.column_stack([kappa, observed])

    point, reps = _bootstrap(stat, n_units, n_boot, seed)
    confusion = onehot.sum(axis=0).reshape(k, k).astype(np.int64)
    return PairAgreement(
        rater_a=pair.rater_a,
        rater_b=pair.rater_b,
        n_items=n_units,
        cohen_kappa=_make_estimate(point[0], reps[:, 0], n_units, 2 * n_units),
        percent_agreement=_make_estimate(point[1], reps[:, 1], n_units, 2 * n_units),
        confusion=ConfusionMatrix(
            pair.rater_a, pair.rater_b, labels, tuple(tuple(int(x) for x in row) for row in confusion)
        ),
    )


def pairwise_agreement(
    ratings: Iterable[Rating],
    *,
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> tuple[PairAgreement, ...]:
    """Return Cohen's kappa, percent agreement and confusion matrix for every pair that co-rated an item."""
    table = _encode(ratings, labels)
    return tuple(_pair_agreement(p, table.labels, n_boot, seed) for p in table.pairs)


def _select_pair(ratings: Iterable[Rating], rater_a: Hashable, rater_b: Hashable) -> list[Rating]:
    """Return the ratings by the two raters on items both of them rated."""
    rows = [r for r in ratings if r.rater == rater_a or r.rater == rater_b]
    raters_by_item: dict[Hashable, set[Hashable]] = defaultdict(set)
    for r in rows:
        raters_by_item[r.item].add(r.rater)
    return [r for r in rows if len(raters_by_item[r.item]) == 2]


def cohen_kappa(
    ratings: Iterable[Rating],
    rater_a: Hashable,
    rater_b: Hashable,
    *,
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> Estimate:
    """Return Cohen's (1960) kappa between two raters over the items both rated, with a bootstrap CI."""
    if rater_a == rater_b:
        raise ValueError("cohen_kappa needs two different raters")
    rows = list(ratings)
    domain = tuple(labels) if labels is not None else _sorted_unique(r.label for r in rows)
    table = _encode(_select_pair(rows, rater_a, rater_b), domain)
    if not table.pairs:
        return Estimate(None, None, None, 0, 0, 0)
    return _pair_agreement(table.pairs[0], table.labels, n_boot, seed).cohen_kappa


def confusion_matrix(
    ratings: Iterable[Rating],
    rater_a: Hashable,
    rater_b: Hashable,
    *,
    labels: Sequence[Hashable] | None = None,
) -> ConfusionMatrix:
    """Return label x label counts over items both raters rated (rows: rater_a's label)."""
    rows = list(ratings)
    domain = tuple(labels) if labels is not None else _sorted_unique(r.label for r in rows)
    table = _encode(_select_pair(rows, rater_a, rater_b), domain)
    k = len(domain)
    matrix = np.zeros((k, k), dtype=np.int64)
    if table.pairs:
        pair = table.pairs[0]
        # The pair is stored in sorted rater order; flip so rows always belong to rater_a.
        rows_idx, cols_idx = (
            (pair.label_a, pair.label_b) if pair.rater_a == rater_a else (pair.label_b, pair.label_a)
        )
        np.add.at(matrix, (rows_idx, cols_idx), 1)
    return ConfusionMatrix(rater_a, rater_b, domain, tuple(tuple(int(x) for x in r) for r in matrix))


def project_agreement(
    ratings: Iterable[Rating],
    *,
    labels: Sequence[Hashable] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> AgreementReport:
    """Return overall, per-verdict and per-pair agreement for a project (nominal labels)."""
    table = _encode(ratings, labels)
    figures = _count_figures(table, n_boot, seed, with_mean_cohen=True)
    return AgreementReport(
        labels=table.labels,
        n_items=table.n_items,
        n_ratings=table.n_ratings,
        n_raters=table.n_raters,
        n_pairable_items=len(table.counts),
        alpha=figures["alpha"],
        fleiss_kappa=figures["fleiss_kappa"],
        percent_agreement=figures["percent_agreement"],
        mean_pairwise_cohen=figures["mean_pairwise_cohen"],
        per_verdict=figures["per_verdict"],
        per_pair=tuple(_pair_agreement(p, table.labels, n_boot, seed) for p in table.pairs),
        n_boot=n_boot,
        seed=seed,
    )


# ---------------------------------------------------------------------------------------------
# Claim-finding (span) agreement
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One claim span found by an annotator: half-open character offsets [start, end)."""

    document: Hashable
    annotator: Hashable
    start: int
    end: int


@dataclass(frozen=True)
class SpanF1:
    """Span-level precision/recall/F1 of annotator A against annotator B."""

    precision: float | None
    recall: float | None
    f1: float | None
    n_a: int
    n_b: int
    hits_a: int  # A's spans that hit some B span
    hits_b: int  # B's spans hit by some A span

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "n_a": self.n_a,
            "n_b": self.n_b,
            "hits_a": self.hits_a,
            "hits_b": self.hits_b,
        }


@dataclass(frozen=True)
class SpanPairAgreement:
    """Micro-averaged span agreement of one annotator pair over the documents both annotated."""

    annotator_a: Hashable
    annotator_b: Hashable
    n_documents: int
    scores: SpanF1
    f1: Estimate

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "annotator_a": _jsonable(self.annotator_a),
            "annotator_b": _jsonable(self.annotator_b),
            "n_documents": self.n_documents,
            "scores": self.scores.to_dict(),
            "f1": self.f1.to_dict(),
        }


@dataclass(frozen=True)
class SpanAgreementReport:
    """Claim-finding agreement: mean pairwise F1 and each pair's micro-averaged F1."""

    mean_f1: Estimate
    per_pair: tuple[SpanPairAgreement, ...]
    n_documents: int
    n_annotators: int
    n_boot: int
    seed: int
    ci_level: float = CI_LEVEL

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "mean_f1": self.mean_f1.to_dict(),
            "per_pair": [p.to_dict() for p in self.per_pair],
            "n_documents": self.n_documents,
            "n_annotators": self.n_annotators,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "ci_level": self.ci_level,
        }


def spans_hit(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Return True when spans overlap and one contains the other or the overlap is >= half the longer span."""
    return bool(_hit_matrix(np.asarray([a]), np.asarray([b]))[0, 0])


def _hit_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the (len(a), len(b)) hit matrix; same rule as fixtures/eval/score_suggestions.py."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=bool)
    s1, e1 = a[:, 0][:, None], a[:, 1][:, None]
    s2, e2 = b[:, 0][None, :], b[:, 1][None, :]
    overlap = np.minimum(e1, e2) - np.maximum(s1, s2)
    contains = ((s1 <= s2) & (e2 <= e1)) | ((s2 <= s1) & (e1 <= e2))
    longer = np.maximum(e1 - s1, e2 - s2)
    # Compare 2*overlap with the longer length to stay in integers (no 0.5 * rounding).
    return (overlap > 0) & (contains | (2 * overlap >= longer))


def _as_span_array(spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Return spans as an (n, 2) int array, rejecting end < start."""
    arr = np.asarray([(int(s), int(e)) for s, e in spans], dtype=np.int64).reshape(-1, 2)
    if (arr[:, 1] < arr[:, 0]).any():
        raise ValueError("span end must not be before its start")
    return arr


def _f1_arrays(
    hits_a: np.ndarray, n_a: np.ndarray, hits_b: np.ndarray, n_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return precision, recall, F1 (NaN = undefined); F1 is 0 when only one side found spans."""
    precision = _ratio(hits_a, n_a)
    recall = _ratio(hits_b, n_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = np.where(
            precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0
        )
    one_sided = (n_a > 0) != (n_b > 0)
    f1 = np.where((n_a > 0) & (n_b > 0), harmonic, np.where(one_sided, 0.0, np.nan))
    return precision, recall, f1


def _span_counts(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, int]:
    """Return (hits_a, n_a, hits_b, n_b) for two annotators' spans in one document."""
    hit = _hit_matrix(a, b)
    return int(hit.any(axis=1).sum()), len(a), int(hit.any(axis=0).sum()), len(b)


def _span_f1_from_counts(hits_a: int, n_a: int, hits_b: int, n_b: int) -> SpanF1:
    """Build a SpanF1 from hit counts."""
    p, r, f = _f1_arrays(*(np.asarray([x], dtype=np.float64) for x in (hits_a, n_a, hits_b, n_b)))
    return SpanF1(_to_float(p[0]), _to_float(r[0]), _to_float(f[0]), n_a, n_b, hits_a, hits_b)


def span_f1(spans_a: Iterable[tuple[int, int]], spans_b: Iterable[tuple[int, int]]) -> SpanF1:
    """Return span-level precision (A vs B), recall and F1 for two annotators on one document.

    Precision is the share of A's spans that hit any of B's, recall the share of B's spans hit by
    any of A's.  Both sides empty gives None everywhere; exactly one side empty gives F1 = 0.
    """
    return _span_f1_from_counts(*_span_counts(_as_span_array(spans_a), _as_span_array(spans_b)))


def span_agreement(
    spans: Iterable[Span],
    *,
    annotated: Iterable[tuple[Hashable, Hashable]] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> SpanAgreementReport:
    """Return pairwise span F1 (micro-averaged over documents) and its mean over annotator pairs.

    `annotated` lists (document, annotator) pairs that were annotated, so that an annotator who
    found no claim in a document still counts there; without it, only documents where an
    annotator has at least one span count as annotated by them.  CIs resample documents.
    """
    by_doc: dict[Hashable, dict[Hashable, list[tuple[int, int]]]] = defaultdict(dict)
    for (doc, annotator) in annotated or ():
        by_doc[doc].setdefault(annotator, [])
    for span in spans:
        by_doc[span.document].setdefault(span.annotator, []).append((span.start, span.end))

    documents = [d for d in _sorted_unique(by_doc) if len(by_doc[d]) >= 2]
    annotators = _sorted_unique(a for d in by_doc for a in by_doc[d])
    # Per pair: (document positions, per-document [hits_a, n_a, hits_b, n_b]).
    pair_rows: dict[tuple[Hashable, Hashable], list[tuple[int, int, int, int, int]]] = defaultdict(list)
    n_spans = 0
    for pos, doc in enumerate(documents):
        arrays = {a: _as_span_array(s) for a, s in by_doc[doc].items()}
        n_spans += sum(len(x) for x in arrays.values())
        ordered = [a for a in annotators if a in arrays]
        for a, b in combinations(ordered, 2):
            pair_rows[(a, b)].append((pos, *_span_counts(arrays[a], arrays[b])))

    pair_keys = [key for key in combinations(annotators, 2) if key in pair_rows]
    pair_data = [np.asarray(pair_rows[key], dtype=np.int64) for key in pair_keys]

    per_pair = []
    for (a, b), rows in zip(pair_keys, pair_data):
        feats = rows[:, 1:].astype(np.float64)

        def stat(weights: np.ndarray, feats: np.ndarray = feats) -> np.ndarray:
            s = weights @ feats
            return _f1_arrays(s[:, 0], s[:, 1], s[:, 2], s[:, 3])[2][:, None]

        point, reps = _bootstrap(stat, len(rows), n_boot, seed)
        totals = rows[:, 1:].sum(axis=0)
        per_pair.append(
            SpanPairAgreement(
                annotator_a=a,
                annotator_b=b,
                n_documents=len(rows),
                scores=_span_f1_from_counts(*(int(x) for x in totals)),
                f1=_make_estimate(point[0], reps[:, 0], len(rows), int(totals[1] + totals[3])),
            )
        )

    def mean_stat(weights: np.ndarray) -> np.ndarray:
        b = weights.shape[0]
        if not pair_data:
            return np.full((b, 1), np.nan)
        f1s = np.empty((b, len(pair_data)))
        for j, rows in enumerate(pair_data):
            s = weights[:, rows[:, 0]] @ rows[:, 1:].astype(np.float64)
            f1s[:, j] = _f1_arrays(s[:, 0], s[:, 1], s[:, 2], s[:, 3])[2]
        defined = np.isfinite(f1s)
        total = np.where(defined, f1s, 0.0).sum(axis=1)
        return _ratio(total, defined.sum(axis=1).astype(np.float64))[:, None]

    point, reps = _bootstrap(mean_stat, len(documents), n_boot, seed)
    return SpanAgreementReport(
        mean_f1=_make_estimate(point[0], reps[:, 0], len(documents), n_spans),
        per_pair=tuple(per_pair),
        n_documents=len(documents),
        n_annotators=len(annotators),
        n_boot=n_boot,
        seed=seed,
    )
