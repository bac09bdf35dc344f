"""Importing a project archive as a job: the upload makes the (empty) project, a worker fills it.

The project exists from the upload on, so the job has a project to belong to and the uploader,
its manager, can watch the job; its slug is checked then. The archive itself is written by the
worker in one transaction (annotations.services.archive): a refused archive leaves the project as
the upload made it, empty, with the job's errors naming member, line and field.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext

from ..access import AuthUser
from ..models import Article, Job, JobKind, Membership, Project
from .archive import ArchiveRefused, _manifest, _refuse, project_archive_import
from .jobs import Progress, job_create, job_enqueue
from .projects import project_create


def archive_import_start(*, by: AuthUser, upload: File, slug: str | None = None) -> Job:
    """Check the archive's manifest, make its project empty under `slug` (default: the archive's)
    with `by` as manager, and queue the job that fills it. Needs the add_project permission."""
    if not by.is_active or not by.has_perm("annotations.add_project"):
        raise PermissionDenied(gettext("You may not create projects."))
    name = PurePath(upload.name or "archive.zip").name
    try:
        with zipfile.ZipFile(upload) as zf:
            manifest = _manifest(zf, name)
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": [str(_refuse(name, name, None, None, f"not a zip archive ({exc})"))]}) from None
    except ArchiveRefused as exc:
        # Refused here, before a project or a job exists: nobody waits on a job that could only fail.
        raise ValidationError({"file": [str(exc)]}) from None
    finally:
        upload.seek(0)
    source: dict = manifest["source"] if isinstance(manifest.get("source"), dict) else {}
    wanted = slug or str(source.get("project") or "")
    if Project.objects.filter(slug=wanted).exists():
        raise ValidationError({"slug": gettext("A project with this slug exists already; choose another.")})
    with transaction.atomic():
        project = project_create(name=str(source.get("name") or wanted)[:200], slug=wanted, created_by=by)
        job = job_create(project=project, kind=JobKind.ARCHIVE, by=by, params={"archive": name}, upload=upload)
        from ..tasks import import_project_task  # tasks import services; keep that one-way

        job_enqueue(job, import_project_task)
    return job


def archive_job_work(job: Job, progress: Progress) -> dict:
    """The job's body: fill its project from the uploaded archive; a second run finds it filled."""
    project = Project.objects.get(pk=job.project_id)
    if job.created_by is None:
        raise _refuse("job", "job", None, None, "its owner no longer exists")
    filled = (Article.objects.filter(project=project).exists()
              or Job.objects.filter(project=project).exclude(pk=job.pk).exists()
              or Membership.objects.filter(project=project).exclude(user=job.created_by).exists())
    if filled:
        return {"project": project.slug, "already_imported": True}
    # No progress inside the import's transaction: a progress write there would hold the job's
    # row locked against the heartbeat until the end.
    report = project_archive_import(
        path=job.input_file.path, by=job.created_by, into=project, source=job.params.get("archive"),
    )
    progress("import", report.rows, report.rows)
    return report.as_dict()
