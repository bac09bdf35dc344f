"""Unit tests for annotations.exporters: every format read back the way researchers read it (no DB)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import json
import random
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from annotations.agreement import Rating, alpha_from_counts, fleiss_kappa_from_counts, project_agreement
from annotations.exporters import (
    FORMATS,
    FileEntry,
    ReleaseContext,
    ReleaseStats,
    VerdictInfo,
    claim_agreement,
    export,
    file_name,
    open_writer,
    render_card,
)
from annotations.exporters.averitec import AVERITEC_LABELS
from annotations.exporters.fever import FEVER_LABELS
from annotations.exporters.tabular import HEADER, flatten

VERDICTS = (
    VerdictInfo("supported", "Supported", "accurate", "SUPPORTS", "Supported", 5, "True", "Vrai"),
    VerdictInfo("refuted", "Refuted", "false", "REFUTES", "Refuted", 1, "False", "Faux"),
    VerdictInfo("misleading", "Misleading", "", "", "Conflicting Evidence/Cherrypicking", 2,
                "Misleading", "Trompeur"),
    VerdictInfo("not_enough_evidence", "Not enough evidence", "", "NOT ENOUGH INFO",
                "Not Enough Evidence", 3, "Unproven", "Non prouvé"),
    VerdictInfo("not_checkable", "Not checkable", "", "", "", None, "", ""),
)
BY_CODE = {v.code: v for v in VERDICTS}

CONTEXT = ReleaseContext(
    project_name="Anchorage summit 2025", project_slug="anchorage-2025", version="v1.0",
    released_at=dt.datetime(2025, 9, 1, 12, 0, tzinfo=dt.UTC), verdicts=VERDICTS,
    scheme_name="Default verdicts", organisation="Workbench demo desk", licence="CC-BY-4.0",
    language="fr", description="Five French articles.", guidelines="# Guidelines\n\nMark claims.",
    claim_url_template="https://workbench.example.org/articles/{article_id}/?claim={claim_id}",
    review_url_template="https://factcheck.example.org/checks/{claim_id}",
)

# Text that breaks naive writers: non-BMP characters, quotes, separators, newlines, a formula.
NASTY = 'Lavrov a dit "inchangée", 🙂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢;\nligne deux\r\n\ttab, fin'


def verdict_of(code: str | None) -> dict | None:
    if code is None:
        return None
    v = BY_CODE[code]
    return {
        "code": v.code, "name": v.name, "fever": v.fever, "averitec": v.averitec,
        "claimreview_rating": v.claimreview_rating, "claimreview_name": v.claimreview_name_fr,
    }


def make_record(i: int, final: str | None, given: list[str | None], **extra) -> dict:
    """A native record as the release selector builds it."""
    codes = [v for v in given if v]
    record = {
        "id": 100 + i,
        "article": {
            "id": 10 + i % 3, "external_id": f"ext-{i % 3}", "title": f"Article {i % 3} {NASTY}",
            "url": f"https://news.example.org/{i % 3}", "outlet": "Le Monde", "author": "A. Auteur",
            "published_on": "2025-08-16", "language": "fr",
        },
        "start": 5 * i, "end": 5 * i + 40, "quote": f"quote {i} {NASTY}",
        "statement": "" if i % 2 else f"Statement {i} «citée» 😀",
        # Every fourth claim is the article's own: its speaker is then the article's author.
        "speaker": ["A. Auteur", "Sergueï Lavrov", "Sergueï Lavrov", ""][i % 4],
        "asserted_by_article": i % 4 == 0,
        "statement_date": None if i % 3 else "2025-08-15",
        "kind": ["attributed_statement", "event", "quantity", "other", ""][i % 5],
        "verdict": verdict_of(final),
        "adjudication": None if final is None else {
            "method": "adjudicated", "notes": "" if i % 2 else f"Note {i}: {NASTY}",
            "adjudicator": "ann-0000beef", "decided_at": "2025-08-20T10:00:00+00:00",
        },
        "gold_evidence": [] if i % 3 == 2 else [{
            "id": 900 + i, "url": "" if i % 3 else f"https://source.example.org/{i}",
            "title": f"Source {i}", "publisher": "AFP", "published_on": "2025-08-17",
            "passage": f"passage {NASTY}", "question": "", "stance": "supports",
            "linked_claim_id": 7 if i % 3 else None, "linked_article_id": None,
        }],
        "annotations": [
            {"annotator": f"ann-{k:08x}", "verdict": v, "confidence": (k % 5) + 1,
             "rationale": f"because {k} {NASTY}" if v else ""}
            for k, v in enumerate(given)
        ],
        "agreement": claim_agreement(codes, final),
        "questions": [],
        "relations": [],
    }
    record.update(extra)
    return record


def sample(n: int = 30, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    codes = [v.code for v in VERDICTS]
    records = []
    for i in range(n):
        final = codes[i % len(codes)]
        given = [final if rng.random() < 0.7 else rng.choice(codes) for _ in range(rng.randint(1, 4))]
        if i % 7 == 3:
            given.append(None)  # an annotation saved without a verdict yet
        records.append(make_record(i, final, given))
    return records


def written(fmt: str, records: list[dict], context: ReleaseContext = CONTEXT) -> tuple[bytes, object]:
    out = io.BytesIO()
    writer = export(fmt, records, out, context)
    return out.getvalue(), writer


# --- native JSONL ---------------------------------------------------------------------------


def test_jsonl_has_one_record_per_line_that_parses_back_to_the_record():
    records = sample()
    data, writer = written("jsonl", records)
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == len(records) + 1  # every line ends with \n
    assert [json.loads(line) for line in lines[:-1]] == records
    assert writer.written == len(records) and not writer.left_out
    assert "🙂" in data.decode("utf-8")  # kept as UTF-8, not \\u escapes


# --- FEVER ----------------------------------------------------------------------------------


def test_fever_labels_come_only_from_its_set_and_unmapped_claims_are_counted():
    records = sample(40)
    data, writer = written("fever", records)
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert {r["label"] for r in rows} == FEVER_LABELS
    unmapped = [r for r in records if not r["verdict"]["fever"]]
    # FEVER's verifiable claims always have evidence: those without gold evidence stay out.
    no_gold = [r for r in records if r["verdict"]["fever"] in ("SUPPORTS", "REFUTES") and not r["gold_evidence"]]
    assert no_gold and len(rows) == len(records) - len(unmapped) - len(no_gold) == writer.written
    assert writer.left_out == {
        "verdict 'misleading' has no FEVER label": 8, "verdict 'not_checkable' has no FEVER label": 8,
        "verifiable verdict without gold evidence": len(no_gold),
    }
    for row in rows:
        assert set(row) == {"id", "claim", "label", "verifiable", "evidence", "passages"}
        source = next(r for r in records if r["id"] == row["id"])
        assert row["claim"] == (source["statement"] or source["quote"])
        assert row["verifiable"] == ("NOT VERIFIABLE" if row["label"] == "NOT ENOUGH INFO" else "VERIFIABLE")
        gold = source["gold_evidence"]
        pages = [g["url"] or "claim:7" for g in gold]
        if row["label"] == "NOT ENOUGH INFO":
            assert row["evidence"] == [[[source["id"], None, None, None]]]  # FEVER's NEI shape
        else:
            assert row["evidence"] == [[[source["id"], g["id"], page, g["id"]]] for g, page in zip(gold, pages)]
        assert row["passages"] == [
            {"evidence_id": g["id"], "page": page, "sentence_id": g["id"], "text": g["passage"]}
            for g, page in zip(gold, pages)
        ]


# --- AVeriTeC -------------------------------------------------------------------------------


def asked(record: dict) -> dict:
    """The record with its gold evidence answering a question, as AVeriTeC needs."""
    gold = [{**g, "question": f"Who said it ({g['id']})?"} for g in record["gold_evidence"]]
    return {**record, "gold_evidence": gold}


def test_averitec_is_one_json_array_with_labels_from_its_four_classes():
    records = [asked(r) for r in sample(40)]
    data, writer = written("averitec", records)
    items = json.loads(data)
    assert isinstance(items, list) and len(items) == writer.written
    assert {i["label"] for i in items} == AVERITEC_LABELS
    without = [r for r in records if r["verdict"]["averitec"] and not r["gold_evidence"]]
    assert writer.left_out == {
        "verdict 'not_checkable' has no AVeriTeC label": 8, "no question-answer evidence": len(without),
    }
    for item in items:
        source = next(r for r in records if r["id"] == item["claim_id"])
        assert item["claim"] == (source["statement"] or source["quote"])
        assert item["speaker"] == (source["speaker"] or None)
        date = source["statement_date"] or source["article"]["published_on"]
        assert item["claim_date"] == "{2}-{1}-{0}".format(*map(int, date.split("-")))
        expected = source["adjudication"]["notes"] or "\n\n".join(
            a["rationale"] for a in source["annotations"]
            if a["verdict"] == source["verdict"]["code"] and a["rationale"]
        )
        assert item["justification"] == expected
        assert [q["question"] for q in item["questions"]] == [g["question"] for g in source["gold_evidence"]]
        assert item["sources"] == []  # every gold item answers a question here
        assert item["fact_checking_article"] == f"https://factcheck.example.org/checks/{source['id']}"
        for name in ("cached_original_claim_url", "location_ISO_code", "fact_checking_strategies"):
            assert name in item  # the AVeriTeC dev set's fields, all of them


def test_averitec_writes_evidence_with_a_question_as_questions_and_answers():
    record = make_record(0, "supported", ["supported", "supported"])
    record["gold_evidence"].append({**record["gold_evidence"][0], "id": 1, "question": "Who said it?"})
    (item,) = json.loads(written("averitec", [record])[0])
    assert item["questions"] == [{
        "question": "Who said it?",
        "answers": [{"answer": record["gold_evidence"][0]["passage"], "answer_type": "Extractive",
                     "source_url": "https://source.example.org/0", "source_medium": "Web text",
                     "cached_source_url": "https://source.example.org/0"}],
    }]
    assert [s["url"] for s in item["sources"]] == ["https://source.example.org/0"]
    assert item["claim_types"] == ["Quote Verification"]


# --- ClaimReview ----------------------------------------------------------------------------

def reviews_of(data: bytes) -> list[dict]:
    """The ClaimReviews of a ClaimReview file (a DataFeed of one-review items)."""
    feed = json.loads(data)
    assert feed["@type"] == "DataFeed"
    return [review for element in feed["dataFeedElement"] for review in element["item"]]


def test_claimreview_is_a_data_feed_dated_by_the_decisions_linking_to_the_public_pages():
    records = sample(20)
    records[1]["adjudication"]["decided_at"] = "2025-08-25T23:59:00+00:00"
    data, writer = written("claimreview", records)
    feed = json.loads(data)
    assert feed["@context"] == "https://schema.org"
    assert feed["sdLicense"] == "https://creativecommons.org/licenses/by/4.0/"
    assert feed["sdPublisher"] == {"@type": "Organization", "name": "Workbench demo desk",
                                   "url": "https://factcheck.example.org/"}
    assert feed["dateModified"] == "2025-09-01T12:00:00+00:00"  # the release; reviews keep theirs
    reviews = reviews_of(data)
    assert len(reviews) == writer.written == len(records) - 4  # not_checkable has no rating
    assert writer.left_out == {"verdict 'not_checkable' has no ClaimReview rating": 4}
    for element, review in zip(feed["dataFeedElement"], reviews):
        source = next(r for r in records if r["id"] == int(review["identifier"]))
        url = f"https://factcheck.example.org/checks/{source['id']}"
        assert review["@id"] == review["url"] == element["url"] == url
        assert review["datePublished"] == element["dateCreated"] == source["adjudication"]["decided_at"][:10]
        assert review["claimReviewed"] == (source["statement"] or source["quote"])
    assert reviews[1]["datePublished"] == "2025-08-25"


def test_claimreview_needs_the_public_address_of_the_fact_checks():
    with pytest.raises(ValueError, match="public address"):
        open_writer("claimreview", io.BytesIO(), dataclasses.replace(CONTEXT, review_url_template=""))


def test_claimreview_names_the_article_voice_by_its_author_else_its_outlet():
    base = sample(3)
    own_with_author = {**base[0], "speaker": "A. Auteur", "asserted_by_article": True}
    own_without_author = {
        **base[1], "speaker": "Le Monde", "asserted_by_article": True,
        "article": {**base[1]["article"], "author": ""},
    }
    quoted = {**base[2], "speaker": "Sergueï Lavrov", "asserted_by_article": False}
    records = [{**r, "verdict": verdict_of("supported")} for r in (own_with_author, own_without_author, quoted)]
    data, _ = written("claimreview", records)
    authors = [r["itemReviewed"]["author"] for r in reviews_of(data)]
    assert authors == [
        {"@type": "Person", "name": "A. Auteur"},
        {"@type": "Organization", "name": "Le Monde"},  # the outlet is no person
        {"@type": "Person", "name": "Sergueï Lavrov"},
    ]


def test_the_tabular_formats_carry_the_article_voice_flag():
    records = sample(8)
    csv_data, _ = written("csv", records)
    frame = pd.read_csv(io.BytesIO(csv_data), keep_default_na=False)
    assert list(frame["asserted_by_article"]) == [i % 4 == 0 for i in range(8)]
    assert HEADER.index("asserted_by_article") == HEADER.index("speaker") + 1
    out = io.BytesIO()
    writer = open_writer("parquet", out, CONTEXT)
    for record in records:
        writer.write(record)
    writer.close()
    out.seek(0)
    table = pq.read_table(out)
    assert str(table.schema.field("asserted_by_article").type) == "bool"
    assert table.column("asserted_by_article").to_pylist() == [i % 4 == 0 for i in range(8)]
    jsonl, _ = written("jsonl", records)
    assert [json.loads(line)["asserted_by_article"] for line in jsonl.decode().splitlines()] == [
        i % 4 == 0 for i in range(8)
    ]


# --- Parquet --------------------------------------------------------------------------------


def test_parquet_reads_back_equal_to_the_jsonl_in_several_row_groups():
    records = sample(23)
    jsonl, _ = written("jsonl", records)
    out = io.BytesIO()
    writer = open_writer("parquet", out, CONTEXT)
    writer.row_group = 5
    for record in records:
        writer.write(record)
    writer.close()
    out.seek(0)
    parquet = pq.ParquetFile(out)
    assert parquet.metadata.num_row_groups == 5
    assert parquet.schema_arrow.metadata[b"workbench.version"] == b"v1.0"
    table = parquet.read()
    assert table.to_pylist() == [json.loads(line) for line in jsonl.decode().splitlines()]
    out.seek(0)
    frame = pd.read_parquet(out)
    assert list(frame["id"]) == [r["id"] for r in records]
    assert frame.loc[0, "article"]["title"] == records[0]["article"]["title"]
    assert list(frame.loc[1, "annotations"][0].keys()) == ["annotator", "verdict", "confidence", "rationale"]


# --- CSV ------------------------------------------------------------------------------------


def test_csv_has_a_bom_and_reads_back_with_the_csv_module_and_pandas():
    records = sample(25)
    records[0]["quote"] = "=HYPERLINK(\"http://evil.example\")"
    records[1]["statement"] = "-5 % selon Moscou"
    data, writer = written("csv", records)
    assert data.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    assert len(rows) == len(records) + 1 == writer.written + 1

    def as_text(value: object) -> str:
        return "" if value is None else str(value)

    for row, record in zip(rows[1:], records):
        expected = [as_text(v) for v in flatten(record)]
        undefused = [c[1:] if c[:2] in ("'=", "'-", "'+", "'@", "'\t", "'\r") else c for c in row]
        assert undefused == expected
        assert json.loads(row[HEADER.index("annotations")]) == record["annotations"]
    assert rows[1][HEADER.index("quote")].startswith("'=")  # never a formula in Excel
    assert rows[2][HEADER.index("statement")] == "'-5 % selon Moscou"

    frame = pd.read_csv(io.BytesIO(data), keep_default_na=False, dtype=str)  # pandas strips the BOM
    assert list(frame.columns) == HEADER
    assert list(frame["id"]) == [str(r["id"]) for r in records]
    assert frame.loc[3, "quote"] == records[3]["quote"]  # newlines, quotes and 🙂 survive
    assert frame.loc[3, "article_title"].endswith("tab, fin")


# --- all formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_a_valid_empty_file(fmt):
    data, writer = written(fmt, [])
    assert writer.written == 0
    if fmt in ("jsonl", "fever"):
        assert data == b""
    elif fmt == "averitec":
        assert json.loads(data) == []
    elif fmt == "claimreview":
        assert json.loads(data)["dataFeedElement"] == []
    elif fmt == "csv":
        assert data.decode("utf-8-sig").strip() == ",".join(HEADER)
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        assert [list(r) for r in load_workbook(io.BytesIO(data))["claims"].iter_rows(values_only=True)] == [HEADER]
    else:
        assert pq.read_table(io.BytesIO(data)).num_rows == 0


@pytest.mark.parametrize("fmt", ["fever", "averitec", "claimreview"])
def test_claims_without_a_final_verdict_are_left_out_of_the_mapped_formats(fmt):
    record = make_record(1, None, ["supported"])
    assert record["agreement"] == {"n_annotations": 1, "n_agreeing": 0, "share_agreeing": None, "observed": None}
    _, writer = written(fmt, [record])
    assert writer.written == 0 and writer.left_out == {"no final verdict": 1}


def test_file_names_and_unknown_formats():
    assert file_name(CONTEXT, "fever") == "anchorage-2025-v1.0-fever.jsonl"
    assert file_name(CONTEXT, "parquet") == "anchorage-2025-v1.0.parquet"
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        open_writer("xml", io.BytesIO(), CONTEXT)


def test_memory_stays_flat_as_the_release_grows():
    """Peak traced memory writing 5,000 records is about that of 500: nothing accumulates."""
    template = sample(10)

    def stream(n: int):
        for i in range(n):
            record = dict(template[i % 10])
            record["id"] = i
            yield record

    # The workbook streams its rows to a temporary file (openpyxl's write-only mode); traced
    # cell by cell it would take most of this test's time.
    formats = [f for f in FORMATS if f != "xlsx"]

    def peak(n: int) -> int:
        sinks = {fmt: io.BufferedWriter(io.FileIO("/dev/null", "w")) for fmt in formats}
        tracemalloc.start()
        writers = [open_writer(fmt, sinks[fmt], CONTEXT) for fmt in formats]
        for w in writers:
            if w.format == "parquet":
                w.row_group = 250
        stats = ReleaseStats([v.code for v in VERDICTS])
        for record in stream(n):
            stats.add(record)
            for w in writers:
                w.write(record)
        for w in writers:
            w.close()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        for sink in sinks.values():
            sink.close()
        return top

    small, large = peak(500), peak(5_000)
    assert large < small + 500_000, (small, large)


# --- release figures and the card -----------------------------------------------------------


def test_claim_agreement():
    assert claim_agreement(["a", "a", "b"], "a") == {
        "n_annotations": 3, "n_agreeing": 2, "share_agreeing": 0.6667, "observed": 0.3333,
    }
    assert claim_agreement(["a"], "b")["observed"] is None
    assert claim_agreement([], "a") == {"n_annotations": 0, "n_agreeing": 0, "share_agreeing": None, "observed": None}


def test_release_figures_match_the_agreement_module():
    records = sample(60, seed=7)
    stats = ReleaseStats([v.code for v in VERDICTS])
    for record in records:
        stats.add(record)
    ratings = [
        Rating(r["id"], a["annotator"], a["verdict"])
        for r in records for a in r["annotations"] if a["verdict"]
    ]
    report = project_agreement(ratings, n_boot=0)
    figures = stats.agreement()
    rows, weights = stats.counts_table()
    full = np.repeat(rows, weights.astype(int), axis=0)  # the claims × verdicts table itself
    assert len(rows) < len(full) == report.n_pairable_items
    assert figures["krippendorff_alpha_nominal"] == round(alpha_from_counts(full), 4)
    assert figures["fleiss_kappa"] == round(fleiss_kappa_from_counts(full), 4)
    assert figures["claims_with_two_or_more_verdicts"] == report.n_pairable_items
    assert figures["krippendorff_alpha_nominal"] == round(report.alpha.value, 4)
    assert figures["fleiss_kappa"] == round(report.fleiss_kappa.value, 4)
    assert figures["percent_agreement"] == round(report.percent_agreement.value, 4)
    counts = stats.counts()
    assert counts["claims"] == 60 and counts["articles"] == 3
    assert sum(counts["verdicts"].values()) == 60
    assert counts["annotations"] == sum(len(r["annotations"]) for r in records)


def test_the_card_says_what_when_counts_agreement_scheme_licence_fields_and_left_out():
    records = sample(20)
    stats = ReleaseStats([v.code for v in VERDICTS])
    files = []
    for fmt in FORMATS:
        data, writer = written(fmt, records)
        files.append(FileEntry(fmt, file_name(CONTEXT, fmt), len(data), "ab" * 32, writer.written,
                               dict(writer.left_out)))
    for record in records:
        stats.add(record)
    card = render_card(CONTEXT, counts=stats.counts(), agreement=stats.agreement(), files=files)
    assert card.startswith("---\nlicense: \"cc-by-4.0\"\n")
    assert "# Anchorage summit 2025 — dataset release v1.0" in card
    assert "Released 2025-09-01 12:00 UTC by Workbench demo desk" in card
    assert "| claims | 20 |" in card
    assert "| supported | Supported | 4 | 20.0 % |" in card
    assert "Krippendorff's alpha (nominal)" in card
    assert "| misleading | Misleading |  | Conflicting Evidence/Cherrypicking | 2 | Misleading / Trompeur |" in card.replace("—", "")
    assert "4 (verdict 'misleading' has no FEVER label); 4 (verdict 'not_checkable' has no FEVER label)" in card
    assert "### `anchorage-2025-v1.0-fever.jsonl` (fever)" in card
    assert "`claimReviewed`" in card and "`share_agreeing`" in card
    assert "### Guidelines" in card  # the project's heading, demoted under the card's own
    assert "CC-BY-4.0" in card
    assert "stable pseudonyms" in card
