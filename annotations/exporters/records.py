"""The native record (one adjudicated claim), its per-claim agreement, and release-wide figures.

The native record is a plain dict, the same in the JSONL and the Parquet file:

    id, article{id, external_id, title, url, outlet, author, published_on, language},
    start, end, quote, statement, speaker, asserted_by_article, statement_date, kind,
    verdict{code, name, fever, averitec, claimreview_rating, claimreview_name} | null,
    adjudication{method, notes, adjudicator, decided_at} | null,
    gold_evidence[{id, url, title, publisher, published_on, passage, question, stance,
                   linked_claim_id, linked_article_id}],
    annotations[{annotator, verdict, confidence, rationale}],
    agreement{n_annotations, n_agreeing, share_agreeing, observed},
    questions[{id, text, text_en, answer, answered_by[{claim_id, answer, quote, article_id, url}]}],
    relations[{kind, claim_id, direction}]

Text fields are "" when empty; dates are ISO strings (YYYY-MM-DD; decided_at is an ISO
datetime in UTC) or null; offsets count Unicode code points, as Python indexes strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import agreement as agreement_module
from .base import Record

# Field documentation shared by the dataset card and the README: (field, meaning).
NATIVE_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "the claim's id in the workbench (stable across releases)"),
    ("article.id / external_id", "the article's workbench id / the id it was imported with"),
    ("article.title, url, outlet, author", "the article's metadata"),
    ("article.published_on", "the article's publication date (YYYY-MM-DD) or null"),
    ("article.language", "the article's language code"),
    ("start, end", "the claim's span in the article body, in Unicode code points, end excluded"),
    ("quote", "the article's text at [start, end)"),
    ("statement", "the claim restated as a self-contained sentence (may be empty)"),
    ("speaker", "who made the claim (may be empty); the article's author, else its outlet, when "
     "asserted_by_article"),
    ("asserted_by_article", "true when the article itself asserts the claim (its own voice, no "
     "quoted source)"),
    ("statement_date", "when the claim was made (YYYY-MM-DD) or null"),
    ("kind", "attributed_statement, event, quantity, position, causal, other, or empty"),
    ("verdict.code, name", "the final (adjudicated) verdict in the project's scheme"),
    ("verdict.fever, averitec", "its FEVER and AVeriTeC labels (empty when unmapped)"),
    ("verdict.claimreview_rating, claimreview_name", "its ClaimReview rating (1-5) and name"),
    ("adjudication.method", "unanimous (accepted automatically), majority, or adjudicated"),
    ("adjudication.notes", "the reviewer's note"),
    ("adjudication.adjudicator", "the reviewer (pseudonym unless the project shows names)"),
    ("adjudication.decided_at", "when the final verdict was recorded (ISO, UTC)"),
    ("gold_evidence[]", "the evidence the reviewer kept: url, title, publisher, published_on, "
     "passage, question (the question it answers, or \"\"), stance (supports/refutes/context), "
     "or a linked claim/article id of the corpus"),
    ("annotations[]", "each annotator's annotator id, verdict code, confidence (1-5) and rationale"),
    ("agreement.n_annotations", "annotations of the claim that give a verdict"),
    ("agreement.n_agreeing", "how many of them equal the final verdict"),
    ("agreement.share_agreeing", "n_agreeing / n_annotations (null without annotations)"),
    ("agreement.observed", "the share of annotator pairs that agree (null under two annotations)"),
    ("questions[]", "the check questions the claim answers: id, text, text_en (English, may be "
     "empty), answer (yes/no/partly/unclear: what the claim asserts), and answered_by[], the other "
     "claims answering the same question (claim_id, answer, quote, article_id, url); a yes against "
     "a no is a contradiction"),
    ("relations[]", "the claim's links to other claims of the corpus: kind (same, contradicts, "
     "supports, related), the other claim's id, direction (out: this claim is the source)"),
)


def claim_agreement(verdicts: list[str] | tuple[str, ...], final: str | None) -> dict[str, Any]:
    """A claim's agreement from its annotators' verdict codes and its final verdict code."""
    n = len(verdicts)
    agreeing = verdicts.count(final) if final is not None else 0
    pairs = n * (n - 1)
    observed = None
    if pairs:
        same = sum(c * (c - 1) for c in map(verdicts.count, set(verdicts)))
        observed = round(same / pairs, 4)
    return {
        "n_annotations": n,
        "n_agreeing": agreeing,
        "share_agreeing": round(agreeing / n, 4) if n and final is not None else None,
        "observed": observed,
    }


class ReleaseStats:
    """Release-wide counts and agreement, accumulated one record at a time in flat memory.

    Agreement needs each claim's verdict counts (how many annotators gave each verdict); those
    rows repeat endlessly (with five annotators and six verdicts there are 252 possible rows), so
    they are kept as distinct rows with their multiplicities, whatever the size of the release.
    """

    def __init__(self, verdict_codes: Sequence[str]) -> None:
        self.codes = list(verdict_codes)
        self._index = {code: i for i, code in enumerate(self.codes)}
        self.claims = 0
        self.annotations = 0
        self.articles: set[int] = set()
        self.languages: set[str] = set()
        self.annotators: set[str] = set()
        self.verdicts: Counter[str] = Counter()
        self.methods: Counter[str] = Counter()
        self.unadjudicated = 0
        self.gold = 0  # gold evidence items
        self._rows: Counter[tuple[int, ...]] = Counter()
        self._share_sum = 0.0
        self._share_n = 0

    def add(self, record: Record) -> None:
        """Count one record."""
        self.claims += 1
        self.articles.add(record["article"]["id"])
        if record["article"].get("language"):
            self.languages.add(record["article"]["language"])
        verdict = record.get("verdict")
        if verdict is None:
            self.unadjudicated += 1
        else:
            self.verdicts[verdict["code"]] += 1
        if record.get("adjudication"):
            self.methods[record["adjudication"]["method"]] += 1
        self.gold += len(record["gold_evidence"])
        given = [a["verdict"] for a in record["annotations"] if a["verdict"]]
        self.annotations += len(record["annotations"])
        self.annotators.update(a["annotator"] for a in record["annotations"])
        share = record["agreement"]["share_agreeing"]
        if share is not None:
            self._share_sum += share
            self._share_n += 1
        if len(given) >= 2:
            row = [0] * len(self.codes)
            for code in given:
                index = self._index.get(code)
                if index is None:  # a verdict since removed from the scheme: give it a column
                    index = self._index[code] = len(self.codes)
                    self.codes.append(code)
                    row.append(0)
                row[index] += 1
            self._rows[tuple(row)] += 1

    def counts_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct claims × verdicts rows of annotation counts (claims with two or more
        verdicts), and how many claims have each row."""
        width = len(self.codes)
        if not self._rows:
            return np.zeros((0, width), dtype=np.int64), np.zeros(0)
        rows = np.array([row + (0,) * (width - len(row)) for row in self._rows], dtype=np.int64)
        return rows, np.array(list(self._rows.values()), dtype=np.float64)

    def agreement(self) -> dict[str, Any]:
        """Krippendorff's alpha and Fleiss' kappa (nominal) over the released claims, and shares.

        Computed by annotations.agreement's own count statistics, with each distinct row weighted
        by its number of claims: exactly the figures of its alpha_from_counts and
        fleiss_kappa_from_counts over the full table.
        """
        rows, weights = self.counts_table()
        pairable = int(weights.sum())
        alpha = fleiss = percent = None
        unanimous = 0
        if pairable:
            figures = agreement_module._CountStat(rows)(weights[None, :])[0]
            alpha, fleiss, percent = (agreement_module._to_float(x) for x in figures[:3])
            unanimous = int(weights[rows.max(axis=1) == rows.sum(axis=1)].sum())
        return {
            "claims_with_two_or_more_verdicts": pairable,
            "krippendorff_alpha_nominal": _round(alpha),
            "fleiss_kappa": _round(fleiss),
            "percent_agreement": _round(percent),
            "unanimous_claims": unanimous,
            "mean_share_agreeing_with_final": (
                _round(self._share_sum / self._share_n) if self._share_n else None
            ),
        }

    def counts(self) -> dict[str, Any]:
        """The release's counts, for the card and the DatasetRelease row."""
        return {
            "claims": self.claims,
            "articles": len(self.articles),
            "languages": sorted(self.languages),
            "annotations": self.annotations,
            "annotators": len(self.annotators),
            "unadjudicated": self.unadjudicated,
            "verdicts": {code: self.verdicts[code] for code in self.codes if self.verdicts[code]},
            "methods": dict(sorted(self.methods.items())),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
