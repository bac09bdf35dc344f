"""Compressed and sniffed input: .gz of any format, CSV separators and encodings, day-first dates."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.importers.reader import Limits, SourceReader, format_for_name
from annotations.models import Article, Claim, Job
from annotations.services.imports import ImportRefused, articles_import

pytestmark = pytest.mark.django_db

TOOLS = Path(__file__).parent / "fixtures" / "tools"
# What Excel writes as "CSV" on a French Windows: semicolons, Windows-1252, day-first dates.
EXCEL_FR = (
    "titre;body;published;outlet\r\n"
    "Sommet;Sergueï Lavrov a déclaré que la position de la Russie restait inchangée.;25/09/2025;Le Monde\r\n"
    "Vance;« Des concessions importantes », selon JD Vance.;01/10/2025;Libération\r\n"
).encode("cp1252")


def _gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as fh:
        fh.write(data)
    return path


def test_it_imports_gz_of_jsonl_csv_and_a_label_studio_export(project, max_, tmp_path):
    jsonl = _gz(tmp_path / "a.jsonl.gz", (json.dumps({"body": "Un article compressé."}) + "\n").encode())
    assert articles_import(project=project, path=jsonl, by=max_).created == 1
    csv_gz = _gz(tmp_path / "b.csv.gz", b"title,body\nDeux,Un second article compresse.\n")
    assert articles_import(project=project, path=csv_gz, by=max_).created == 1
    ls = _gz(tmp_path / "ls.json.gz", (TOOLS / "label_studio.json").read_bytes())
    report = articles_import(project=project, path=ls, by=max_)
    assert (report.created, report.claims) == (2, 3)
    assert Article.objects.count() == 4 and Claim.objects.count() == 3


def test_it_names_the_format_inside_a_gz():
    assert [format_for_name(n) for n in ("a.jsonl.gz", "b.CSV.GZ", "c.json.gz", "d.html.gz")] == [
        "jsonl", "csv", "labelstudio", "html",
    ]
    for name in ("e.gz", "f.zip.gz"):
        with pytest.raises(ValueError, match="inside the .gz"):
            format_for_name(name)


def test_it_refuses_a_gzip_bomb_and_a_corrupt_gz(tmp_path):
    bomb = _gz(tmp_path / "bomb.jsonl.gz", b"\n" * 5_000_000)
    [error] = list(SourceReader(bomb, limits=Limits(unzipped_bytes=1_000_000)))
    assert error.line is None and "unpacks to more than" in error.message
    good = gzip.compress(((json.dumps({"body": "x" * 1000}) + "\n") * 50).encode())
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(good[: len(good) // 2])
    items = list(SourceReader(broken))
    assert "not a valid .gz" in items[-1].message


def test_it_sniffs_a_french_excel_csv(project, max_, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_FR)
    # The project is French: dates are day first.
    assert articles_import(project=project, path=path, by=max_).created == 2
    lavrov = Article.objects.get(outlet__name="Le Monde")
    assert lavrov.body.startswith("Sergueï Lavrov a déclaré")
    assert str(lavrov.published_on) == "2025-09-25"
    assert lavrov.metadata == {"titre": "Sommet"}
    assert Article.objects.get(outlet__name="Libération").body.startswith("« Des concessions")


def test_day_first_dates_need_a_french_project_or_the_option(project, max_, tmp_path):
    project.language = "en"
    project.save()
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_FR)
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    assert [(e.line, e.field) for e in exc.value.errors] == [(2, "published"), (3, "published")]
    assert "day-first date" in exc.value.errors[0].message
    assert not Article.objects.exists()
    assert articles_import(project=project, path=path, by=max_, day_first=True).created == 2
    # A date that is not one stays refused, day first or not.
    bad = tmp_path / "bad.csv"
    bad.write_text("body;published\nUn autre texte.;31/02/2025\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="1 bad line"):
        articles_import(project=project, path=bad, by=max_, day_first=True)


def test_it_names_the_real_cause_when_no_separator_gives_a_body_column(project, max_, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes("titre;corps;date\nSommet;Texte;25/09/2025\n".encode("cp1252"))
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    [error] = exc.value.errors
    assert (error.line, error.field) == (1, "body")
    assert "with any separator (comma, semicolon, tab, vertical bar)" in error.message
    assert "'titre;corps;date'" in error.message


def test_the_command_and_the_api_pass_day_first(project, max_, client, tmp_path):
    project.language = "en"
    project.save()
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_FR)
    call_command("import_articles", str(path), project=project.slug, day_first=True, user=max_.username)
    assert Article.objects.count() == 2
    client.force_login(max_)
    with path.open("rb") as fh:
        response = client.post(
            "/api/v1/articles/import/", {"project": project.slug, "file": fh, "day_first": "true"}
        )
    assert response.status_code == 202, response.content
    assert Job.objects.latest("pk").params == {"format": "csv", "day_first": True}
    with path.open("rb") as fh:
        refused = client.post("/api/v1/articles/import/", {"project": project.slug, "file": fh})
    # Without day_first in an English project the first line is sure to be refused: at upload time.
    assert refused.status_code == 400 and "is a day-first date" in refused.json()["file"][0]
    assert Job.objects.count() == 2  # the command's and the first upload's


def test_a_gz_upload_keeps_its_name(project, max_, tmp_path):
    source = _gz(tmp_path / "a.jsonl.gz", (json.dumps({"body": "Un article compressé."}) + "\n").encode())
    copy = Path(shutil.copy(source, tmp_path / "copy.jsonl.gz"))
    assert SourceReader(copy).format == "jsonl"
