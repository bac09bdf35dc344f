"""The life of a background job: created, queued on commit, run, and finished exactly once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from ..access import NotFound
from ..models import FINISHED_STATUSES, Job, JobStatus, Project

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Work = Callable[[Job, Progress], dict]


class RetryableError(Exception):
    """A passing fault (the database went away): the job may be run again from where it was."""


class UserFacingError(Exception):
    """A failure whose message (and optional details) is meant for the person who ran the job."""

    def as_dict(self) -> dict:
        return {}


def job_create(
    *,
    project: Project,
    kind: str,
    by: AbstractBaseUser | None,
    params: dict | None = None,
    upload: File | None = None,
) -> Job:
    """Record a queued job (and its uploaded input) without starting it."""
    job = Job(project=project, kind=kind, created_by=by, params=params or {})
    job.full_clean(exclude=["input_file"])
    job.save()
    if upload is not None:
        job.input_file.save(upload.name or "upload", upload, save=True)
    return job


def job_enqueue(job: Job, task: object) -> None:
    """Send the job to a worker once the transaction that created it has committed."""
    transaction.on_commit(lambda: task.delay(job.pk))  # type: ignore[attr-defined]


def jobs_orphaned() -> list[Job]:
    """Jobs a worker started and never finished, except those run inline by a command."""
    running = Job.objects.filter(status=JobStatus.RUNNING)
    return [job for job in running if not job.params.get("inline")]


def _progress_writer(job_id: int) -> Progress:
    """Write progress to the Job at most a few times a second; readers poll it."""
    last = 0.0

    def write(phase: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 0.25 and done < total:
            return
        last = now
        Job.objects.filter(pk=job_id).update(
            phase=phase, progress_done=min(done, total), progress_total=total
        )

    return write


def _finish(job_id: int, **fields: object) -> None:
    Job.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)


def job_fail(job_id: int, error: str, result: dict | None = None) -> None:
    """Mark the job failed with a message for its owner."""
    _finish(job_id, status=JobStatus.FAILED, error=error, result=result or {})


def job_run(job_id: int, work: Work) -> Job | None:
    """Run the job's work once; a job already finished is left alone (safe to run twice).

    Errors the user can act on fail the job with their message; database outages raise
    RetryableError so the task can try again; anything else fails the job and is logged.
    """
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("project", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in FINISHED_STATUSES:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    try:
        result = work(job, _progress_writer(job.pk))
    except UserFacingError as exc:
        job_fail(job.pk, str(exc), exc.as_dict())
    except (PermissionDenied, NotFound) as exc:
        job_fail(job.pk, f"Not allowed: {exc}")
    except ValidationError as exc:
        job_fail(job.pk, "; ".join(exc.messages))
    except (OperationalError, InterfaceError) as exc:
        raise RetryableError(str(exc)) from exc
    except DatabaseError as exc:
        log.exception("job %s failed", job.pk)
        job_fail(job.pk, f"Database error: {exc}")
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        job_fail(job.pk, f"Internal error ({type(exc).__name__}); the administrators have the details.")
    else:
        _finish(
            job.pk, status=JobStatus.SUCCEEDED, result=result, error="",
            progress_done=F("progress_total"),
        )
    job.refresh_from_db()
    return job
