"""Whole-project archives: export_project and import_project, the round trip and bad archives."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from annotations.access import NotFound
from annotations.models import Claim, Project
from annotations.services.archive import (
    FORMAT,
    ArchiveRefused,
    project_archive_export,
    project_archive_import,
)
from annotations.services.archive_tables import EXCLUDED, archive_tables
from annotations.services.seeds import PROJECT_SLUG

from .archive_world import busy_project, compare_projects, release_checksums, rewrite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def busy() -> Project:
    return busy_project()


@pytest.fixture
def archive(busy, tmp_path) -> Path:
    path = tmp_path / "anchorage.zip"
    call_command("export_project", PROJECT_SLUG, str(path), verbosity=0)
    return path


def _world() -> dict[str, int]:
    """How many rows every table of the database has (to show nothing was written)."""
    counts = {t.label: t.model.objects.count() for t in archive_tables()}
    counts["users"] = get_user_model().objects.count()
    return counts


def test_it_covers_every_model_of_the_app():
    """A new model is either in the archive or excluded with a reason, never forgotten."""
    archived = {t.label for t in archive_tables()}
    for model in apps.get_app_config("annotations").get_models(include_auto_created=True):
        label = model._meta.label
        assert label in archived or label in EXCLUDED, f"{label} is neither archived nor excluded"


def test_it_round_trips_a_busy_project_row_by_row(busy, archive, media):
    before = release_checksums(busy)
    assert before, "the busy project has a release"
    report = project_archive_import(path=archive, rename=True)
    copy = Project.objects.get(pk=report.project_id)
    assert copy.slug == f"{PROJECT_SLUG}-2" and report.users_created == []
    counts = compare_projects(busy, copy)
    # The busy project really is busy: every kind of row is there.
    for member in ("claims.jsonl", "annotations.jsonl", "evidence.jsonl", "adjudications.jsonl",
                   "adjudication_gold_evidence.jsonl", "claim_relations.jsonl", "check_questions.jsonl",
                   "question_answers.jsonl", "relation_candidates.jsonl", "releases.jsonl", "release_files.jsonl",
                   "jobs.jsonl", "history/claims.jsonl", "history/annotations.jsonl", "history/adjudications.jsonl",
                   "history/adjudication_gold_evidence.jsonl", "comments.jsonl", "comment_mentions.jsonl",
                   "notifications.jsonl", "history/comments.jsonl"):
        assert counts[member] > 0, member
    assert sorted(release_checksums(copy)) == sorted(before)
    # The history of the deleted claim came along, pointing at no row of the new project.
    deleted = copy and Claim.history.filter(history_type="-", article_id__in=copy.articles.values("pk"))
    assert deleted.count() == 1 and deleted.get().id < 0


def test_an_archive_states_its_format_version_and_members(archive):
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == FORMAT and manifest["version"] == 1
        for member in manifest["members"]:
            lines = zf.read(member["name"]).splitlines()
            assert len(lines) == member["rows"], member["name"]
        users = [json.loads(line) for line in zf.read("users.jsonl").splitlines()]
    assert {"alice", "bob", "rita", "max", "rhea"} <= {u["username"] for u in users}
    assert all(set(u) == {"username", "email", "first_name", "last_name"} for u in users)  # no password


def test_unknown_users_are_created_inactive_without_a_password(busy, archive):
    User = get_user_model()
    User.objects.filter(username="rhea").update(username="rhea-elsewhere")
    report = project_archive_import(path=archive, slug="moved")
    assert report.users_created == ["rhea"]
    rhea = User.objects.get(username="rhea")
    assert not rhea.is_active and not rhea.has_usable_password()
    assert Project.objects.get(slug="moved").memberships.filter(user=rhea, role="researcher").exists()


def test_a_taken_slug_is_refused_unless_renamed_or_given(busy, archive):
    before = _world()
    with pytest.raises(CommandError, match=r"project.jsonl, line 1, field 'slug'.*exists already"):
        call_command("import_project", str(archive))
    assert _world() == before
    call_command("import_project", str(archive), "--slug", "copy", verbosity=0)
    assert Project.objects.filter(slug="copy").exists()


def test_the_importer_becomes_a_manager(busy, archive, django_user_model):
    charlie = django_user_model.objects.create_user(username="charlie", password="pw")
    report = project_archive_import(path=archive, slug="mine", by=charlie)
    assert Project.objects.get(pk=report.project_id).memberships.filter(user=charlie, role="manager").exists()


@pytest.mark.parametrize("username", ["charlie", "alice"])
def test_export_needs_the_manage_capability(busy, tmp_path, django_user_model, username):
    """An outsider and an annotator of the project are refused; nothing is written."""
    person = django_user_model.objects.filter(username=username).first() or django_user_model.objects.create_user(
        username=username, password="pw")
    with pytest.raises((PermissionDenied, NotFound)):
        project_archive_export(project=busy, target=tmp_path / "x.zip", by=person)
    assert not (tmp_path / "x.zip").exists()


def _first_claim_id(archive: Path) -> int:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("claims.jsonl").splitlines()[0])["id"]


def _edit_line(number: int, change):
    def edit(lines: list[str]) -> list[str]:
        row = json.loads(lines[number - 1])
        change(row)
        lines[number - 1] = json.dumps(row, ensure_ascii=False)
        return lines
    return edit


BAD = [
    ("manifest.json", lambda m: {**m, "version": 99}, r"manifest.json, field 'version'.*99"),
    ("manifest.json", lambda m: {**m, "format": "zip"}, r"manifest.json, field 'format'"),
    ("manifest.json", lambda m: {**m, "members": [x for x in m["members"] if x["name"] != "project.jsonl"]},
     r"project.jsonl: missing from the archive"),
    ("claims.jsonl", lambda lines: lines[:2] + ["{not json"] + lines[2:], r"claims.jsonl, line 3: not a JSON"),
    ("claims.jsonl", _edit_line(2, lambda r: r.update(article=987654)),
     r"claims.jsonl, line 2, field 'article': refers to annotations.Article 987654"),
    ("claims.jsonl", _edit_line(2, lambda r: r.update(start="douze")), r"claims.jsonl, line 2, field 'start'"),
    ("claims.jsonl", _edit_line(2, lambda r: r.update(status="maybe")),
     r"claims.jsonl, line 2, field 'status': 'maybe' is not one of its choices"),
    ("claims.jsonl", _edit_line(2, lambda r: r.update(colour="red")),
     r"claims.jsonl, line 2, field 'colour': not a field of Claim"),
    # The database's own invariant (the quote trigger) names its line too.
    ("claims.jsonl", _edit_line(2, lambda r: r.update(quote=r["quote"] + "!")),
     r"claims.jsonl, line 2: the database refused the row"),
    ("annotations.jsonl", _edit_line(1, lambda r: r.update(annotator="nobody")),
     r"annotations.jsonl, line 1, field 'annotator': user 'nobody' is not in users.jsonl"),
    ("evidence.jsonl", _edit_line(1, lambda r: r.update(url="")),
     r"evidence.jsonl, line 1: the database refused the row"),
]


@pytest.mark.parametrize(("member", "edit", "message"), BAD, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(BAD)])
def test_bad_archives_are_refused_by_member_line_and_field_and_write_nothing(
    busy, archive, tmp_path, member, edit, message, media,
):
    bad = rewrite(archive, tmp_path / "bad.zip", member, edit)
    before = _world()
    with pytest.raises(CommandError, match=message):
        call_command("import_project", str(bad), "--slug", "elsewhere")
    assert _world() == before
    assert not (media / "releases" / "elsewhere").exists()


def test_a_damaged_member_is_refused_by_its_checksum(busy, archive, tmp_path):
    bad = rewrite(archive, tmp_path / "bad.zip", "claims.jsonl",
                  _edit_line(1, lambda r: r.update(speaker="someone else")), fix_manifest=False)
    before = _world()
    with pytest.raises(ArchiveRefused, match=r"claims.jsonl: its SHA-256 differs"):
        project_archive_import(path=bad, slug="elsewhere")
    assert _world() == before


def test_a_file_that_is_not_an_archive_is_refused(tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("hello")
    with pytest.raises(ArchiveRefused, match="not a zip archive"):
        project_archive_import(path=path)


def _download(client, url: str, tmp_path: Path) -> Path:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    path = tmp_path / "download.zip"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def test_a_manager_downloads_the_archive_from_the_ui_and_others_cannot(busy, tmp_path, django_user_model):
    from django.test import Client
    from django.urls import reverse

    url = reverse("ui:project_archive", args=[PROJECT_SLUG])
    User = django_user_model
    people = {}
    for name in ("max", "rita", "alice", "charlie"):
        user = User.objects.filter(username=name).first() or User.objects.create_user(username=name, password="pw")
        people[name] = Client()
        people[name].force_login(user)
    archive = _download(people["max"], url, tmp_path)
    report = project_archive_import(path=archive, slug="from-the-ui")
    compare_projects(busy, Project.objects.get(pk=report.project_id))
    assert people["rita"].get(url).status_code == 403  # a reviewer is not a manager
    assert people["alice"].get(url).status_code == 403
    assert people["charlie"].get(url).status_code == 404  # outsiders may not learn it exists
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    # The settings page links to it.
    assert url in people["max"].get(reverse("ui:project_settings", args=[PROJECT_SLUG])).content.decode()


def test_a_manager_downloads_the_archive_from_the_api(busy, tmp_path, django_user_model):
    from rest_framework.test import APIClient

    url = f"/api/v1/projects/{PROJECT_SLUG}/archive/"
    client = APIClient()
    client.force_authenticate(django_user_model.objects.get(username="max"))
    archive = _download(client, url, tmp_path)
    with zipfile.ZipFile(archive) as zf:
        assert json.loads(zf.read("manifest.json"))["source"]["project"] == PROJECT_SLUG
    client.force_authenticate(django_user_model.objects.get(username="rhea"))
    assert client.get(url).status_code == 403
    assert APIClient().get(url).status_code == 401


# --- an uploaded archive, imported by a job -----------------------------------------------------


def _upload(client, archive: Path, **extra: str):
    with archive.open("rb") as fh:
        return client.post("/api/v1/project-archives/", {"file": fh, **extra}, format="multipart")


def test_an_uploaded_archive_becomes_a_project_through_its_job(busy, archive, django_user_model):
    from rest_framework.test import APIClient

    from annotations.models import Job, JobKind, JobStatus
    from annotations.services.archive_jobs import archive_job_work
    from annotations.services.jobs import job_run

    client = APIClient()
    max_ = django_user_model.objects.get(username="max")
    client.force_authenticate(max_)
    response = _upload(client, archive, slug="moved")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.kind == JobKind.ARCHIVE and job.project.slug == "moved"
    assert not job.project.articles.exists()  # empty until the job runs
    job = job_run(job.pk, archive_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    moved = Project.objects.get(slug="moved")
    compare_projects(busy, moved, skip_job=job.pk)
    assert moved.memberships.filter(user=max_, role="manager").exists()
    # Safe to run twice: a second run finds the project filled and writes nothing.
    before = _world()
    assert archive_job_work(job, lambda *a: None) == {"project": "moved", "already_imported": True}
    assert _world() == before


def test_an_upload_that_is_no_archive_or_takes_a_slug_is_refused_at_once(busy, archive, tmp_path, django_user_model):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(django_user_model.objects.get(username="max"))
    before = _world()
    bad = rewrite(archive, tmp_path / "v2.zip", "manifest.json", lambda m: {**m, "version": 2})
    response = _upload(client, bad, slug="v2")
    assert response.status_code == 400
    assert "manifest.json" in response.json()["file"][0] and "version" in response.json()["file"][0]
    response = _upload(client, archive)  # the archive's slug is the busy project's
    assert response.status_code == 400 and "slug" in response.json()
    assert _world() == before


def test_a_refused_archive_fails_its_job_and_leaves_the_project_empty(busy, archive, tmp_path, django_user_model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from annotations.models import JobStatus
    from annotations.services.archive_jobs import archive_import_start, archive_job_work
    from annotations.services.jobs import job_run

    bad = rewrite(archive, tmp_path / "bad.zip", "claims.jsonl",
                  _edit_line(3, lambda r: r.update(article=987654)))
    job = archive_import_start(by=django_user_model.objects.get(username="max"),
                               upload=SimpleUploadedFile("bad.zip", bad.read_bytes()), slug="broken")
    job = job_run(job.pk, archive_job_work)
    assert job.status == JobStatus.FAILED
    assert [(e["file"], e["line"], e["field"]) for e in job.result["errors"]] == [("claims.jsonl", 3, "article")]
    project = Project.objects.get(slug="broken")
    assert not project.articles.exists() and project.memberships.get().role == "manager"


def test_the_import_page_queues_a_job_for_those_who_may_create_projects(busy, archive, tmp_path, django_user_model):
    from django.test import Client
    from django.urls import reverse

    from annotations.models import Job, JobKind

    url = reverse("ui:project_import")
    manager, annotator = Client(), Client()
    manager.force_login(django_user_model.objects.get(username="max"))
    annotator.force_login(django_user_model.objects.get(username="alice"))
    assert manager.get(url).status_code == 200
    assert annotator.get(url).status_code == 403  # no add_project permission
    assert Client().get(url).status_code == 302
    before = _world()
    bad = rewrite(archive, tmp_path / "v2.zip", "manifest.json", lambda m: {**m, "version": 2})
    with bad.open("rb") as fh:
        refused = manager.post(url, {"file": fh, "slug": "v2"})
    assert refused.status_code == 400 and "manifest.json" in refused.content.decode()
    assert _world() == before
    with archive.open("rb") as fh:
        queued = manager.post(url, {"file": fh, "slug": "via-ui"})
    job = Job.objects.get(project__slug="via-ui")
    assert job.kind == JobKind.ARCHIVE
    assert queued.status_code == 302 and queued["Location"] == reverse("ui:job", args=[job.pk])
    with archive.open("rb") as fh:
        assert annotator.post(url, {"file": fh, "slug": "nope"}).status_code == 403


def test_a_scheme_that_differs_here_comes_as_a_scheme_of_its_own(busy, archive):
    """The target's scheme of that slug was changed: the archive's is created beside it, not the default."""
    from annotations.models import Annotation, Verdict

    scheme = busy.scheme
    Verdict.objects.filter(scheme=scheme, code="refuted").update(name="Faux")
    report = project_archive_import(path=archive, slug="own-scheme")
    assert not report.scheme_reused
    copy = Project.objects.select_related("scheme").get(pk=report.project_id)
    assert copy.scheme_id != scheme.pk and copy.scheme.slug == f"{scheme.slug}-2" and not copy.scheme.is_default
    assert copy.scheme.verdicts.get(code="refuted").name == "Refuted"
    used = set(Annotation.objects.filter(claim__article__project=copy).values_list("verdict__scheme", flat=True))
    assert used == {copy.scheme_id}


def test_a_bad_slug_is_refused(busy, archive):
    before = _world()
    with pytest.raises(ArchiveRefused, match=r"project.jsonl, line 1, field 'slug'"):
        project_archive_import(path=archive, slug="not a slug!")
    assert _world() == before
