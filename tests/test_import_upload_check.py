"""Compressed and sniffed input, the rest: a zip of any format, a CSV's separator and encoding named
(command, page, API), and uploads refused at once when their first bytes show they cannot be read."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from annotations.importers.precheck import precheck
from annotations.importers.reader import SourceReader
from annotations.importers.sniff import SNIFF_BYTES
from annotations.models import Article, Claim, Job, ReferenceFactCheck
from annotations.services.imports import ImportRefused, articles_import, import_job_work
from annotations.services.jobs import job_run

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
EXCEL_FR = (
    "titre;body;published;outlet\r\n"
    "Sommet;Sergueï Lavrov a déclaré que la position de la Russie restait inchangée.;25/09/2025;Le Monde\r\n"
    "Vance;« Des concessions importantes », selon JD Vance.;01/10/2025;Libération\r\n"
).encode("cp1252")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# --- a zip of any format --------------------------------------------------------------------------


def test_a_zip_may_hold_files_of_every_article_format(project, max_, tmp_path):
    path = _zip(tmp_path / "mixed.zip", {
        "a.jsonl": (json.dumps({"title": "Un", "body": "Premier article, en JSONL."}) + "\n").encode(),
        "b.csv": EXCEL_FR,
        "c.json": (FIXTURES / "tools" / "label_studio.json").read_bytes(),
        "d.txt": "Titre\n\nUn article en texte.".encode(),
    })
    report = articles_import(project=project, path=path, by=max_)
    assert (report.records, report.created, report.claims) == (6, 6, 3)
    assert Article.objects.count() == 6 and Claim.objects.count() == 3
    # Day-first dates in the CSV: the project is French.
    assert str(Article.objects.get(outlet__name="Le Monde").published_on) == "2025-09-25"


def test_a_bad_line_inside_a_zip_is_named_by_member_line_and_field(project, max_, tmp_path):
    lines = json.dumps({"body": "Bon."}) + "\n" + json.dumps({"body": "Mauvais.", "url": "ftp://x"}) + "\n"
    path = _zip(tmp_path / "bad.zip", {"a.jsonl": lines.encode(), "feed.json": (FIXTURES / "factchecks" / "datacommons_feed.json").read_bytes()})
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    first, second = exc.value.errors
    assert (first.file, first.line, first.field) == ("bad.zip:a.jsonl", 2, "url")
    assert second.file == "bad.zip:feed.json" and "fact-check feed" in second.message
    assert Article.objects.count() == 0


# --- the CSV's separator and encoding, named --------------------------------------------------------


def test_a_named_separator_and_encoding_override_sniffing(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_FR)
    records = list(SourceReader(path, separator="semicolon", encoding="windows-1252", day_first=True))
    assert [r.body[:8] for r in records] == ["Sergueï ", "« Des co"]
    [error] = list(SourceReader(path, separator=",", day_first=True))
    assert (error.line, error.field) == (1, "body")
    assert "split by the comma named for this import" in error.message and "with a semicolon" in error.message
    errors = list(SourceReader(path, separator=";", encoding="utf-8", day_first=True))
    assert [(e.line, e.message.split(" (")[0]) for e in errors] == [(2, "not valid UTF-8"), (3, "not valid UTF-8")]
    with pytest.raises(ValueError, match="not a CSV separator"):
        SourceReader(path, separator="ab")
    with pytest.raises(ValueError, match="not an encoding"):
        SourceReader(path, encoding="klingon")


def test_the_command_takes_the_separator_and_encoding(project, max_, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_FR)
    call_command("import_articles", str(path), project=project.slug, user=max_.username,
                 separator=";", encoding="cp1252")
    assert Article.objects.count() == 2
    assert Job.objects.get().params["separator"] == ";"
    with pytest.raises(CommandError, match="--separator"):
        call_command("import_articles", str(path), project=project.slug, user=max_.username, separator="ab")
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), project=project.slug, user=max_.username, separator="|")
    assert Article.objects.count() == 2


# --- refused at upload time -------------------------------------------------------------------------

HUGE_GOOD = (json.dumps({"body": "Un article correct. " * 50}) + "\n").encode() * (2 * SNIFF_BYTES // 1000)


@pytest.mark.parametrize(("name", "data", "extra", "expect"), [
    ("a.jsonl", b'{"body": "caf\xe9"}\n', {}, "a.jsonl, line 1: not valid UTF-8"),
    ("a.jsonl", b'{"body": "ok"}\n{"body": \n', {}, "a.jsonl, line 2: not valid JSON"),
    ("a.csv", b"titre,corps\nA,B\n", {}, "a.csv, line 1, field 'body': no 'body' (or 'text') column"),
    ("a.csv", "body;title\nUn texte;Titre\n".encode(), {"separator": "|"}, "field 'body'"),
    ("a.csv", EXCEL_FR, {"encoding": "utf-8", "separator": ";"}, "a.csv, line 2: not valid UTF-8"),
    ("a.json", b"this is not json", {}, "a.json, line 1: not valid JSON"),
    ("a.zip", b"PK but not a zip at all", {}, "a.zip: is not a valid zip archive"),
    ("a.jsonl.gz", b"\x1f\x8b\x08\x00garbage-not-deflate", {}, "a.jsonl.gz: is not a valid .gz file"),
    ("a.pdf", b"%PDF-1.4", {}, "cannot tell the format"),
    ("feed.json", b'{"@type": "DataFeed", "dataFeedElement": [{"item": [{"@type": "ClaimReview", "url": "x"}]}]}', {},
     "field 'dataFeedElement[0].item[0].url'"),
    ("a.csv", b"body\nx\n", {"encoding": "utf-16"}, "save the file as UTF-8"),
])
def test_the_api_refuses_an_unreadable_upload_at_once(project, max_, client, name, data, extra, expect):
    client.force_login(max_)
    response = client.post("/api/v1/articles/import/", {
        "project": project.slug, "file": SimpleUploadedFile(name, data), **extra,
    })
    assert response.status_code == 400, response.content
    assert expect in json.dumps(response.json(), ensure_ascii=False), response.json()
    assert Job.objects.count() == 0


def test_what_the_first_bytes_cannot_tell_is_left_to_the_job(project, max_, client):
    client.force_login(max_)
    late = HUGE_GOOD + b'{"body": ""}\n'  # the bad line lies past the sample
    response = client.post("/api/v1/articles/import/", {"project": project.slug, "file": SimpleUploadedFile("big.jsonl", late)})
    assert response.status_code == 202, response.content
    job = job_run(response.json()["id"], import_job_work)
    assert job is not None and job.status == "failed" and job.result["errors"][0]["field"] == "body"
    assert Article.objects.count() == 0


def test_precheck_cuts_the_sample_at_a_whole_line():
    # A line cut by the sample's end is not refused for being cut.
    assert precheck("big.jsonl", io.BytesIO(HUGE_GOOD), format="jsonl") is None
    assert precheck("big.csv", io.BytesIO(b"body\n" + b"x" * (SNIFF_BYTES + 10) + b"\n"), format="csv") is None
    gz = gzip.compress(HUGE_GOOD)
    assert precheck("big.jsonl.gz", io.BytesIO(gz), format="jsonl") is None
    assert precheck("empty.csv", io.BytesIO(b""), format="csv").message == "the file is empty"


def test_the_api_imports_a_feed_told_by_its_content_with_named_csv_options(project, max_, client):
    client.force_login(max_)
    feed = (FIXTURES / "factchecks" / "google_factcheck_api.json").read_bytes()
    response = client.post("/api/v1/articles/import/", {"project": project.slug, "file": SimpleUploadedFile("export.json", feed)})
    assert response.status_code == 202, response.content
    job = job_run(response.json()["id"], import_job_work)
    assert job.params["format"] == "claimreview" and job.result["created"] == 3
    assert ReferenceFactCheck.objects.count() == 3 and Article.objects.count() == 0
    response = client.post("/api/v1/articles/import/", {
        "project": project.slug, "file": SimpleUploadedFile("excel.csv", EXCEL_FR), "separator": ";",
        "encoding": "windows-1252",
    })
    assert response.status_code == 202, response.content
    job = job_run(response.json()["id"], import_job_work)
    assert job.params["separator"] == ";" and job.params["encoding"] == "windows-1252"
    assert job.status == "succeeded" and Article.objects.count() == 2


# --- the import page --------------------------------------------------------------------------------


def test_the_import_page_refuses_an_unreadable_file_at_once_and_passes_csv_options(project, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    url = reverse("ui:import", args=[project.slug])
    manager = Client()
    manager.force_login(users["max"])
    bad = manager.post(url, {"file": SimpleUploadedFile("a.csv", b"titre,corps\nA,B\n")})
    assert bad.status_code == 400 and "no &#x27;body&#x27; (or &#x27;text&#x27;) column" in bad.content.decode()
    assert Job.objects.count() == 0
    good = manager.post(url, {"file": SimpleUploadedFile("excel.csv", EXCEL_FR), "separator": ";", "encoding": "cp1252"})
    assert good.status_code == 302
    assert Job.objects.get().params == {"separator": ";", "encoding": "cp1252", "suggest": False}
    # Outsiders and anonymous clients never reach the check.
    charlie = Client()
    charlie.force_login(users["charlie"])
    assert charlie.post(url, {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 404
    assert Client().post(url, {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 302
    alice = Client()
    alice.force_login(users["alice"])
    assert alice.post(url, {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 403
    assert Job.objects.count() == 1


def test_a_csv_cut_inside_a_quoted_cell_is_not_refused():
    row = b'"Un titre","' + b"ligne\n" * 20 + b'fin"\n'
    data = b"title,body\n" + row * (SNIFF_BYTES // len(row) + 2)
    assert precheck("big.csv", io.BytesIO(data), format="csv") is None
    # The header and undecodable bytes are sure, though.
    assert precheck("big.csv", io.BytesIO(b"titre,corps\n" + data), format="csv").line == 1
