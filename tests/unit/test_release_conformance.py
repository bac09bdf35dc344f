"""Each research format read by its community's reference tool (see tests/conformance.py)."""

from __future__ import annotations

import io
import json

import pytest

from annotations.exporters import FORMATS, FileEntry, ReleaseStats, file_name, render_card
from annotations.exporters.tabular import HEADER, flatten
from tests.conformance import (
    averitec_oracle_scores,
    check_averitec_file,
    check_card,
    check_claimreview,
    expand_claimreview,
    fever_oracle_scores,
)

from test_exporters import CONTEXT, VERDICTS, asked, make_record, sample, written


def graph_record(i: int, final: str, answers: list[tuple[str, str]]) -> dict:
    """A record whose claim answers a check question that other claims answer too."""
    record = make_record(i, final, [final, final])
    record["questions"] = [{
        "id": 1, "text": "La Russie a-t-elle fait des concessions ?", "text_en": "Did Russia concede?",
        "answer": "yes",
        "answered_by": [
            {"claim_id": 500 + k, "answer": answer, "quote": quote, "article_id": 3,
             "url": "https://news.example.org/3" if k else ""}
            for k, (answer, quote) in enumerate(answers)
        ],
    }]
    return record


def test_fever_scorer_gives_an_oracle_copying_the_gold_a_perfect_score():
    rows = [json.loads(line) for line in written("fever", sample(60))[0].decode().splitlines()]
    assert {r["label"] for r in rows} == {"SUPPORTS", "REFUTES", "NOT ENOUGH INFO"}
    strict, accuracy, precision, recall, f1 = fever_oracle_scores(rows)
    assert (strict, accuracy, precision, recall, f1) == (1.0, 1.0, 1.0, 1.0, 1.0)


def test_fever_scorer_still_catches_a_wrong_prediction():
    from fever.scorer import fever_score

    rows = [json.loads(line) for line in written("fever", sample(30))[0].decode().splitlines()]
    verifiable = [r for r in rows if r["label"] != "NOT ENOUGH INFO"]
    wrong = [{**r, "predicted_label": r["label"], "predicted_evidence": [["https://elsewhere.example", 1]]}
             for r in verifiable]
    strict, accuracy, *_ = fever_score(wrong)
    assert accuracy == 1.0 and strict == 0.0  # right labels, wrong pages: evidence is scored


def test_averitec_files_load_and_score_as_the_shared_task_scores_them():
    records = [asked(r) for r in sample(40)] + [
        graph_record(50, "refuted", [("no", "Lavrov : rien n'a changé."), ("yes", "Vance : des concessions."),
                                     ("partly", "Quelques gestes."), ("unclear", "On verra.")]),
    ]
    data, writer = written("averitec", records)
    items = check_averitec_file(data)
    assert len(items) == writer.written > 20
    scores = averitec_oracle_scores(items)
    assert scores["questions"] == scores["qa"] == scores["accuracy"] == scores["averitec@0.25"] == 1.0
    graph = items[-1]["questions"][-1]
    assert [a["answer_type"] for a in graph["answers"]] == ["Boolean", "Boolean", "Extractive", "Unanswerable"]


def test_averitec_leaves_out_claims_the_scorer_could_not_score():
    bare = make_record(1, "refuted", ["refuted"])  # gold evidence, but no question
    lonely = graph_record(2, "refuted", [])  # a check question nobody else answers
    data, writer = written("averitec", [bare, lonely])
    assert check_averitec_file(data) == []
    assert writer.left_out == {"no question-answer evidence": 2}


def test_claimreview_expands_with_schema_org_and_has_what_google_requires_and_recommends():
    records = sample(20)
    data, writer = written("claimreview", records)
    reviews = expand_claimreview(data)
    assert len(reviews) == writer.written == 16
    for review in reviews:
        check_claimreview(review)


def test_the_card_follows_the_hub_metadata_rules_with_a_config_per_table():
    records = sample(20)
    stats = ReleaseStats([v.code for v in VERDICTS])
    for record in records:
        stats.add(record)
    files = [FileEntry(f, file_name(CONTEXT, f), 1, "ab" * 32, 1, {}) for f in FORMATS]
    files += [FileEntry(t, file_name(CONTEXT, t), 1, "ab" * 32, 1, {})
              for t in ("articles", "relations", "pairs", "articles-parquet", "relations-parquet", "pairs-parquet")]
    card = render_card(CONTEXT, counts=stats.counts(), agreement=stats.agreement(), files=files)
    meta = check_card(card, {f.name for f in files})
    assert meta["license"] == "cc-by-4.0" and meta["size_categories"] == ["n<1K"]
    assert [c["config_name"] for c in meta["configs"]] == ["claims", "articles", "relations", "pairs"]
    assert meta["configs"][0]["data_files"][0]["path"] == "anchorage-2025-v1.0.parquet"


@pytest.mark.parametrize(("licence", "hub", "name"), [
    ("CC BY 4.0", "cc-by-4.0", None), ("Etalab 2.0", "etalab-2.0", None), ("CC0", "cc0-1.0", None),
    ("Licence maison v2", "other", "licence-maison-v2"),
])
def test_a_licence_typed_as_text_becomes_a_valid_hub_licence(licence, hub, name):
    import dataclasses

    context = dataclasses.replace(CONTEXT, licence=licence)
    files = [FileEntry("parquet", file_name(context, "parquet"), 1, "ab" * 32, 1, {})]
    card = render_card(context, counts={"claims": 3}, agreement={}, files=files)
    meta = check_card(card, {f.name for f in files})
    assert meta["license"] == hub and meta.get("license_name") == name


# --- spreadsheets: the workbook holds the text exactly; LibreOffice reads it -------------------


def spreadsheet_records() -> list[dict]:
    records = sample(12)
    records[0]["quote"] = '=HYPERLINK("http://evil.example")'
    records[1]["statement"] = "- premier point 🙂\n- second point «cité»"
    records[2]["adjudication"]["notes"] = "+33 1 23 45 67 89 @AFP"
    return records


def test_the_workbook_holds_every_text_exactly_and_no_formula():
    from openpyxl import load_workbook

    records = spreadsheet_records()
    data, writer = written("xlsx", records)
    assert writer.written == len(records)
    sheet = load_workbook(io.BytesIO(data))["claims"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    for row, record in zip(rows[1:], records):
        # No apostrophe, no lost character; an empty text is an empty cell.
        assert list(row) == [None if v == "" else v for v in flatten(record)]
    assert all(c.data_type == "s" for c in sheet[2] if isinstance(c.value, str))  # text, never "f"


def test_the_workbook_leaves_out_what_a_spreadsheet_cannot_hold():
    long, control = sample(2)
    long["quote"] = "x" * 40_000
    control["statement"] = "bell\x07"
    _, writer = written("xlsx", [long, control])
    assert writer.written == 0
    assert writer.left_out == {
        "a text longer than a spreadsheet cell holds (32,767 characters)": 1,
        "a text with control characters a spreadsheet cannot hold": 1,
    }


def test_libreoffice_opens_the_workbook_with_the_text_intact(tmp_path):
    """LibreOffice (headless) converts the workbook to CSV; every text cell comes back as written.

    Its default CSV import reads files in the system's legacy charset, not UTF-8 (a BOM does not
    help): "inchangée" becomes "inchangÃ©e". That is why releases offer the workbook.
    """
    import csv
    import shutil
    import subprocess

    from tests.conftest import need_service

    soffice = shutil.which("soffice")
    if soffice is None:
        need_service("LibreOffice (soffice) is not installed")
    records = spreadsheet_records()
    (tmp_path / "claims.xlsx").write_bytes(written("xlsx", records)[0])
    # CSV export options: comma, double quote, UTF-8 (76), first line 1, all sheets (-1).
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", options,
         "--outdir", str(tmp_path / "out"), str(tmp_path / "claims.xlsx")],
        check=True, capture_output=True, timeout=180,
    )
    (converted,) = (tmp_path / "out").iterdir()
    rows = list(csv.reader(converted.open(encoding="utf-8", newline="")))
    assert rows[0] == HEADER
    for row, record in zip(rows[1:], records):
        for name, cell, value in zip(HEADER, row, flatten(record)):
            if isinstance(value, str):
                # Spreadsheets keep line breaks as line feeds: a carriage return becomes one.
                assert cell == value.replace("\r\n", "\n").replace("\r", "\n"), name
