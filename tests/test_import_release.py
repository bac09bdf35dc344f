"""Re-importing a Workbench release: its claims file and articles table become articles and claims.

A real release of a seeded project is built through the release service, then its files are
imported into a fresh project: the zip as downloaded, a zip of the two files, and the claims file
alone (refused, naming the articles file it needs).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from annotations.importers.precheck import precheck
from annotations.importers.reader import SourceReader, detect_format
from annotations.importers.release import looks_like_articles, looks_like_records
from annotations.importers.tools import PROVENANCE_KEY
from annotations.models import (
    Article,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    DatasetRelease,
    Job,
    JobStatus,
    Membership,
    Project,
    Role,
    body_hash,
)
from annotations.services.adjudication import claim_adjudicate
from annotations.services.imports import (
    ImportRefused,
    articles_import,
    format_for_upload,
    import_job_start,
    import_job_work,
    source_import,
)
from annotations.services.jobs import job_run
from annotations.services.projects import default_scheme
from annotations.services.releases import release_job_create, release_job_work
from annotations.services.work import annotation_save, evidence_add
from annotations.ui.import_messages import translate_problem


pytestmark = pytest.mark.django_db

OTHER = (
    "Selon le Kremlin, aucune concession n'a été faite.\r\nLes deux présidents se reverront à "
    "Moscou, a dit Iouri Ouchakov. 𝔘 fin."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def release(project, article, alice, bob, rita, max_, verdicts) -> DatasetRelease:
    """A release (every format) of two articles, four adjudicated claims, two links."""
    Article.objects.filter(pk=article.pk).update(published_on=dt.date(2025, 8, 16), url="https://lemonde.example/a")
    body = OTHER.replace("\r\n", "\n")
    second = Article.objects.create(
        project=project, title="Kremlin", body=body, body_hash=body_hash(body), language="fr",
        external_id="k-1",
    )
    spans = [
        (article, "la position de la Russie restait inchangée", "supported", "refuted", "supported"),
        (article, "d'importantes concessions", "misleading", "misleading", None),  # unanimous
        (second, "aucune concession n'a été faite", "refuted", "supported", "refuted"),
        (second, "Les deux présidents se reverront à Moscou", "supported", "supported", None),
    ]
    claims = []
    for target, text, va, vb, final in spans:
        start = target.body.index(text)
        claim = Claim.objects.create(
            article=target, start=start, end=start + len(text), quote=text,
            statement=f"{text} (énoncé)", speaker="Lavrov", statement_date=dt.date(2025, 8, 17),
            kind="position", asserted_by_article=False,
            origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
        )
        annotation_save(claim=claim, annotator=alice, verdict=verdicts[va], confidence=4, rationale=f"Alice: {va}")
        annotation_save(claim=claim, annotator=bob, verdict=verdicts[vb], confidence=2, rationale="Bob")
        evidence = evidence_add(claim=claim, by=bob, stance="refutes", url="https://source.example/x", title="Source")
        if final is not None:
            claim_adjudicate(claim=claim, by=rita, verdict=verdicts[final], notes=f"kept {final}",
                             gold_evidence=[evidence])
        claims.append(claim)
    # One link across the two articles, one inside the first.
    ClaimRelation.objects.create(source=claims[0], target=claims[2], kind="contradicts", created_by=alice)
    ClaimRelation.objects.create(source=claims[1], target=claims[0], kind="supports", created_by=alice)
    job = release_job_create(project=project, by=max_, version="v1", inline=True)
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return DatasetRelease.objects.get(project=project)


@pytest.fixture
def fresh(users) -> Project:
    fresh = Project.objects.create(name="Fresh", slug="fresh", scheme=default_scheme(), language="fr")
    Membership.objects.create(user=users["max"], project=fresh, role=Role.MANAGER)
    return fresh


def _file(release: DatasetRelease, fmt: str) -> Path:
    return Path(release.files.get(format=fmt).file.path)


def _pair_zip(release: DatasetRelease, tmp_path: Path, *, records: str | None = None) -> Path:
    """The two files only, in a zip of another name, the claims file perhaps changed."""
    path = tmp_path / "both.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("claims.jsonl", records if records is not None else _file(release, "jsonl").read_text())
        zf.writestr("texts/articles.jsonl", _file(release, "articles").read_text())
    return path


def _compare(project: Project, fresh: Project) -> None:
    """The fresh project holds the release's articles and claims exactly."""
    old = {a.body: a for a in Article.objects.filter(project=project)}
    new = {a.body: a for a in Article.objects.filter(project=fresh)}
    assert set(new) == set(old)  # bodies byte-equal
    for body, article in new.items():
        assert article.title == old[body].title and article.external_id == old[body].external_id
        released = Claim.objects.filter(article=old[body]).order_by("start")
        imported = Claim.objects.filter(article=article).order_by("start")
        assert [(c.start, c.end, c.quote, c.statement, c.speaker, c.statement_date, c.kind) for c in imported] == [
            (c.start, c.end, c.quote, c.statement, c.speaker, c.statement_date, c.kind) for c in released
        ]
        kept = article.metadata[PROVENANCE_KEY]
        assert kept["tool"] == "workbench-release" and kept["article_id"] == old[body].pk
        for span, claim in zip(kept["spans"], released):
            assert (span["start"], span["end"], span["claim_id"]) == (claim.start, claim.end, claim.pk)
            assert span["verdict"]["code"] == claim.adjudication.verdict.code
            assert span["labels"] == [claim.adjudication.verdict.code]
            assert span["adjudication"]["notes"] == claim.adjudication.notes
            assert sorted(a["rationale"] for a in span["annotations"]) == sorted(
                claim.annotations.values_list("rationale", flat=True)
            )
    # Both links, the one across articles too, between the imported claims.
    links = {(r.source.quote, r.target.quote, r.kind) for r in ClaimRelation.objects.filter(source__article__project=fresh)}
    assert links == {
        (r.source.quote, r.target.quote, r.kind)
        for r in ClaimRelation.objects.filter(source__article__project=project)
    }


def test_the_release_zip_as_downloaded_imports_as_articles_and_claims(project, fresh, release, max_):
    path = _file(release, "zip")
    assert detect_format(path) == "release"
    report = source_import(project=fresh, path=path, by=max_)
    assert (report.records, report.created, report.claims, report.relations) == (2, 2, 4, 2)
    _compare(project, fresh)
    assert set(Claim.objects.filter(article__project=fresh).values_list("status", "origin")) == {
        ("candidate", "imported")
    }
    # Imported again: every article a duplicate, nothing added.
    again = source_import(project=fresh, path=path, by=max_, spans_as="accepted")
    assert (again.created, again.duplicates, again.claims, again.relations) == (0, 2, 0, 0)


def test_a_zip_of_the_two_files_imports_as_accepted_claims(project, fresh, release, max_, tmp_path):
    report = articles_import(project=fresh, path=_pair_zip(release, tmp_path), by=max_, spans_as="accepted")
    assert (report.created, report.claims, report.relations) == (2, 4, 2)
    _compare(project, fresh)
    assert set(Claim.objects.filter(article__project=fresh).values_list("status", flat=True)) == {"accepted"}
    assert set(Claim.objects.filter(article__project=fresh).values_list("decided_by", flat=True)) == {max_.pk}


def test_an_unzipped_release_folder_imports(project, fresh, release, max_, tmp_path):
    with zipfile.ZipFile(_file(release, "zip")) as zf:
        zf.extractall(tmp_path / "unzipped")
    assert detect_format(tmp_path / "unzipped") == "release"
    report = articles_import(project=fresh, path=tmp_path / "unzipped", by=max_)
    assert (report.created, report.claims, report.relations) == (2, 4, 2)


def test_a_link_to_an_article_already_in_the_project_is_left_out(project, fresh, release, max_, tmp_path):
    body = OTHER.replace("\r\n", "\n")
    Article.objects.create(project=fresh, title="déjà là", body=body, body_hash=body_hash(body))
    report = articles_import(project=fresh, path=_file(release, "zip"), by=max_)
    # The duplicate's claims are not imported, nor the link across to one of them.
    assert (report.created, report.duplicates, report.claims, report.relations) == (1, 1, 2, 1)


def test_the_claims_file_alone_is_refused_naming_the_articles_file(fresh, release, max_, tmp_path):
    path = Path(shutil.copy(_file(release, "jsonl"), tmp_path / "test-v1.jsonl"))
    assert looks_like_records(path.read_bytes()) and detect_format(path) == "release"
    assert looks_like_articles(_file(release, "articles").read_bytes())
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=fresh, path=path, by=max_)
    [error] = exc.value.errors
    assert (error.file, error.line) == ("test-v1.jsonl", None)
    assert "test-v1-articles.jsonl" in error.message and "carry no article texts" in error.message
    assert "test-v1-articles.jsonl" in str(exc.value)
    # Named as plain JSONL it is still told apart, and refused at upload time.
    with pytest.raises(ImportRefused):
        articles_import(project=fresh, path=path, by=max_, format="jsonl")
    problem = precheck(path.name, io.BytesIO(path.read_bytes()), format="jsonl")
    assert problem is not None and "test-v1-articles.jsonl" in problem.message
    assert not Article.objects.filter(project=fresh).exists()


def test_a_bad_claim_is_refused_naming_file_line_and_field(fresh, release, max_, tmp_path):
    lines = _file(release, "jsonl").read_text().splitlines()
    record = json.loads(lines[2])
    record["quote"] = "pas le texte"
    lines[2] = json.dumps(record, ensure_ascii=False)
    record = json.loads(lines[3])
    record["start"] = "12"
    lines[3] = json.dumps(record, ensure_ascii=False)
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=fresh, path=_pair_zip(release, tmp_path, records="\n".join(lines) + "\n"), by=max_)
    errors = {(e.file, e.line, e.field) for e in exc.value.errors}
    assert errors == {("both.zip:claims.jsonl", 3, "quote"), ("both.zip:claims.jsonl", 4, "start")}
    assert any("is not the text at" in e.message for e in exc.value.errors)
    assert not Article.objects.filter(project=fresh).exists()
    assert not Claim.objects.filter(article__project=fresh).exists()


def test_a_claim_of_an_article_not_in_the_table_is_refused(fresh, release, max_, tmp_path):
    lines = _file(release, "jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["article"]["id"] = 999_999
    lines[0] = json.dumps(record, ensure_ascii=False)
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=fresh, path=_pair_zip(release, tmp_path, records="\n".join(lines)), by=max_)
    [error] = exc.value.errors
    assert (error.line, error.field) == (1, "article.id")
    assert error.message == "article 999999 is not in both.zip:texts/articles.jsonl"
    assert not Article.objects.filter(project=fresh).exists()


def test_the_readers_messages_are_translated():
    from django.utils import translation

    with translation.override("fr"):
        for message in (
            "the release's claims carry no article texts; import them with its articles file "
            "(x-articles.jsonl): the release's zip as downloaded, or a zip of both files",
            "article 12 is not in a.zip:b.jsonl",
            "claim 3 is already on line 2",
            "holds two release articles files (a and b); keep one",
            "article 3 is already on line 2",
            "claim 4 has the span of claim 3 of the same article",
            '"x" is not a relation kind (same, contradicts, supports, related)',
            "holds no Workbench release claims file (JSONL); only a release made with its JSONL "
            "files can be imported",
            "holds two release claims files (a and b); keep one",
        ):
            assert translate_problem(message) != message, message


def test_a_zip_without_the_articles_table_is_refused_at_upload(fresh, release, max_, tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("claims.jsonl", _file(release, "jsonl").read_bytes())
    upload = SimpleUploadedFile("only.zip", data.getvalue())
    assert format_for_upload(upload) == "release"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        import_job_start(project=fresh, by=max_, upload=upload)
    assert "claims.jsonl-articles.jsonl" not in str(exc.value) and "claims-articles.jsonl" in str(exc.value)
    assert not Job.objects.filter(project=fresh).exists()


def test_the_api_imports_a_release_zip(project, fresh, release, max_, client, django_capture_on_commit_callbacks):
    client.force_login(max_)
    with _file(release, "zip").open("rb") as fh, django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("api:article-import-file"), {"project": fresh.slug, "file": fh, "spans_as": "accepted"})
    assert response.status_code == 202, response.content
    job = Job.objects.get(project=fresh)
    assert job.params == {"format": "release", "spans_as": "accepted"}
    job = job_run(job.pk, import_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["claims"], job.result["relations"]) == (4, 2)
    _compare(project, fresh)


@pytest.mark.parametrize("persona", ["charlie", "alice", "anonymous"])
def test_the_api_refuses_outsiders_and_non_managers(fresh, release, users, client, persona):
    if persona != "anonymous":
        client.force_login(users[persona])
    with _file(release, "zip").open("rb") as fh:
        response = client.post(reverse("api:article-import-file"), {"project": fresh.slug, "file": fh})
    assert response.status_code in (401, 403, 404)
    assert not Job.objects.filter(project=fresh).exists()


def test_the_web_page_detects_a_release_by_content(project, fresh, release, max_, client, django_capture_on_commit_callbacks):
    client.force_login(max_)
    data = _file(release, "zip").read_bytes()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("ui:import", args=[fresh.slug]),
            {"file": SimpleUploadedFile("export.zip", data), "spans_as": "accepted"},
        )
    assert response.status_code == 302, response.content
    job = job_run(Job.objects.get(project=fresh).pk, import_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["claims"] == 4


def test_the_command_imports_a_release(project, fresh, release, max_, capsys):
    call_command("import_articles", str(_file(release, "zip")), project=fresh.slug, spans_as="accepted",
                 user=max_.username)
    out = capsys.readouterr().out
    assert "4 claims (accepted) and 2 relations" in out
    _compare(project, fresh)


def test_the_reader_counts_its_progress(release):
    reader = SourceReader(_file(release, "zip"))
    assert reader.format == "release"
    items = list(reader)
    assert len(items) == 2
    assert 0 < reader.bytes_read <= reader.total_bytes


def test_a_second_run_of_the_job_restores_the_links_only(project, fresh, release, max_):
    from annotations.models import JobKind
    from annotations.services.jobs import job_create

    job = job_create(project=fresh, kind=JobKind.IMPORT, by=max_, params={})
    first = articles_import(project=fresh, path=_file(release, "zip"), by=max_, job_id=job.pk)
    assert (first.created, first.claims, first.relations) == (2, 4, 2)
    # As if the worker died after the articles and their claims were written, before the links.
    ClaimRelation.objects.filter(source__article__project=fresh).delete()
    second = articles_import(project=fresh, path=_file(release, "zip"), by=max_, job_id=job.pk)
    assert (second.created, second.duplicates, second.claims, second.relations) == (2, 0, 0, 2)
    third = articles_import(project=fresh, path=_file(release, "zip"), by=max_, job_id=job.pk)
    assert third.relations == 0
    assert Claim.objects.filter(article__project=fresh).count() == 4
    _compare(project, fresh)


def test_a_bad_link_is_refused_naming_its_field(fresh, release, max_, tmp_path):
    lines = _file(release, "jsonl").read_text().splitlines()
    number, record = next((i, json.loads(x)) for i, x in enumerate(lines) if json.loads(x)["relations"])
    record["relations"][0]["kind"] = "refutes"
    lines[number] = json.dumps(record, ensure_ascii=False)
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=fresh, path=_pair_zip(release, tmp_path, records="\n".join(lines)), by=max_)
    [error] = exc.value.errors
    assert (error.line, error.field) == (number + 1, "relations[0].kind")
    assert error.message.startswith('"refutes" is not a relation kind')
    assert not Article.objects.filter(project=fresh).exists()
