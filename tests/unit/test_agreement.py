"""Unit tests for annotations.agreement (pure functions, no database)."""

from __future__ import annotations

import importlib.util
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from annotations.agreement import (
    LEVELS,
    AgreementReport,
    Estimate,
    Rating,
    Span,
    alpha_from_counts,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    mean_pairwise_cohen,
    pairwise_agreement,
    per_verdict_agreement,
    percent_agreement,
    project_agreement,
    span_agreement,
    span_f1,
    spans_hit,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12
# units with missing values (None).  Published: nominal .743, ordinal .815, interval .849, ratio .797.
KRIPP_4_CODERS: dict[str, list[int | None]] = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}

# Krippendorff (2011), section A: two observers, binary data, 10 units.  Published alpha = .095.
KRIPP_BINARY: dict[str, list[int]] = {
    "A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
}

# Fleiss (1971) example as tabulated in Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters,
# 5 categories (rows: subjects, columns: number of raters choosing each category).  kappa = 0.210.
FLEISS_TABLE: list[list[int]] = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def _ratings_from_rows(rows: dict[str, list]) -> list[Rating]:
    """Turn a rater -> per-unit labels table (None = missing) into ratings."""
    return [
        Rating(item=unit, rater=rater, label=label)
        for rater, labels in rows.items()
        for unit, label in enumerate(labels)
        if label is not None
    ]


def _ratings_from_counts(table: list[list[int]]) -> list[Rating]:
    """Turn an items x categories count table into ratings with anonymous rater slots."""
    out = []
    for item, row in enumerate(table):
        slot = 0
        for category, count in enumerate(row):
            for _ in range(count):
                out.append(Rating(item, slot, category))
                slot += 1
    return out


def _random_ratings(
    rng: np.random.Generator,
    n_items: int,
    n_raters: int,
    n_labels: int,
    p_missing: float = 0.0,
    p_truth: float = 0.6,
) -> list[Rating]:
    """Generate ratings that agree more than chance: each rater copies a latent truth with p_truth."""
    out = []
    for item in range(n_items):
        truth = int(rng.integers(n_labels))
        for rater in range(n_raters):
            if rng.random() < p_missing:
                continue
            label = truth if rng.random() < p_truth else int(rng.integers(n_labels))
            out.append(Rating(item, f"r{rater}", label))
    return out


def _reliability_matrix(ratings: list[Rating], n_items: int, n_raters: int) -> np.ndarray:
    """Return the raters x items matrix with NaN for missing, as the krippendorff package wants."""
    data = np.full((n_raters, n_items), np.nan)
    for r in ratings:
        data[int(str(r.rater)[1:]), r.item] = r.label
    return data


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------------


def test_it_matches_krippendorff_2011_nominal_example_with_missing_data() -> None:
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    estimate = krippendorff_alpha(ratings, level="nominal", n_boot=0)
    assert estimate.value == pytest.approx(0.743, abs=5e-4)
    # Unit 12 has a single value and is not pairable: 11 units, 40 pairable values.
    assert (estimate.n_items, estimate.n_ratings) == (11, 40)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_it_matches_krippendorff_2011_other_levels(level: str, published: float) -> None:
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    assert krippendorff_alpha(ratings, level=level, n_boot=0).value == pytest.approx(published, abs=5e-4)


def test_it_matches_krippendorff_2011_binary_example() -> None:
    ratings = _ratings_from_rows(KRIPP_BINARY)
    assert krippendorff_alpha(ratings, n_boot=0).value == pytest.approx(0.095, abs=5e-4)
    # Exact: coincidences o_01 = 4, n_0 = 14, n_1 = 6, n = 20 -> alpha = 1 - 19 * 4 / (14 * 6) = 2/21.
    assert krippendorff_alpha(ratings, n_boot=0).value == pytest.approx(2 / 21, abs=1e-12)


def test_it_computes_alpha_from_count_tables_like_from_ratings() -> None:
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    counts = np.zeros((12, 5), dtype=int)
    for r in ratings:
        counts[r.item, r.label - 1] += 1
    values = [1, 2, 3, 4, 5]
    for level in LEVELS:
        from_counts = alpha_from_counts(counts, level=level, values=values)
        from_ratings = krippendorff_alpha(ratings, level=level, n_boot=0).value
        assert from_counts == pytest.approx(from_ratings, abs=1e-12)


def test_it_cross_checks_alpha_against_the_krippendorff_package() -> None:
    import krippendorff
    rng = np.random.default_rng(7)
    for trial in range(12):
        n_items, n_raters, n_labels = 40 + 10 * trial, 2 + trial % 4, 2 + trial % 5
        ratings = _random_ratings(rng, n_items, n_raters, n_labels, p_missing=0.3)
        data = _reliability_matrix(ratings, n_items, n_raters)
        for level in LEVELS:
            # Ratio needs positive values; shift labels for it in both computations.
            shift = 1 if level == "ratio" else 0
            shifted = [Rating(r.item, r.rater, r.label + shift) for r in ratings]
            expected = krippendorff.alpha(reliability_data=data + shift, level_of_measurement=level)
            ours = krippendorff_alpha(shifted, level=level, n_boot=0).value
            assert ours == pytest.approx(expected, abs=1e-9), (trial, level)


def test_it_orders_ordinal_labels_by_the_given_label_order() -> None:
    import krippendorff
    names = ["false", "mostly false", "mixed", "mostly true", "true"]
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    named = [Rating(r.item, r.rater, names[r.label - 1]) for r in ratings]
    data = np.array([[np.nan if v is None else v for v in row] for row in KRIPP_4_CODERS.values()])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    ours = krippendorff_alpha(named, level="ordinal", labels=names, n_boot=0).value
    assert ours == pytest.approx(expected, abs=1e-12)


def test_it_ignores_items_with_a_single_rating() -> None:
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    padded = ratings + [Rating(("extra", i), "A", 1 + i % 5) for i in range(50)]
    before = project_agreement(ratings, n_boot=50, seed=3)
    after = project_agreement(padded, n_boot=50, seed=3)
    assert after.alpha == before.alpha
    assert after.fleiss_kappa == before.fleiss_kappa
    assert after.percent_agreement == before.percent_agreement
    assert after.n_items == before.n_items + 50
    assert after.n_pairable_items == before.n_pairable_items == 11


def test_it_rejects_unknown_levels_and_non_numeric_interval_labels() -> None:
    ratings = [Rating(1, "a", "x"), Rating(1, "b", "y")]
    with pytest.raises(ValueError):
        krippendorff_alpha(ratings, level="interval", n_boot=0)
    with pytest.raises(ValueError):
        krippendorff_alpha(ratings, level="nomimal", n_boot=0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Fleiss' kappa
# --------------------------------------------------------------------------------------------


def test_it_matches_the_fleiss_1971_textbook_example() -> None:
    assert fleiss_kappa_from_counts(FLEISS_TABLE) == pytest.approx(0.210, abs=5e-4)
    ratings = _ratings_from_counts(FLEISS_TABLE)
    estimate = fleiss_kappa(ratings, n_boot=0)
    assert estimate.value == pytest.approx(0.20993, abs=1e-5)
    assert (estimate.n_items, estimate.n_ratings) == (10, 140)


def test_it_matches_statsmodels_fleiss_on_equal_rater_data() -> None:
    from statsmodels.stats import inter_rater
    rng = np.random.default_rng(11)
    for trial in range(10):
        n_raters, n_labels = 3 + trial % 5, 2 + trial % 4
        table = rng.multinomial(n_raters, rng.dirichlet(np.ones(n_labels)), size=60)
        expected = inter_rater.fleiss_kappa(table, method="fleiss")
        assert fleiss_kappa_from_counts(table) == pytest.approx(expected, abs=1e-12)
        ours = fleiss_kappa(_ratings_from_counts(table.tolist()), labels=range(n_labels), n_boot=0)
        assert ours.value == pytest.approx(expected, abs=1e-12)


def test_it_generalises_fleiss_to_unequal_raters_as_documented() -> None:
    # Item 0: a a b -> P = 2/6; item 1: a b -> P = 0; item 2: b b b b -> P = 1; item 3 single.
    # P_bar = 4/9; pooled p_a = 3/9, p_b = 6/9 -> P_e = 5/9; kappa = (4/9 - 5/9) / (4/9) = -0.25.
    # (Gwet's per-item-average P_e would give about -0.169, so this pins the formulation.)
    ratings = [
        Rating(0, "r1", "a"), Rating(0, "r2", "a"), Rating(0, "r3", "b"),
        Rating(1, "r1", "a"), Rating(1, "r4", "b"),
        Rating(2, "r1", "b"), Rating(2, "r2", "b"), Rating(2, "r3", "b"), Rating(2, "r4", "b"),
        Rating(3, "r1", "a"),
    ]  # fmt: skip
    assert fleiss_kappa(ratings, n_boot=0).value == pytest.approx(-0.25, abs=1e-12)
    assert fleiss_kappa_from_counts([[2, 1], [1, 1], [0, 4], [1, 0]]) == pytest.approx(-0.25, abs=1e-12)
    assert percent_agreement(ratings, n_boot=0).value == pytest.approx(4 / 9, abs=1e-12)


# --------------------------------------------------------------------------------------------
# Cohen's kappa, percent agreement, confusion matrices
# --------------------------------------------------------------------------------------------


def _two_rater_ratings(table: list[list[int]], labels: list[str]) -> list[Rating]:
    """Expand a 2-rater confusion table (rows: rater a) into ratings on distinct items."""
    out, item = [], 0
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                out += [Rating(item, "a", labels[i]), Rating(item, "b", labels[j])]
                item += 1
    return out


def test_it_computes_cohen_kappa_for_a_hand_worked_table() -> None:
    # p_o = 35/50 = 0.7; marginals a: 25/25, b: 30/20 -> p_e = 0.5; kappa = 0.4.
    ratings = _two_rater_ratings([[20, 5], [10, 15]], ["yes", "no"])
    estimate = cohen_kappa(ratings, "a", "b", n_boot=0)
    assert estimate.value == pytest.approx(0.4, abs=1e-12)
    assert (estimate.n_items, estimate.n_ratings) == (50, 100)
    assert cohen_kappa(ratings, "b", "a", n_boot=0).value == pytest.approx(0.4, abs=1e-12)
    matrix = confusion_matrix(ratings, "a", "b", labels=["yes", "no"])
    assert matrix.counts == ((20, 5), (10, 15))
    assert confusion_matrix(ratings, "b", "a", labels=["yes", "no"]).counts == ((20, 10), (5, 15))
    (pair,) = pairwise_agreement(ratings, labels=["yes", "no"], n_boot=0)
    assert pair.percent_agreement.value == pytest.approx(0.7, abs=1e-12)
    assert pair.confusion.counts == ((20, 5), (10, 15))


def test_it_matches_sklearn_cohen_kappa_over_co_rated_items() -> None:
    from sklearn import metrics
    rng = np.random.default_rng(5)
    ratings = _random_ratings(rng, 150, 4, 4, p_missing=0.35)
    labels_of = {(r.item, r.rater): r.label for r in ratings}
    report = project_agreement(ratings, n_boot=0)
    assert len(report.per_pair) == 6
    for pair in report.per_pair:
        items = sorted(
            i for i in range(150) if (i, pair.rater_a) in labels_of and (i, pair.rater_b) in labels_of
        )
        ya = [labels_of[(i, pair.rater_a)] for i in items]
        yb = [labels_of[(i, pair.rater_b)] for i in items]
        assert pair.n_items == len(items)
        assert pair.cohen_kappa.value == pytest.approx(metrics.cohen_kappa_score(ya, yb), abs=1e-12)
        assert pair.percent_agreement.value == pytest.approx(np.mean(np.equal(ya, yb)), abs=1e-12)
        expected = metrics.confusion_matrix(ya, yb, labels=list(report.labels))
        assert pair.confusion.counts == tuple(tuple(int(x) for x in row) for row in expected)
    kappas = [p.cohen_kappa.value for p in report.per_pair]
    assert report.mean_pairwise_cohen.value == pytest.approx(sum(kappas) / len(kappas), abs=1e-12)


def test_it_computes_percent_agreement_as_mean_share_of_agreeing_pairs() -> None:
    ratings = [
        Rating(1, "a", "x"), Rating(1, "b", "x"), Rating(1, "c", "y"),  # 1 of 3 pairs agree
        Rating(2, "a", "x"), Rating(2, "b", "x"),  # agree
        Rating(3, "a", "y"),  # single rating: ignored
    ]  # fmt: skip
    estimate = percent_agreement(ratings, n_boot=0)
    assert estimate.value == pytest.approx((1 / 3 + 1) / 2, abs=1e-12)
    assert (estimate.n_items, estimate.n_ratings) == (2, 5)


def test_it_handles_pairs_that_never_co_rated() -> None:
    ratings = [Rating(1, "a", "x"), Rating(1, "b", "y"), Rating(2, "c", "x"), Rating(2, "d", "x")]
    report = project_agreement(ratings, n_boot=20)
    assert [(p.rater_a, p.rater_b) for p in report.per_pair] == [("a", "b"), ("c", "d")]
    assert cohen_kappa(ratings, "a", "c", n_boot=20) == Estimate(None, None, None, 0, 0, 0)
    assert confusion_matrix(ratings, "a", "c").counts == ((0, 0), (0, 0))


# --------------------------------------------------------------------------------------------
# Per-verdict (one-against-the-rest) figures
# --------------------------------------------------------------------------------------------


def test_it_computes_per_verdict_figures_on_binarised_labels() -> None:
    rng = np.random.default_rng(3)
    ratings = _random_ratings(rng, 120, 3, 4, p_missing=0.2)
    verdicts = per_verdict_agreement(ratings, n_boot=0)
    assert [v.label for v in verdicts] == [0, 1, 2, 3]
    for verdict in verdicts:
        binary = [Rating(r.item, r.rater, r.label == verdict.label) for r in ratings]
        assert verdict.alpha.value == pytest.approx(krippendorff_alpha(binary, n_boot=0).value, abs=1e-12)
        assert verdict.fleiss_kappa.value == pytest.approx(fleiss_kappa(binary, n_boot=0).value, abs=1e-12)
        expected_percent = percent_agreement(binary, n_boot=0).value
        assert verdict.percent_agreement.value == pytest.approx(expected_percent, abs=1e-12)
        pairable = {r.item for r in ratings if sum(1 for s in ratings if s.item == r.item) >= 2}
        positives = [r for r in ratings if r.item in pairable and r.label == verdict.label]
        assert verdict.n_positive == len(positives)


# --------------------------------------------------------------------------------------------
# Undefined figures and validation
# --------------------------------------------------------------------------------------------


def test_it_returns_none_when_a_single_label_is_used_everywhere() -> None:
    ratings = [Rating(i, r, "true") for i in range(20) for r in ("a", "b", "c")]
    report = project_agreement(ratings, n_boot=50)
    assert report.alpha.value is None and report.alpha.ci_low is None
    assert report.fleiss_kappa.value is None
    assert report.mean_pairwise_cohen.value is None
    assert report.percent_agreement.value == 1.0
    assert all(p.cohen_kappa.value is None for p in report.per_pair)
    assert all(v.alpha.value is None and v.fleiss_kappa.value is None for v in report.per_verdict)
    json.dumps(report.to_dict(), allow_nan=False)


def test_it_returns_none_without_pairable_items() -> None:
    for ratings in ([], [Rating(1, "a", "x"), Rating(2, "b", "y")]):
        report = project_agreement(ratings, n_boot=50)
        overall = (report.alpha, report.fleiss_kappa, report.percent_agreement, report.mean_pairwise_cohen)
        for estimate in overall:
            assert estimate.value is None and estimate.ci_low is None and estimate.ci_high is None
            assert estimate.n_items == 0
        assert report.per_pair == ()
        json.dumps(report.to_dict(), allow_nan=False)


def test_it_marks_unused_labels_as_undefined_per_verdict() -> None:
    ratings = _two_rater_ratings([[3, 1], [1, 3]], ["true", "false"])
    report = project_agreement(ratings, labels=["true", "false", "unverifiable"], n_boot=20)
    unused = report.per_verdict[2]
    assert unused.label == "unverifiable" and unused.n_positive == 0
    assert unused.alpha.value is None and unused.fleiss_kappa.value is None
    assert unused.percent_agreement.value == 1.0
    assert report.per_pair[0].confusion.counts == ((3, 1, 0), (1, 3, 0), (0, 0, 0))


def test_it_rejects_duplicate_ratings_and_unknown_labels() -> None:
    with pytest.raises(ValueError, match="more than once"):
        project_agreement([Rating(1, "a", "x"), Rating(1, "a", "y"), Rating(1, "b", "x")])
    with pytest.raises(ValueError, match="not among labels"):
        project_agreement([Rating(1, "a", "x"), Rating(1, "b", "z")], labels=["x", "y"])


# --------------------------------------------------------------------------------------------
# Bootstrap confidence intervals
# --------------------------------------------------------------------------------------------


def test_it_gives_reproducible_cis_containing_the_point_estimate() -> None:
    rng = np.random.default_rng(21)
    ratings = _random_ratings(rng, 400, 4, 3, p_missing=0.25)
    first = project_agreement(ratings, n_boot=300, seed=42)
    again = project_agreement(ratings, n_boot=300, seed=42)
    other = project_agreement(ratings, n_boot=300, seed=43)
    assert first == again
    assert first.alpha.ci_low != other.alpha.ci_low
    estimates = [first.alpha, first.fleiss_kappa, first.percent_agreement, first.mean_pairwise_cohen]
    estimates += [v.alpha for v in first.per_verdict] + [p.cohen_kappa for p in first.per_pair]
    for estimate in estimates:
        assert estimate.value is not None and estimate.ci_low is not None and estimate.ci_high is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
        assert estimate.ci_high - estimate.ci_low < 0.3  # 400 items: a real, not degenerate, interval
        assert estimate.ci_high > estimate.ci_low
        assert estimate.n_boot == 300


def test_it_skips_cis_when_n_boot_is_zero() -> None:
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    estimate = krippendorff_alpha(ratings, n_boot=0)
    assert estimate.value is not None
    assert (estimate.ci_low, estimate.ci_high, estimate.n_boot) == (None, None, 0)


def test_it_bootstraps_exactly_like_recomputing_on_resampled_items() -> None:
    # The vectorised weighted-sum bootstrap must equal naively recomputing the statistic on each
    # resample.  Replays the documented RNG use: default_rng(seed).integers over pairable items.
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    pairable = sorted({r.item for r in ratings if sum(s.item == r.item for s in ratings) >= 2})
    by_item = {i: [r for r in ratings if r.item == i] for i in pairable}
    n_boot, seed = 200, 9
    draws = np.random.default_rng(seed).integers(0, len(pairable), size=(n_boot, len(pairable)))
    naive_alpha, naive_fleiss, naive_cohen = [], [], []
    for row in draws:
        resample = [
            Rating((k, r.item), r.rater, r.label) for k, j in enumerate(row) for r in by_item[pairable[j]]
        ]
        naive_alpha.append(krippendorff_alpha(resample, n_boot=0).value)
        naive_fleiss.append(fleiss_kappa(resample, n_boot=0).value)
        naive_cohen.append(mean_pairwise_cohen(resample, n_boot=0).value)
    for ours, naive in (
        (krippendorff_alpha(ratings, n_boot=n_boot, seed=seed), naive_alpha),
        (fleiss_kappa(ratings, n_boot=n_boot, seed=seed), naive_fleiss),
        (mean_pairwise_cohen(ratings, n_boot=n_boot, seed=seed), naive_cohen),
    ):
        kept = [x for x in naive if x is not None]
        low, high = np.percentile(kept, [2.5, 97.5])
        assert ours.n_boot == len(kept)
        assert ours.ci_low == pytest.approx(low, abs=1e-9)
        assert ours.ci_high == pytest.approx(high, abs=1e-9)


def test_it_agrees_between_standalone_functions_and_the_report() -> None:
    rng = np.random.default_rng(8)
    ratings = _random_ratings(rng, 200, 3, 3, p_missing=0.2)
    report = project_agreement(ratings, n_boot=100, seed=5)
    kwargs = {"n_boot": 100, "seed": 5}
    assert krippendorff_alpha(ratings, **kwargs) == report.alpha
    assert fleiss_kappa(ratings, **kwargs) == report.fleiss_kappa
    assert percent_agreement(ratings, **kwargs) == report.percent_agreement
    assert mean_pairwise_cohen(ratings, **kwargs) == report.mean_pairwise_cohen
    assert per_verdict_agreement(ratings, **kwargs) == report.per_verdict
    assert pairwise_agreement(ratings, **kwargs) == report.per_pair
    for pair in report.per_pair:
        assert cohen_kappa(ratings, pair.rater_a, pair.rater_b, **kwargs) == pair.cohen_kappa


def test_it_does_not_depend_on_input_order() -> None:
    rng = np.random.default_rng(13)
    ratings = _random_ratings(rng, 150, 4, 3, p_missing=0.3)
    shuffled = ratings[:]
    random.Random(1).shuffle(shuffled)
    assert project_agreement(ratings, n_boot=50).to_dict() == project_agreement(shuffled, n_boot=50).to_dict()


def test_it_computes_alpha_with_a_tight_ci_for_a_large_project() -> None:
    # Speed is measured in bench/ (RESULTS.md), not asserted here.
    rng = np.random.default_rng(0)
    n_items = 20_000
    truth = rng.integers(0, 4, size=n_items)
    noise = rng.integers(0, 4, size=(n_items, 3))
    keep = rng.random((n_items, 3)) < 0.7
    labels = np.where(keep, truth[:, None], noise)
    ratings = [Rating(i, r, int(labels[i, r])) for i in range(n_items) for r in range(3)]
    estimate = krippendorff_alpha(ratings, n_boot=1000, seed=0)
    assert estimate.n_items == n_items and estimate.n_boot == 1000
    assert estimate.ci_low < estimate.value < estimate.ci_high
    assert estimate.ci_high - estimate.ci_low < 0.03


# --------------------------------------------------------------------------------------------
# Report serialisation
# --------------------------------------------------------------------------------------------


def test_it_serialises_the_report_to_json() -> None:
    ratings = _ratings_from_rows(KRIPP_4_CODERS)
    report = project_agreement(ratings, n_boot=100, seed=1)
    assert isinstance(report, AgreementReport)
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["alpha"]["value"] == pytest.approx(0.743, abs=5e-4)
    assert data["labels"] == [1, 2, 3, 4, 5]
    assert set(data["alpha"]) == {"value", "ci_low", "ci_high", "n_items", "n_ratings", "n_boot"}
    assert len(data["per_verdict"]) == 5 and len(data["per_pair"]) == 6
    assert data["per_pair"][0]["confusion"]["labels"] == [1, 2, 3, 4, 5]
    # Non-JSON identifiers are rendered as strings rather than breaking serialisation.
    odd = [Rating(1, ("team", 1), "x"), Rating(1, ("team", 2), "y")]
    json.dumps(project_agreement(odd, n_boot=10).to_dict(), allow_nan=False)


# --------------------------------------------------------------------------------------------
# Claim-finding (span) agreement
# --------------------------------------------------------------------------------------------


def test_it_applies_the_span_overlap_rule() -> None:
    assert spans_hit((0, 100), (10, 20))  # containment, however small the inner span
    assert spans_hit((10, 20), (0, 100))
    assert spans_hit((0, 10), (0, 10))
    assert spans_hit((0, 10), (5, 15))  # overlap 5 = half of the longer (10)
    assert not spans_hit((0, 10), (6, 16))  # overlap 4 < 5
    assert spans_hit((0, 10), (5, 20)) is False  # overlap 5 < half of 15
    assert not spans_hit((0, 10), (10, 20))  # touching half-open spans do not overlap
    assert not spans_hit((0, 10), (30, 40))
    assert not spans_hit((5, 5), (0, 10))  # an empty span overlaps nothing, even when inside


def test_it_matches_the_project_scorer_overlap_rule() -> None:
    scorer = Path(__file__).resolve().parents[2] / "fixtures" / "eval" / "score_suggestions.py"
    assert scorer.exists(), "fixtures/eval/score_suggestions.py ships with the repository"
    spec = importlib.util.spec_from_file_location("score_suggestions", scorer)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = random.Random(4)
    for _ in range(3000):
        s1, s2 = rng.randrange(60), rng.randrange(60)
        a, b = (s1, s1 + rng.randrange(0, 30)), (s2, s2 + rng.randrange(0, 30))
        assert spans_hit(a, b) == module.hits(a, b), (a, b)


def test_it_computes_span_f1_for_one_document() -> None:
    a = [(0, 10), (20, 30), (50, 60)]  # (0,10) and (20,30) hit; (50,60) hits nothing
    b = [(2, 8), (22, 40), (70, 80)]  # (2,8) contained; (22,40) overlap 8 < 9 misses; (70,80) missed
    score = span_f1(a, b)
    assert (score.hits_a, score.n_a, score.hits_b, score.n_b) == (1, 3, 1, 3)
    assert score.precision == pytest.approx(1 / 3) and score.recall == pytest.approx(1 / 3)
    assert score.f1 == pytest.approx(1 / 3)
    b2 = [(2, 8), (21, 35), (70, 80)]  # (21,35): overlap 9 >= 7 hits
    score = span_f1(a, b2)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)
    # Two of A's spans hit the same B span: precision counts both, recall counts the B span once.
    score = span_f1([(0, 10), (1, 9)], [(0, 10), (40, 50)])
    assert (score.precision, score.recall, score.f1) == (1.0, 0.5, pytest.approx(2 / 3))


def test_it_handles_empty_span_sets() -> None:
    assert span_f1([], []).f1 is None
    one_sided = span_f1([], [(0, 5)])
    assert (one_sided.precision, one_sided.recall, one_sided.f1) == (None, 0.0, 0.0)
    assert span_f1([(0, 5)], [(10, 20)]).f1 == 0.0
    with pytest.raises(ValueError):
        span_f1([(5, 1)], [])


def test_it_micro_averages_span_f1_over_documents_and_pairs() -> None:
    spans = [
        Span("d1", "ann", 0, 10), Span("d1", "bob", 0, 10), Span("d1", "cat", 0, 10),
        Span("d1", "ann", 20, 30),
        Span("d2", "ann", 0, 10), Span("d2", "bob", 40, 50),
        Span("d3", "ann", 0, 10),  # only ann annotated d3: excluded
    ]  # fmt: skip
    # cat annotated d2 but found nothing there.
    report = span_agreement(spans, annotated=[("d2", "cat")], n_boot=0)
    assert report.n_documents == 2 and report.n_annotators == 3
    pairs = {(p.annotator_a, p.annotator_b): p for p in report.per_pair}
    ann_bob = pairs[("ann", "bob")].scores  # d1: 1/2 and 1/1; d2: 0/1 and 0/1 -> 1/3, 1/2
    assert (ann_bob.hits_a, ann_bob.n_a, ann_bob.hits_b, ann_bob.n_b) == (1, 3, 1, 2)
    assert ann_bob.f1 == pytest.approx(0.4)
    ann_cat = pairs[("ann", "cat")].scores  # d1: 1/2 and 1/1; d2: 0/1 and 0/0 -> 1/3, 1/1
    assert (ann_cat.hits_a, ann_cat.n_a, ann_cat.hits_b, ann_cat.n_b) == (1, 3, 1, 1)
    assert ann_cat.f1 == pytest.approx(0.5)
    bob_cat = pairs[("bob", "cat")].scores  # d1: 1/1, 1/1; d2: 0/1, 0/0 -> 1/2, 1/1
    assert bob_cat.f1 == pytest.approx(2 / 3)
    expected_mean = (0.4 + 0.5 + 2 / 3) / 3
    assert report.mean_f1.value == pytest.approx(expected_mean)
    assert pairs[("ann", "cat")].n_documents == 2
    # Without `annotated`, cat does not count on d2 and the pair ann/cat only covers d1.
    plain = span_agreement(spans, n_boot=0)
    assert {(p.annotator_a, p.annotator_b): p.n_documents for p in plain.per_pair}[("ann", "cat")] == 1


def test_it_bootstraps_span_agreement_reproducibly() -> None:
    rng = random.Random(2)
    spans = []
    for doc in range(60):
        for start in range(0, 200, 40):
            for annotator in ("a", "b", "c"):
                if rng.random() < 0.7:
                    jitter = rng.randrange(-6, 7)
                    spans.append(Span(doc, annotator, start + max(jitter, 0), start + 20 + jitter))
    first = span_agreement(spans, n_boot=200, seed=1)
    assert first == span_agreement(spans, n_boot=200, seed=1)
    estimate = first.mean_f1
    assert estimate.ci_low is not None and estimate.ci_high is not None and estimate.value is not None
    assert estimate.ci_low <= estimate.value <= estimate.ci_high
    assert estimate.n_items == 60 and not math.isnan(estimate.value)
    json.dumps(first.to_dict(), allow_nan=False)


def test_it_bootstraps_span_agreement_like_recomputing_on_resampled_documents() -> None:
    rng = random.Random(6)
    spans = []
    for doc in range(15):
        for annotator in ("a", "b", "c"):
            for start in range(0, 100, 25):
                if rng.random() < 0.6:
                    end = start + 10 + rng.randrange(8)
                    spans.append(Span(doc, annotator, start + rng.randrange(8), end))
    annotators_of = {d: {s.annotator for s in spans if s.document == d} for d in {s.document for s in spans}}
    documents = sorted(d for d, annotators in annotators_of.items() if len(annotators) >= 2)
    n_boot, seed = 100, 4
    draws = np.random.default_rng(seed).integers(0, len(documents), size=(n_boot, len(documents)))
    naive = []
    for row in draws:
        resample = [
            Span((k, s.document), s.annotator, s.start, s.end)
            for k, j in enumerate(row)
            for s in spans
            if s.document == documents[j]
        ]
        naive.append(span_agreement(resample, n_boot=0).mean_f1.value)
    ours = span_agreement(spans, n_boot=n_boot, seed=seed).mean_f1
    low, high = np.percentile([x for x in naive if x is not None], [2.5, 97.5])
    assert ours.ci_low == pytest.approx(low, abs=1e-9)
    assert ours.ci_high == pytest.approx(high, abs=1e-9)
