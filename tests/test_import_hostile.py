"""Hostile imports: whatever the bytes, an import writes all of its articles or none.

Each bad value sits on a late line of a large source (line 2,501, after the first write chunk of
2,000), so a check that came only at write time would leave the first chunk committed. The
import runs as a job, so its refusal is also stored on the Job: on PostgreSQL that proves the
reported error itself (which quotes the bad key) is storable.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DataError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.api.serializers import ArticleWriteSerializer
from annotations.importers.reader import RATIO_FLOOR, Limits, SourceReader, size_text
from annotations.models import Article, Job, JobKind, JobStatus, Outlet
from annotations.services import imports
from annotations.services.articles import article_save
from annotations.services.imports import (
    CHUNK_SIZE,
    ImportRefused,
    articles_import,
    import_job_undo,
    import_job_work,
)
from annotations.services.jobs import job_create, job_run
from annotations.uploads import CappedTemporaryFileUploadHandler

pytestmark = pytest.mark.django_db

GOOD = 2500  # records before the bad one: more than one write chunk
LATE = GOOD + 1
assert GOOD > CHUNK_SIZE


def _good(i: int) -> dict:
    return {"title": f"Article {i}", "body": f"Article {i} : la position russe reste inchangée.",
            "outlet": "Le Monde"}


def _jsonl(path: Path, bad_line: str) -> Path:
    """GOOD valid records, then `bad_line` as line LATE."""
    lines = [json.dumps(_good(i), ensure_ascii=False) for i in range(GOOD)]
    path.write_text("\n".join(lines) + "\n" + bad_line + "\n", encoding="utf-8")
    return path


def _run(project, by, path: Path) -> Job:
    """Run an import job for the path in this process, as a worker would."""
    job = job_create(project=project, kind=JobKind.IMPORT, by=by, params={"path": str(path)})
    job = job_run(job.pk, import_job_work)
    assert job is not None
    return job


def _assert_refused(job: Job, *, file: str, line: int | None, field: str | None, says: str) -> None:
    """The job failed on exactly one bad line, the one given, and nothing was written."""
    assert job.status == JobStatus.FAILED, job.error
    assert "nothing was imported" in job.error
    assert job.result["refused"] is True
    [error] = job.result["errors"]
    assert (error["file"], error["line"], error["field"]) == (file, line, field), error
    assert says in error["message"], error["message"]
    assert not Article.objects.filter(import_job=job).exists()


@pytest.fixture
def before(article):
    """The database holds one article (and no outlet) before each hostile import."""
    return Article.objects.count(), Outlet.objects.count()


def _unchanged(before) -> bool:
    return (Article.objects.count(), Outlet.objects.count()) == before


def _nest(depth: int) -> object:
    value: object = "fond"
    for _ in range(depth):
        value = [value]
    return value


BODY = "Un texte valide."

# (id, the bad JSON line, field named, words of the message)
JSONL_CASES = [
    ("nul-body", json.dumps({"body": "Avant\u0000après"}), "body", "NUL character"),
    ("nul-title", json.dumps({"body": BODY, "title": "Titre\u0000"}), "title", "NUL"),
    ("nul-author", json.dumps({"body": BODY, "author": "\u0000Auteur"}), "author", "NUL"),
    ("nul-url", json.dumps({"body": BODY, "url": "https://example.org/\u0000"}), "url", "NUL"),
    ("nul-external-id", json.dumps({"body": BODY, "id": "lm-\u0000"}), "id", "NUL"),
    ("nul-outlet", json.dumps({"body": BODY, "outlet": "Le\u0000Monde"}), "outlet", "NUL"),
    ("nul-language", json.dumps({"body": BODY, "lang": "fr\u0000"}), "lang", "NUL"),
    ("nul-metadata-key", json.dumps({"body": BODY, "metadata": {"sec\u0000tion": "Monde"}}),
     "metadata.sec\\x00tion", "key that contains a NUL"),
    ("nul-nested-metadata-value",
     json.dumps({"body": BODY, "metadata": {"source": {"tags": ["ok", "x\u0000"]}}}),
     "metadata.source.tags[1]", "NUL"),
    ("nul-unknown-column", json.dumps({"body": BODY, "section": {"nom": "\u0000"}}),
     "section.nom", "NUL"),
    ("surrogate-body", json.dumps({"body": "Avant \ud800 après"}), "body", "lone surrogate (U+D800)"),
    ("surrogate-title", json.dumps({"body": BODY, "title": "\udfff"}), "title", "lone surrogate"),
    ("surrogate-metadata-key", json.dumps({"body": BODY, "metadata": {"\udc00": 1}}),
     "metadata.\\udc00", "key that contains a lone surrogate"),
    ("surrogate-nested-metadata-value",
     json.dumps({"body": BODY, "metadata": {"a": [{"b": "\ud83d"}]}}), "metadata.a[0].b",
     "lone surrogate (U+D83D)"),
    ("nan-metadata", json.dumps({"body": BODY, "metadata": {"score": float("nan")}}),
     "metadata.score", "nan is not a number JSON can hold"),
    ("infinity-metadata", '{"body": "%s", "metadata": {"v": [1e400]}}' % BODY, "metadata.v[0]",
     "inf is not a number JSON can hold"),
    ("nan-external-id", '{"body": "%s", "id": NaN}' % BODY, "id", "not an identifier"),
    ("deep-metadata", json.dumps({"body": BODY, "metadata": {"a": _nest(40)}}), "metadata.a",
     "nested more than 32 levels deep"),
    ("deep-beyond-python", '{"body": "%s", "metadata": %s1%s}' % (BODY, "[" * 100_000, "]" * 100_000),
     "metadata", "nested more than 32 levels deep"),
    ("oversize-body", json.dumps({"body": "é" * 5_000_001}), "body",
     "is 5,000,001 characters; an article is at most 5,000,000"),
    ("long-title", json.dumps({"body": BODY, "title": "t" * 501}), "title", "at most 500"),
    ("long-author", json.dumps({"body": BODY, "author": "a" * 301}), "author", "at most 300"),
    ("long-external-id", json.dumps({"body": BODY, "id": "i" * 201}), "id", "at most 200"),
    ("long-outlet", json.dumps({"body": BODY, "outlet": "o" * 201}), "outlet", "at most 200"),
    ("long-outlet-domain", json.dumps({"body": BODY, "outlet_domain": "d" * 201}), "outlet_domain",
     "at most 200"),
    ("long-language", json.dumps({"body": BODY, "lang": "l" * 13}), "lang", "at most 12"),
    ("long-url", json.dumps({"body": BODY, "url": "https://example.org/" + "u" * 1981}), "url",
     "at most 2000"),
    ("date-past-9999", json.dumps({"body": BODY, "published": "10000-01-01"}), "published",
     "not a date"),
    ("date-year-0", json.dumps({"body": BODY, "published": "0000-12-31"}), "published",
     "not a date"),
    ("big-metadata", json.dumps({"body": BODY, "metadata": {"x": "m" * 1_000_001}}), "metadata",
     "at most 1,000,000"),
    ("huge-integer", '{"body": "%s", "metadata": {"n": 1%s}}' % (BODY, "0" * 5000), None,
     "not valid JSON"),
]


@pytest.mark.parametrize(
    ("bad_line", "field", "says"), [case[1:] for case in JSONL_CASES], ids=[case[0] for case in JSONL_CASES]
)
def test_it_refuses_a_hostile_jsonl_line_and_writes_nothing(
    project, max_, tmp_path, before, bad_line, field, says
):
    job = _run(project, max_, _jsonl(tmp_path / "late.jsonl", bad_line))
    _assert_refused(job, file="late.jsonl", line=LATE, field=field, says=says)
    assert _unchanged(before)


def _csv(path: Path, bad_row: bytes, header: bytes = b"title,body,outlet,section\n") -> Path:
    rows = b"".join(f"Article {i},Article {i} : texte,Le Monde,Monde\n".encode() for i in range(GOOD))
    path.write_bytes(header + rows + bad_row)
    return path


@pytest.mark.parametrize(
    ("bad_row", "field", "says"),
    [
        (b'Titre,"Avant\x00apr\xc3\xa8s",Le Monde,Monde\n', "body", "NUL character"),
        (b"Titre,Texte,Le Monde,Mon\x00de\n", "section", "NUL"),
        (b"Titre\x00,Texte,Le Monde,Monde\n", "title", "NUL"),
        (b'Titre,"{""metadata"": 1}",Le\x00Monde,\n', "outlet", "NUL"),
    ],
    ids=["raw-nul-body", "raw-nul-unknown-column", "raw-nul-title", "raw-nul-outlet"],
)
def test_it_refuses_a_raw_nul_byte_in_a_csv(project, max_, tmp_path, before, bad_row, field, says):
    job = _run(project, max_, _csv(tmp_path / "late.csv", bad_row))
    # The header is line 1, so the bad row is physical line LATE + 1.
    _assert_refused(job, file="late.csv", line=LATE + 1, field=field, says=says)
    assert _unchanged(before)


def test_it_refuses_json_escapes_in_a_csv_metadata_column(project, max_, tmp_path, before):
    header = b"title,body,metadata\n"
    rows = b"".join(f"T{i},Texte {i},{{}}\n".encode() for i in range(GOOD))
    path = tmp_path / "meta.csv"
    path.write_bytes(header + rows + b'T,Texte,"{""a"": ""\\u0000"", ""b"": NaN}"\n')
    job = _run(project, max_, path)
    _assert_refused(job, file="meta.csv", line=LATE + 1, field="metadata.a", says="NUL")
    assert _unchanged(before)


def test_it_refuses_an_encoded_surrogate_in_a_csv_as_bad_utf8(project, max_, tmp_path, before):
    # UTF-8 cannot carry a surrogate: the bytes of one are a decoding error, on its line.
    job = _run(project, max_, _csv(tmp_path / "surrogate.csv", b"Titre,Avant \xed\xa0\x80,Le Monde,\n"))
    _assert_refused(job, file="surrogate.csv", line=LATE + 1, field=None, says="not valid UTF-8")
    assert _unchanged(before)


def test_it_refuses_a_nul_in_a_text_file_and_in_a_late_zip_member(project, max_, tmp_path, before):
    text = tmp_path / "one.txt"
    text.write_bytes(b"Titre\n\nAvant\x00apr\xc3\xa8s\n")
    _assert_refused(_run(project, max_, text), file="one.txt", line=1, field="body", says="NUL")
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(LATE + 99):
            bad = i == GOOD  # the 2,501st member in name order
            zf.writestr(f"a{i:05d}.txt", f"Article {i}\n\nTexte{chr(0) if bad else ''} {i}.")
    job = _run(project, max_, archive)
    _assert_refused(job, file=f"many.zip:a{GOOD:05d}.txt", line=1, field="body", says="NUL")
    assert _unchanged(before)


def _zip_with_bomb(path: Path, bomb: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(GOOD):
            zf.writestr(f"a{i:05d}.txt", f"Article {i}\n\nTexte {i}.")
        zf.writestr("z-bomb.txt", bomb)
    return path


def test_it_refuses_a_zip_member_that_inflates_too_much(project, max_, tmp_path, before):
    archive = _zip_with_bomb(tmp_path / "bomb.zip", b"a" * (10 * RATIO_FLOOR))
    assert archive.stat().st_size < 400_000  # a few KB of bomb among small articles
    job = _run(project, max_, archive)
    _assert_refused(job, file="bomb.zip:z-bomb.txt", line=None, field=None, says="at most 100:1")
    assert _unchanged(before)


def test_it_refuses_a_zip_member_larger_than_an_article(project, max_, tmp_path, before, settings):
    settings.ARTICLE_BODY_MAX_CHARS = 100_000  # a member can hold at most 4 bytes a character
    settings.IMPORT_MAX_ZIP_RATIO = 10_000  # so it is the size that refuses it, not the ratio
    archive = _zip_with_bomb(tmp_path / "big.zip", b"a" * 400_004)
    job = _run(project, max_, archive)
    _assert_refused(job, file="big.zip:z-bomb.txt", line=1, field="body", says="more than an article can hold")
    assert _unchanged(before)


def test_it_refuses_a_zip_whose_members_declare_too_much_before_inflating_any(
    project, max_, tmp_path, before, settings, monkeypatch
):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 60_000
    archive = _zip_with_bomb(tmp_path / "large.zip", b"Titre\n\n" + b"x" * 30_000)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was inflated"))
    job = _run(project, max_, archive)
    _assert_refused(job, file="large.zip", line=None, field=None, says="an archive may unpack to at most")
    assert _unchanged(before)


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the central directory so `member` claims to hold `declared` bytes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.rfind(b"PK\x01\x02")  # the last central directory entry
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            struct.pack_into("<I", data, at + 24, declared)
            path.write_bytes(bytes(data))
            return
        at = data.rfind(b"PK\x01\x02", 0, at)
    raise AssertionError(f"{member} not in {path}")


def test_it_refuses_a_zip_member_whose_header_lies_about_its_size(project, max_, tmp_path, before):
    archive = _zip_with_bomb(tmp_path / "liar.zip", b"a" * (10 * RATIO_FLOOR))
    _lie_about_size(archive, "z-bomb.txt", 100)  # small enough to pass both declared checks
    job = _run(project, max_, archive)
    _assert_refused(job, file="liar.zip:z-bomb.txt", line=None, field=None, says="cannot be unpacked")
    assert _unchanged(before)


def test_the_reader_never_inflates_past_the_declared_size(tmp_path):
    archive = _zip_with_bomb(tmp_path / "liar.zip", b"a" * (10 * RATIO_FLOOR))
    _lie_about_size(archive, "z-bomb.txt", 100)
    items = list(SourceReader(archive, limits=Limits()))
    assert len(items) == GOOD + 1
    assert all(len(getattr(item, "body", "")) < 100 for item in items)


# --- oversize uploads: refused before any job exists -------------------------------------------


@pytest.fixture
def small_uploads(settings, tmp_path):
    """Uploads to a temporary MEDIA_ROOT, at most 50 KB; the late-line file is larger."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_MAX_UPLOAD_BYTES = 50_000
    path = _jsonl(tmp_path / "large.jsonl", json.dumps(_good(GOOD)))
    assert path.stat().st_size > 50_000
    return path


def test_the_service_refuses_an_oversize_source_before_reading_it(
    project, max_, small_uploads, before, monkeypatch
):
    monkeypatch.setattr(imports, "_validate", lambda *a: pytest.fail("the source was read"))
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=small_uploads, by=max_)
    [error] = exc.value.errors
    assert (error.file, error.line, error.field) == ("large.jsonl", None, None)
    assert "more than the 48.8 KB an import may hold" in str(exc.value)
    with pytest.raises(ImportRefused):
        imports.import_job_start(project=project, by=max_, path=str(small_uploads))
    assert not Job.objects.exists()
    assert _unchanged(before)


def test_the_ui_refuses_an_oversize_upload(project, max_, small_uploads, before):
    client = Client()
    client.force_login(max_)
    upload = SimpleUploadedFile("large.jsonl", small_uploads.read_bytes())
    response = client.post(reverse("ui:import", args=[project.slug]), {"file": upload})
    assert response.status_code == 400
    size = size_text(small_uploads.stat().st_size)
    assert f"large.jsonl: refused, the file is {size}, more than" in response.content.decode()
    assert "more than the 48.8 KB an import may hold" in response.content.decode()
    assert not Job.objects.exists()
    assert _unchanged(before)


def test_the_api_refuses_an_oversize_upload(project, max_, small_uploads, before):
    client = APIClient()
    client.force_authenticate(max_)
    upload = SimpleUploadedFile("large.jsonl", small_uploads.read_bytes())
    response = client.post(
        "/api/v1/articles/import/", {"project": project.slug, "file": upload}, format="multipart"
    )
    assert response.status_code == 400, response.content
    [message] = response.json()["file"]
    size = size_text(small_uploads.stat().st_size)
    assert message == (
        f"large.jsonl: refused, the file is {size}, more than the 48.8 KB an import may hold; "
        "nothing was imported"
    )
    assert not Job.objects.exists()
    assert _unchanged(before)


def test_the_admin_refuses_an_oversize_upload(project, max_, small_uploads, before):
    client = Client()
    client.force_login(max_)
    upload = SimpleUploadedFile("large.jsonl", small_uploads.read_bytes())
    response = client.post(reverse("admin:annotations_project_import", args=[project.pk]), {"file": upload})
    assert response.status_code == 200
    assert "more than the 48.8 KB an import may hold" in response.content.decode()
    assert not Job.objects.exists()
    assert _unchanged(before)


def test_the_command_refuses_an_oversize_file(project, max_, small_uploads, before):
    for queue in ([], ["--queue"]):
        with pytest.raises(CommandError, match="more than the 48.8 KB an import may hold"):
            call_command("import_articles", str(small_uploads), "--project", project.slug, *queue)
    assert not Job.objects.exists()
    assert _unchanged(before)


def test_the_upload_handler_keeps_no_more_than_the_limit_on_disk(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    handler = CappedTemporaryFileUploadHandler()
    handler.new_file("file", "large.jsonl", "application/octet-stream", None)
    for start in range(0, 5000, 700):
        handler.receive_data_chunk(b"x" * 700, start)
    upload = handler.file_complete(5600)
    try:
        assert upload.size == 5600  # what validation sees: the whole upload, refused
        assert Path(upload.temporary_file_path()).stat().st_size == 1000  # what the disk holds
    finally:
        upload.close()


# --- the article text limit is one setting --------------------------------------------------------


def test_the_api_and_the_services_share_the_body_limit(project, max_, settings):
    assert ArticleWriteSerializer().fields["body"].max_length == settings.ARTICLE_BODY_MAX_CHARS
    settings.ARTICLE_BODY_MAX_CHARS = 10
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="an article is at most 10"):
        article_save(article=Article(project=project, body="x" * 11), by=max_)
    assert not Article.objects.exists()


# --- the write phase is all or nothing too ---------------------------------------------------------


def test_it_removes_the_committed_chunks_when_writing_fails(project, max_, tmp_path, before, monkeypatch):
    path = _jsonl(tmp_path / "ok.jsonl", json.dumps(_good(GOOD)))
    real_insert = imports._insert
    calls = []

    def insert_then_fail(rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise DataError("the database refused the second chunk")
        real_insert(rows)

    monkeypatch.setattr(imports, "_insert", insert_then_fail)
    job = _run(project, max_, path)
    assert calls == [CHUNK_SIZE, LATE - CHUNK_SIZE]  # the first chunk had committed
    assert job.status == JobStatus.FAILED
    assert not Article.objects.filter(import_job=job).exists()
    assert _unchanged(before)  # the outlet the first chunk created went too
    assert import_job_undo(job) == 0


def test_undo_removes_a_jobs_articles_and_is_idempotent(project, max_, tmp_path, article):
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps(_good(1)) + "\n" + json.dumps(_good(2)) + "\n", encoding="utf-8")
    job = _run(project, max_, path)
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(_good(3)) + "\n", encoding="utf-8")
    later_job = _run(project, max_, later)
    assert (job.status, later_job.status) == (JobStatus.SUCCEEDED, JobStatus.SUCCEEDED)
    outlet = Outlet.objects.get()
    assert import_job_undo(job) == 2
    assert import_job_undo(job) == 0
    assert set(Article.objects.all()) == {article, Article.objects.get(import_job=later_job)}
    assert Outlet.objects.get() == outlet  # created by the undone job, but another one uses it
    assert import_job_undo(later_job) == 1
    assert list(Article.objects.all()) == [article]  # articles of other origins stay


def test_a_file_that_turns_bad_after_the_check_is_imported_as_checked(project, max_, tmp_path, before):
    """A path on disk can change between the check and the write: what is written is what was
    checked (kept from the one read), never a line spoiled or added since."""
    path = _jsonl(tmp_path / "changing.jsonl", json.dumps(_good(GOOD)))
    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})

    def spoil_after_first_chunk(job, progress):
        def spoiling(phase, done, total):
            progress(phase, done, total)
            if phase == "importing" and done == CHUNK_SIZE:
                assert Article.objects.filter(import_job=job).count() == CHUNK_SIZE
                # Every checked line replaced by a bad one, and one more bad line.
                path.write_text((json.dumps({"body": "Texte\u0000"}) + "\n") * (LATE + 1), encoding="utf-8")
        return import_job_work(job, spoiling)

    job = job_run(job.pk, spoil_after_first_chunk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == LATE
    bodies = set(Article.objects.filter(import_job=job).values_list("body", flat=True))
    assert bodies == {_good(i)["body"] for i in range(LATE)}
