"""What each research community's own tools demand of a release file, as checks tests can run.

- FEVER: the shared task's scorer itself (`fever-scorer`, tests/tools/), with oracle predictions.
- AVeriTeC: the rules of the shared task's `eval.py` (github.com/MichSchli/AVeriTeC): how it
  loads the files and what every score divides by, re-stated here (not copied). Its pairwise
  metric is METEOR (nltk); a token-overlap F1 stands in for it, which keeps every rule that can
  make the scorer fail (types, empty lists, divisions) while giving an oracle a perfect score.
- ClaimReview: expanded with schema.org's own JSON-LD context (tests/fixtures/, release 30.0, no
  network), then Google's required and recommended ClaimReview properties checked on the graph.
- Dataset card: the Hugging Face Hub's metadata rules for the YAML front matter, offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import f1_score

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = "http://schema.org/"  # the vocabulary of schema.org's context (http, as published)

# --- FEVER ------------------------------------------------------------------------------------


def fever_oracle_scores(rows: list[dict[str, Any]]) -> tuple[float, ...]:
    """fever-scorer's (strict, accuracy, precision, recall, f1) for predictions copying the gold.

    Runs the scorer twice, as the shared task does: with the gold in each prediction, and blind
    (predictions without label or evidence, the file passed as `actual`); both must agree.
    """
    from fever.scorer import check_predicted_evidence_format, fever_score

    def predicted(row: dict[str, Any]) -> list[list[Any]]:
        return [[e[2], e[3]] for group in row["evidence"] for e in group if e[2] is not None]

    with_gold = [{**row, "predicted_label": row["label"], "predicted_evidence": predicted(row)} for row in rows]
    for instance in with_gold:
        check_predicted_evidence_format(instance)
    blind = [{"predicted_label": row["label"], "predicted_evidence": predicted(row)} for row in rows]
    scores = fever_score(with_gold)  # the shared task's five evidence sentences at most
    assert fever_score(blind, actual=[dict(r) for r in rows]) == scores
    return scores


# --- AVeriTeC ---------------------------------------------------------------------------------

AVERITEC_VERDICTS = ["Supported", "Refuted", "Not Enough Evidence", "Conflicting Evidence/Cherrypicking"]
# Fields of an item of the AVeriTeC dev set (data/dev.json) and of its answers.
AVERITEC_ITEM_FIELDS = {
    "claim", "required_reannotation", "label", "justification", "claim_date", "speaker",
    "original_claim_url", "fact_checking_article", "reporting_source", "location_ISO_code",
    "claim_types", "fact_checking_strategies", "questions", "cached_original_claim_url",
}
AVERITEC_ANSWER_FIELDS = {"answer", "answer_type", "source_url", "source_medium", "cached_source_url"}
ANSWER_TYPES = {"Extractive", "Abstractive", "Boolean", "Unanswerable"}
MAX_QUESTIONS = 10  # eval.py scores at most ten of a prediction's question/answers


def _overlap(candidate: str, reference: str) -> float:
    """Token F1: the stand-in for METEOR, 1.0 for equal texts."""
    a, b = candidate.lower().split(), reference.lower().split()
    common = sum(min(a.count(t), b.count(t)) for t in set(a))
    return 0.0 if not common else 2 * common / (len(a) + len(b))


def averitec_strings(item: dict[str, Any]) -> list[str]:
    """What eval.py compares of an item: "question answer" per answer, Boolean answers with
    ". explanation", a question without answers as "question No answer could be found."."""
    strings = []
    for question in item.get("questions", []):
        answers = question["answers"] if isinstance(question["answers"], list) else [question["answers"]]
        for answer in answers:
            text = question["question"] + " " + answer["answer"]
            if answer.get("answer_type") == "Boolean":
                text += ". " + answer["boolean_explanation"]
            strings.append(text)
        if not answers:
            strings.append(question["question"] + " No answer could be found.")
    return strings + list(item.get("string_evidence", []))


def _assignment(src: list[str], tgt: list[str]) -> float:
    scores = np.array([[_overlap(s, t) for t in tgt] for s in src]).reshape(len(src), len(tgt))
    rows, cols = linear_sum_assignment(scores, maximize=True)
    return float(scores[rows, cols].sum()) / len(tgt)  # eval.py: 1 / len(reference strings)


def check_averitec_file(data: bytes) -> list[dict[str, Any]]:
    """Load the file as eval.py does (json.load of one array) and check what each score needs."""
    items = json.loads(data)
    assert isinstance(items, list)
    for item in items:
        missing = AVERITEC_ITEM_FIELDS - set(item)
        assert not missing, f"claim {item.get('claim_id')}: missing {sorted(missing)}"
        assert item["label"] in AVERITEC_VERDICTS
        assert isinstance(item["justification"], str)
        assert isinstance(item["claim_types"], list) and all(isinstance(t, str) for t in item["claim_types"])
        # Every score divides by the reference's questions and question/answer strings.
        assert item["questions"], f"claim {item['claim_id']} has no question: eval.py divides by zero"
        for question in item["questions"]:
            assert isinstance(question["question"], str) and question["question"]
            assert isinstance(question["answers"], list) and question["answers"]
            for answer in question["answers"]:
                assert AVERITEC_ANSWER_FIELDS <= set(answer), sorted(AVERITEC_ANSWER_FIELDS - set(answer))
                assert answer["answer_type"] in ANSWER_TYPES
                assert isinstance(answer["answer"], str) and answer["answer"]
                if answer["answer_type"] == "Boolean":
                    assert answer["answer"] in ("Yes", "No")
                    assert isinstance(answer["boolean_explanation"], str)
        if item["claim_date"] is not None:
            day, month, year = item["claim_date"].split("-")
            assert 1 <= int(day) <= 31 and 1 <= int(month) <= 12 and len(year) == 4
    return items


def averitec_oracle_scores(references: list[dict[str, Any]]) -> dict[str, float]:
    """eval.py's scores for predictions equal to the references (pairs by position)."""
    predictions = [dict(item) for item in references]
    question_only = float(np.mean([
        _assignment([q["question"] for q in p["questions"][:MAX_QUESTIONS]], [q["question"] for q in r["questions"]])
        for p, r in zip(predictions, references)
    ]))
    qa = float(np.mean([
        _assignment(averitec_strings(p)[:MAX_QUESTIONS], averitec_strings(r))
        for p, r in zip(predictions, references)
    ]))
    labels_true = [r["label"] for r in references]
    labels_pred = [p["label"] for p in predictions]
    macro_f1 = float(f1_score(labels_true, labels_pred, labels=AVERITEC_VERDICTS, average="macro", zero_division=0))
    justification = float(np.mean([_overlap(p["justification"], r["justification"]) if r["justification"] else 1.0
                                   for p, r in zip(predictions, references)]))
    # The AVeriTeC score at its 0.25 level: the label counts when the evidence scores above it.
    at_025 = float(np.mean([
        (p["label"] == r["label"]) if _assignment(averitec_strings(p)[:MAX_QUESTIONS], averitec_strings(r)) > 0.25 else 0.0
        for p, r in zip(predictions, references)
    ]))
    return {"questions": question_only, "qa": qa, "accuracy": float(np.mean(
        [a == b for a, b in zip(labels_pred, labels_true)])), "macro_f1_present": macro_f1,
        "justification": justification, "averitec@0.25": at_025}


# --- ClaimReview ------------------------------------------------------------------------------


def schema_org_loader(url: str, options: dict) -> dict:
    """schema.org's JSON-LD context from tests/fixtures (what https://schema.org serves)."""
    if url.rstrip("/") not in ("https://schema.org", "http://schema.org"):
        raise AssertionError(f"unexpected remote document {url}")
    document = json.loads((FIXTURES / "schemaorg-context-30.0.jsonld").read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def expand_claimreview(data: bytes) -> list[dict[str, Any]]:
    """The ClaimReview nodes of a file, expanded with schema.org's context."""
    from pyld import jsonld

    expanded = jsonld.expand(json.loads(data), {"documentLoader": schema_org_loader})
    (feed,) = expanded
    assert feed["@type"] == [SCHEMA + "DataFeed"]
    reviews = []
    for element in feed.get(SCHEMA + "dataFeedElement", []):
        assert element["@type"] == [SCHEMA + "DataFeedItem"]
        reviews += element[SCHEMA + "item"]
    return reviews


def values(node: dict[str, Any], path: str) -> list[Any]:
    """The values at a dotted path of schema.org properties in an expanded node."""
    found = [node]
    for prop in path.split("."):
        found = [v for n in found for v in n.get(SCHEMA + prop, [])]
    return found


# Google Search's ClaimReview structured data: required, then recommended properties.
GOOGLE_REQUIRED = ("claimReviewed", "reviewRating.alternateName", "url")
GOOGLE_RECOMMENDED = (
    "author.name", "datePublished", "itemReviewed", "itemReviewed.author.name",
    "itemReviewed.datePublished", "itemReviewed.appearance.url", "reviewRating.ratingValue",
    "reviewRating.bestRating", "reviewRating.worstRating",
)


def check_claimreview(review: dict[str, Any]) -> None:
    """Google's required and recommended properties, with the right types, on one ClaimReview."""
    assert review["@type"] == [SCHEMA + "ClaimReview"]
    for path in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED:
        assert values(review, path), f"ClaimReview {review.get('@id')} lacks {path}"
    (url,) = values(review, "url")
    assert url["@id"].startswith("https://") and review["@id"] == url["@id"]  # an IRI, public
    assert values(review, "itemReviewed")[0]["@type"] == [SCHEMA + "Claim"]
    assert values(review, "author")[0]["@type"] == [SCHEMA + "Organization"]
    (date,) = values(review, "datePublished")
    assert date["@type"] == SCHEMA + "Date" and len(date["@value"]) == 10
    rating = {p: values(review, f"reviewRating.{p}")[0]["@value"] for p in ("ratingValue", "bestRating", "worstRating")}
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]


# --- the dataset card -------------------------------------------------------------------------

# Licence ids the Hub accepts in `license` (hf.co/docs/hub/repositories-licenses), those a
# release may use; "other" needs a `license_name`.
HUB_LICENCES = {
    "apache-2.0", "mit", "cc0-1.0", "cc-by-2.0", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0",
    "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0",
    "etalab-2.0", "odc-by", "odbl", "pddl", "cdla-permissive-2.0", "other",
}
HUB_SIZES = {"n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M"}
HUB_LIST_FIELDS = ("language", "task_categories", "task_ids", "annotations_creators",
                   "language_creators", "multilinguality", "size_categories", "source_datasets")


def check_card(card: str, file_names: set[str]) -> dict[str, Any]:
    """The card's front matter as the Hub reads it: valid ids, lists, configs naming real files."""
    assert card.startswith("---\n")
    meta = yaml.safe_load(card[4:card.index("\n---\n", 4)])
    assert meta["license"] in HUB_LICENCES
    if meta["license"] == "other":
        assert meta["license_name"] and meta["license_name"] == meta["license_name"].lower()
    for name in HUB_LIST_FIELDS:
        assert isinstance(meta[name], list) and meta[name], name
    assert all(len(code) in (2, 3) and code.islower() for code in meta["language"])
    assert set(meta["size_categories"]) <= HUB_SIZES
    assert set(meta["multilinguality"]) <= {"monolingual", "multilingual", "translation", "other"}
    assert set(meta["annotations_creators"]) <= {"crowdsourced", "expert-generated", "found", "machine-generated", "no-annotation", "other"}
    assert isinstance(meta["pretty_name"], str)
    names = [c["config_name"] for c in meta["configs"]]
    assert len(set(names)) == len(names) and sum(bool(c.get("default")) for c in meta["configs"]) == 1
    for config in meta["configs"]:
        for data_file in config["data_files"]:
            assert data_file["split"] == "train" and data_file["path"] in file_names
    return meta
