"""Importing articles: every format, bad lines refused whole, duplicates, size and encoding."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations.models import Article, Claim, Job, JobKind, JobStatus, Membership, Outlet, Project
from annotations.services.imports import CHUNK_SIZE, ImportRefused, articles_import, import_job_work
from annotations.services.jobs import job_create, job_run
from annotations.services.seeds import DEMO_USERS, PROJECT_SLUG

pytestmark = pytest.mark.django_db


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _body(i: int, size: int = 200) -> str:
    return f"Article {i} : " + ("La Russie a déclaré que sa position restait inchangée. " * (size // 55 + 1))[:size]


def test_it_imports_jsonl_with_its_metadata(project, max_, tmp_path):
    path = _write(tmp_path / "a.jsonl", [
        {"title": "Lavrov", "body": "Lavrov a parlé.\r\nFin.", "outlet": "TASS", "url": "https://tass.com/1",
         "published": "2025-10-21", "author": "Rédaction", "lang": "fr", "id": "x1",
         "metadata": {"tags": ["Russie"]}, "section": "Monde"},
        {"text": "Vance a parlé.", "published_on": "2025-08-17T10:00:00Z"},
    ])
    report = articles_import(project=project, path=path, by=max_)
    assert (report.records, report.created, report.duplicates) == (2, 2, 0)
    first, second = Article.objects.order_by("id")
    assert first.body == "Lavrov a parlé.\nFin."  # line endings unified
    assert (first.title, first.author, first.url, str(first.published_on)) == (
        "Lavrov", "Rédaction", "https://tass.com/1", "2025-10-21")
    assert first.outlet == Outlet.objects.get(name="TASS")
    assert first.metadata == {"section": "Monde", "tags": ["Russie"]}
    assert (first.external_id, first.language) == ("x1", "fr")
    assert str(second.published_on) == "2025-08-17"
    assert second.language == project.language


def test_it_imports_csv_with_a_bom_and_multiline_bodies(project, max_, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("\ufefftitle,body,outlet\nUn,\"Ligne 1\nLigne 2, avec virgule\",TASS\nDeux,Corps deux,\n".encode())
    report = articles_import(project=project, path=path, by=max_)
    assert report.created == 2
    assert Article.objects.get(title="Un").body == "Ligne 1\nLigne 2, avec virgule"


def test_it_imports_a_text_file_a_zip_and_a_folder(project, max_, tmp_path):
    (tmp_path / "one.txt").write_text("## Titre du texte\n\nCorps du texte.\n", encoding="utf-8")
    assert articles_import(project=project, path=tmp_path / "one.txt", by=max_).created == 1
    assert Article.objects.get().title == "Titre du texte"
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", "Premier article.")
        zf.writestr("sub/b.txt", "Deuxième article.")
    assert articles_import(project=project, path=archive, by=max_).created == 2
    folder = tmp_path / "folder"
    (folder / "nested").mkdir(parents=True)
    (folder / "c.txt").write_text("Troisième article.", encoding="utf-8")
    (folder / "nested" / "d.txt").write_text("Premier article.", encoding="utf-8")  # duplicate
    report = articles_import(project=project, path=folder, by=max_)
    assert (report.created, report.duplicates) == (1, 1)
    assert Article.objects.count() == 4


def test_it_refuses_a_file_with_bad_lines_and_names_each(project, max_, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"body": "Bon article."}) + "\n"
        + "{pas du json}\n"
        + json.dumps({"title": "Sans corps"}) + "\n"
        + "\n"
        + json.dumps({"body": "Date", "published": "31/02/2025"}) + "\n"
        + json.dumps({"body": "Lien", "url": "javascript:alert(1)"}) + "\n"
        + json.dumps(["not", "an", "object"]) + "\n"
        + json.dumps({"body": "Titre", "title": "x" * 501}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    errors = [(e.line, e.field) for e in exc.value.errors]
    assert errors == [(2, None), (3, "body"), (5, "published"), (6, "url"), (7, None), (8, "title")]
    assert all(e.file == "bad.jsonl" for e in exc.value.errors)
    assert "6 bad lines; nothing was imported" in str(exc.value)
    assert not Article.objects.exists()


def test_it_reports_csv_errors_by_physical_line(project, max_, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('title,body\nA,"Corps\nsur deux lignes"\nB\nC,\n', encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    assert [(e.line, e.field) for e in exc.value.errors] == [(4, None), (5, "body")]
    assert not Article.objects.exists()


def test_it_refuses_a_csv_without_a_body_column(project, max_, tmp_path):
    path = tmp_path / "nobody.csv"
    path.write_text("title,content\nA,B\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    assert exc.value.errors[0].field == "body"


def test_it_refuses_a_file_that_is_not_utf8_naming_the_line(project, max_, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        (json.dumps({"body": "ok"}) + "\n").encode()
        + '{"body": "déclaré"}\n'.encode("latin-1")
    )
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    [error] = exc.value.errors
    assert error.line == 2
    assert "UTF-8" in error.message and "0xe9" in error.message
    text = tmp_path / "latin1.txt"
    text.write_bytes("Première ligne\nDeuxième é".encode("latin-1"))
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=text, by=max_)
    assert exc.value.errors[0].line == 1
    assert not Article.objects.exists()


def test_it_refuses_an_unknown_extension_and_a_missing_file(project, max_, tmp_path):
    odd = tmp_path / "articles.xml"
    odd.write_text("<a/>")
    with pytest.raises(ImportRefused, match="format"):
        articles_import(project=project, path=odd, by=max_)
    with pytest.raises(ImportRefused, match="no such file"):
        articles_import(project=project, path=tmp_path / "missing.jsonl", by=max_)


def test_it_skips_and_reports_duplicates(project, max_, tmp_path):
    _write(tmp_path / "first.jsonl", [{"body": _body(1)}])
    articles_import(project=project, path=tmp_path / "first.jsonl", by=max_)
    path = _write(tmp_path / "second.jsonl", [
        {"body": _body(1), "title": "déjà là"}, {"body": _body(2)}, {"body": _body(2), "title": "répété"},
    ])
    report = articles_import(project=project, path=path, by=max_)
    assert (report.created, report.duplicates) == (1, 2)
    assert [(d["line"], d["title"]) for d in report.duplicate_lines] == [(1, "déjà là"), (3, "répété")]
    assert Article.objects.count() == 2


def test_it_imports_a_20_megabyte_file(project, max_, tmp_path):
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(7000):
            fh.write(json.dumps({"title": f"T{i}", "body": _body(i, 3000)}, ensure_ascii=False) + "\n")
    assert path.stat().st_size > 20_000_000
    report = articles_import(project=project, path=path, by=max_)
    assert report.created == 7000
    assert Article.objects.count() == 7000


def test_it_refuses_imports_from_non_managers(project, users, tmp_path):
    from django.core.exceptions import PermissionDenied

    from annotations.access import NotFound

    path = _write(tmp_path / "a.jsonl", [{"body": "x"}])
    with pytest.raises(PermissionDenied):
        articles_import(project=project, path=path, by=users["rita"])
    with pytest.raises(NotFound):
        articles_import(project=project, path=path, by=users["charlie"])
    assert not Article.objects.exists()


def test_each_article_gets_its_own_detected_language_across_many_chunks(project, max_, tmp_path, monkeypatch):
    """Languages are detected a chunk at a time, several chunks ahead of the writes: each still
    lands on its own article, and a language the file gives is kept."""
    from annotations.services import imports

    monkeypatch.setattr(imports._Languages, "PENDING", 2)  # the reader must wait for detection
    english = "The Russian minister said on Tuesday that the position of Moscow had not changed at all."
    rows = []
    for i in range(3 * CHUNK_SIZE + 7):
        if i % 3 == 0:
            rows.append({"body": _body(i)})  # French, detected
        elif i % 3 == 1:
            rows.append({"body": f"Article {i}. {english}"})  # English, detected
        else:
            rows.append({"body": f"Article {i}. {english}", "language": "de"})  # as the file says
    path = _write(tmp_path / "mixed.jsonl", rows)
    report = articles_import(project=project, path=path, by=max_)
    assert report.created == len(rows)
    languages = dict(Article.objects.values_list("body", "language"))
    assert [languages[row["body"]] for row in rows] == [("fr", "en", "de")[i % 3] for i in range(len(rows))]


def test_it_resumes_a_job_that_stopped_mid_import(project, max_, tmp_path):
    """A worker dying mid-import leaves the job running; running it again finishes the file."""
    n = CHUNK_SIZE + 500
    path = _write(tmp_path / "a.jsonl", [{"body": _body(i)} for i in range(n)] + [{"body": _body(3)}])
    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})

    def crash_after_first_chunk(job, progress):
        def crashing(phase, done, total):
            progress(phase, done, total)
            if phase == "importing":
                raise SystemExit("worker killed")
        return import_job_work(job, crashing)

    with pytest.raises(SystemExit):
        job_run(job.pk, crash_after_first_chunk)
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert Article.objects.count() == CHUNK_SIZE
    job = job_run(job.pk, import_job_work)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.result["created"], job.result["duplicates"]) == (n, 1)
    assert job.attempts == 2
    assert Article.objects.count() == n
    assert job_run(job.pk, import_job_work) is None  # finished jobs are left alone


def test_the_command_prints_a_summary_and_fails_on_refusal(project, max_, tmp_path, capsys):
    good = _write(tmp_path / "good.jsonl", [{"body": "Un."}, {"body": "Deux."}, {"body": "Un."}])
    call_command("import_articles", str(good), "--project", "test")
    out = capsys.readouterr().out
    assert "3 articles read, 2 imported, 1 duplicate skipped" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"body": "ok"}\n{"title": "no body"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_articles", str(bad), "--project", "test")
    assert "bad.jsonl, line 2, field 'body'" in capsys.readouterr().err
    assert Article.objects.count() == 2
    with pytest.raises(CommandError, match="no project"):
        call_command("import_articles", str(good), "--project", "nope")


def test_the_seeds_load_twice_without_duplicates(capsys):
    call_command("load_seeds", "--password", "pw")
    suggested = Claim.objects.filter(article__project__slug=PROJECT_SLUG, status="candidate").count()
    assert suggested > 0  # a new demo project starts with suggested claims to accept or reject
    call_command("load_seeds", "--password", "other")
    project = Project.objects.get(slug=PROJECT_SLUG)
    assert Claim.objects.filter(article__project=project).count() == suggested
    assert project.name == "Anchorage summit 2025"
    assert (project.overlap, project.scheme.is_default, project.language) == (2, True, "fr")
    assert Article.objects.filter(project=project).count() == 5
    assert get_user_model().objects.filter(username__in=DEMO_USERS).count() == 5
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {name: role for name, (role, _) in DEMO_USERS.items()}
    assert get_user_model().objects.get(username="alice").check_password("pw")
    seeds = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
    for article in Article.objects.filter(project=project):
        # The bodies are the seed files byte for byte, so gold offsets hold.
        assert article.body == (seeds / f"{article.external_id}.txt").read_text(encoding="utf-8")
        assert article.language == "fr"
    lombardi = Article.objects.get(external_id__startswith="002")
    assert (lombardi.author, lombardi.outlet.name) == ("Roland Lombardi", "Le Diplomate Média")
    assert "0 imported, 5 duplicates skipped" in capsys.readouterr().out


def test_it_queues_suggestions_after_an_import_when_the_project_asks(
    project, max_, tmp_path, django_capture_on_commit_callbacks
):
    path = _write(tmp_path / "a.jsonl", [{"body": _body(1)}, {"body": _body(2)}])
    plain = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})
    job_run(plain.pk, import_job_work)
    assert not Job.objects.filter(kind=JobKind.SUGGEST).exists()
    project.suggest_on_import = True
    project.save()
    path2 = _write(tmp_path / "b.jsonl", [{"body": _body(3)}])
    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path2)})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_run(job.pk, import_job_work)
    suggest = Job.objects.get(kind=JobKind.SUGGEST)
    assert suggest.params["import_job"] == job.pk
    assert len(callbacks) == 1
