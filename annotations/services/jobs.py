"""The life of a background job: created, queued on commit, held by one run, finished exactly once.

A run holds its job through a lease (a token on the row) and proves it is alive with a
heartbeat. A second delivery of the same job finds a live lease and leaves the job alone, so
duplicate messages make one result. A run whose heartbeat stops (its worker was killed, the
database went away) is taken back by the reconciler that every worker runs on a timer
(`jobs_reconcile`): sent again, or failed once it has been tried too often. Managers cancel
queued or running jobs and retry failed or cancelled ones.
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..access import AuthUser, Capability, NotFound, require
from ..models import (
    CANCELLABLE_STATUSES,
    FINISHED_STATUSES,
    RETRYABLE_STATUSES,
    Job,
    JobStatus,
    Project,
)
from .collab import notify_job_finished

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Work = Callable[[Job, Progress], dict]


class RetryableError(Exception):
    """A passing fault (the database went away): the same run may go on with its lease later."""

    def __init__(self, message: str, lease: str | None = None) -> None:
        super().__init__(message)
        self.lease = lease


class UserFacingError(Exception):
    """A failure whose message (and optional details) is meant for the person who ran the job."""

    def as_dict(self) -> dict:
        return {}


class JobInterrupted(Exception):
    """The run must stop: its job was cancelled, or another run took the job over."""

    def __init__(self, *, cancelled: bool) -> None:
        super().__init__("cancelled" if cancelled else "lease lost")
        self.cancelled = cancelled


class JobQueueUnavailable(Exception):
    """The broker could not be reached to start a job; the job was failed with the reason."""

    def __init__(self, job_id: int, reason: str) -> None:
        super().__init__(
            gettext(
                "The job queue cannot be reached right now, so job #%(job)s was not started. "
                "Try again in a moment (the job can be retried from its page)."
            ) % {"job": job_id}
        )
        self.job_id = job_id
        self.reason = reason


class Task(Protocol):
    """What the services use of a Celery task (celery has no types)."""

    def apply_async(self, args: tuple[Any, ...], **options: Any) -> object: ...


@dataclass(frozen=True)
class JobKindSpec:
    """How to run a kind of job: its Celery task, and how to remove what a stopped run left."""

    task: Task
    undo: Callable[[Job], object] | None = None


_KINDS: dict[str, JobKindSpec] = {}


def job_kind_register(kind: str, *, task: Task, undo: Callable[[Job], object] | None = None) -> None:
    """Declare a job kind's task and undo (tasks.py does it for every kind)."""
    _KINDS[kind] = JobKindSpec(task=task, undo=undo)


def _spec(kind: str) -> JobKindSpec | None:
    if not _KINDS:
        from .. import tasks  # noqa: F401 - registers the kinds; tasks import services, not back

    return _KINDS.get(kind)


# --- timings -------------------------------------------------------------------------------------


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=getattr(settings, name))


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


# --- creating and queueing -----------------------------------------------------------------------


def job_create(
    *,
    project: Project,
    kind: str,
    by: AuthUser | None,
    params: dict | None = None,
    upload: File | None = None,
) -> Job:
    """Record a queued job (and its uploaded input) without starting it."""
    job = Job(project=project, kind=kind, created_by=by, params=params or {}, queued_at=timezone.now())
    job.full_clean(exclude=["input_file"])
    job.save()
    if upload is not None:
        # One folder per job keeps the user's file name: a second small.jsonl would otherwise be
        # stored (and shown, in the job and its errors) as small_a4KONHI.jsonl.
        job.input_file.save(f"{job.pk}/{PurePath(upload.name or 'upload').name}", upload, save=True)
    return job


# Jobs queued in this thread's transaction and not yet sent: when one send fails, Django skips
# the commit hooks after it, so the jobs they would have sent are failed with it.
_unsent = threading.local()


def _send(job_id: int, task: Task) -> None:
    """Hand the job to the broker; if it cannot be reached, fail the job and say so."""
    pending: list[int] = getattr(_unsent, "ids", [])
    try:
        task.apply_async((job_id,), retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # noqa: BLE001 - any failure to publish means nobody will run it
        log.warning("job %s: the broker refused it: %s", job_id, exc)
        # Stored for every reader of the job, so in the site's language, not the requester's.
        with translation.override(settings.LANGUAGE_CODE):
            error = gettext("The job queue could not be reached (%(reason)s); nothing was started.") % {
                "reason": type(exc).__name__
            }
        failed = {job_id, *pending}
        _unsent.ids = []
        Job.objects.filter(pk__in=failed, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, error=error, finished_at=timezone.now()
        )
        raise JobQueueUnavailable(job_id, str(exc)) from exc
    if job_id in pending:
        pending.remove(job_id)


# A few quick tries, so a broker that is down answers in about a second rather than hanging.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3, "interval_max": 0.5}


def job_enqueue(job: Job, task: Task) -> None:
    """Send the job to a worker once the transaction that created it has committed.

    Raises JobQueueUnavailable (from the commit) when the broker cannot be reached.
    """
    # Ids of rolled-back transactions never leave the list; keep it short all the same.
    _unsent.ids = [*getattr(_unsent, "ids", [])[-99:], job.pk]
    transaction.on_commit(lambda: _send(job.pk, task))


# --- one run of a job ----------------------------------------------------------------------------

_current: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("job_run", default=None)


def job_claim(job_id: int, *, lease: str | None = None) -> Job | None:
    """Take the job for a new run (or resume `lease`); None when it is finished or held elsewhere."""
    now = timezone.now()
    undo: Job | None = None
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("project", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in FINISHED_STATUSES:
            return None
        resumed = lease is not None and job.status == JobStatus.RUNNING and job.lease == lease
        alive = (
            job.status == JobStatus.RUNNING
            and job.heartbeat_at is not None
            and job.heartbeat_at > now - _seconds("JOB_STALE_SECONDS")
        )
        if alive and not resumed:
            return None  # a duplicate delivery: the run holding the lease makes the result
        if job.cancel_requested_at is not None:
            _set_end(job, JobStatus.CANCELLED, gettext("Cancelled before it could finish."), now)
            undo = job
        elif not resumed and job.attempts >= settings.JOB_MAX_ATTEMPTS:
            _set_end(job, JobStatus.FAILED, _gave_up(job.attempts), now)
            undo = job
        else:
            if not resumed:
                job.attempts += 1
                job.lease = uuid.uuid4().hex
            job.status = JobStatus.RUNNING
            job.heartbeat_at = now
            job.worker = _worker_name()
            job.started_at = job.started_at or now
            job.save(update_fields=["status", "attempts", "lease", "heartbeat_at", "worker", "started_at"])
            return job
    if undo is not None:
        _undo(undo)
    return None


def _gave_up(attempts: int) -> str:
    return gettext(
        "Its run stopped %(n)s times before finishing (a worker was killed or lost its database); "
        "giving up. Retry it once the cause is fixed."
    ) % {"n": attempts}


def _set_end(job: Job, status: str, error: str, now: datetime) -> None:
    """End a job locked by the caller."""
    job.status = status
    job.error = error
    job.finished_at = now
    job.heartbeat_at = None
    job.save(update_fields=["status", "error", "finished_at", "heartbeat_at"])


class _Run:
    """A claimed job while its work runs: progress, heartbeat, and the checks that stop it."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self.lease = job.lease
        self.interrupted: JobInterrupted | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_progress = 0.0
        self._token: contextvars.Token | None = None

    def __enter__(self) -> _Run:
        self._token = _current.set(self)
        # Inside a caller's transaction (tests, inline commands) another connection could not
        # see the job row; progress writes keep the lease alive there instead.
        if not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._beat, name=f"job-{self.job_id}-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._token is not None:
            _current.reset(self._token)

    def _beat(self) -> None:
        """Every JOB_HEARTBEAT_SECONDS, prove the run alive and learn whether it must stop."""
        interval = settings.JOB_HEARTBEAT_SECONDS
        try:
            while not self._stop.wait(interval):
                try:
                    self._touch()
                except DatabaseError as exc:
                    # The database is away: the work will notice too; try again next beat.
                    log.warning("job %s: heartbeat failed: %s", self.job_id, exc)
                    connection.close()
        finally:
            connection.close()

    def _touch(self, **fields: object) -> None:
        """Renew the lease (with any progress fields); note a cancellation or a lost lease."""
        held = Job.objects.filter(pk=self.job_id, lease=self.lease, status=JobStatus.RUNNING)
        if held.filter(cancel_requested_at__isnull=True).update(heartbeat_at=timezone.now(), **fields):
            return
        self.interrupted = JobInterrupted(cancelled=held.exists())

    def check(self) -> None:
        """Raise JobInterrupted if the job was cancelled or taken over since the last look."""
        if self.interrupted is not None:
            raise self.interrupted

    def progress(self, phase: str, done: int, total: int) -> None:
        """Write progress a few times a second at most (readers poll it); it renews the lease."""
        self.check()
        now = time.monotonic()
        if now - self._last_progress < 0.25 and done < total:
            return
        self._last_progress = now
        self._touch(phase=phase, progress_done=min(done, total), progress_total=total)
        self.check()


def job_checkpoint() -> None:
    """Stop the current job's work here if it was cancelled or taken over (no query)."""
    run = _current.get()
    if run is not None:
        run.check()


def job_guard(job: Job) -> None:
    """In the caller's transaction, lock the job and make sure this run still holds it.

    Call it in the transaction that records a job's result, so a cancelled run or one whose job
    went to another run records nothing.
    """
    row = Job.objects.select_for_update(of=("self",)).filter(pk=job.pk).values(
        "lease", "status", "cancel_requested_at"
    ).first()
    if row is None or row["lease"] != job.lease or row["status"] != JobStatus.RUNNING:
        raise JobInterrupted(cancelled=row is not None and row["status"] == JobStatus.CANCELLED)
    if row["cancel_requested_at"] is not None:
        raise JobInterrupted(cancelled=True)


def _end(job_id: int, lease: str, status: str, **fields: object) -> bool:
    """Finish the run's job unless it has passed to another run; True when this run finished it."""
    return bool(
        Job.objects.filter(pk=job_id, lease=lease, status=JobStatus.RUNNING).update(
            status=status, finished_at=timezone.now(), heartbeat_at=None, **fields
        )
    )


def _undo(job: Job) -> None:
    """Remove what a stopped run of the job left half made (its kind says how)."""
    spec = _spec(job.kind)
    if spec is None or spec.undo is None:
        return
    try:
        spec.undo(job)
    except DatabaseError:
        log.exception("job %s: could not undo its partial work", job.pk)


def job_fail(job_id: int, error: str, result: dict | None = None, *, lease: str | None = None) -> None:
    """Mark the job failed with a message for its owner (only the run holding `lease`, if given)."""
    jobs = Job.objects.filter(pk=job_id).exclude(status__in=FINISHED_STATUSES)
    if lease is not None:
        jobs = jobs.filter(lease=lease)
    jobs.update(
        status=JobStatus.FAILED, error=error, result=result or {}, finished_at=timezone.now(),
        heartbeat_at=None,
    )


def job_run(job_id: int, work: Work, *, lease: str | None = None) -> Job | None:
    """Run the job's work once; a job finished or held by another run is left alone.

    Errors the user can act on fail the job with their message (undoing partial work);
    database outages raise RetryableError carrying the lease, so the task's retry resumes
    this run; a cancellation ends the job cancelled; anything else fails it and is logged.
    """
    try:
        job = job_claim(job_id, lease=lease)
    except (OperationalError, InterfaceError) as exc:
        raise RetryableError(str(exc), lease) from exc
    if job is None:
        return None
    lease = job.lease
    try:
        with _Run(job) as run:
            result = work(job, run.progress)
            run.check()
    except JobInterrupted as exc:
        if exc.cancelled:
            _undo(job)
            _end(job.pk, lease, JobStatus.CANCELLED, error=gettext("Cancelled by a manager."))
        else:
            log.warning("job %s: another run took it over; this one stops", job.pk)
    except UserFacingError as exc:
        _undo(job)
        _end(job.pk, lease, JobStatus.FAILED, error=str(exc), result=exc.as_dict())
    except (PermissionDenied, NotFound) as exc:
        _undo(job)
        _end(job.pk, lease, JobStatus.FAILED, error=f"Not allowed: {exc}", result={})
    except ValidationError as exc:
        _undo(job)
        _end(job.pk, lease, JobStatus.FAILED, error="; ".join(exc.messages), result={})
    except (OperationalError, InterfaceError) as exc:
        raise RetryableError(str(exc), lease) from exc
    except DatabaseError as exc:
        log.exception("job %s failed", job.pk)
        _undo(job)
        _end(job.pk, lease, JobStatus.FAILED, error=f"Database error: {exc}", result={})
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        _undo(job)
        _end(
            job.pk, lease, JobStatus.FAILED, result={},
            error=f"Internal error ({type(exc).__name__}); the administrators have the details.",
        )
    except BaseException:
        # The process is going down (SystemExit, KeyboardInterrupt): free the lease so the next
        # delivery takes the job at once instead of waiting for the heartbeat to go stale.
        try:
            Job.objects.filter(pk=job.pk, lease=lease).update(heartbeat_at=None)
        except DatabaseError:
            pass
        raise
    else:
        _end(job.pk, lease, JobStatus.SUCCEEDED, result=result, error="", progress_done=F("progress_total"))
    job.refresh_from_db()
    notify_job_finished(job)
    return job


# --- cancelling and retrying ---------------------------------------------------------------------


def job_cancel(*, job: Job, by: AuthUser) -> Job:
    """Cancel a queued job now, or ask a running one to stop (it undoes its partial work)."""
    require(by, job.project_id, Capability.MANAGE)
    undo = False
    with transaction.atomic():
        locked = Job.objects.select_for_update(of=("self",)).get(pk=job.pk)
        if locked.status not in CANCELLABLE_STATUSES:
            raise ValidationError(gettext("This job has already finished; there is nothing to cancel."))
        now = timezone.now()
        locked.cancel_requested_at = now
        fields = ["cancel_requested_at"]
        if locked.status == JobStatus.QUEUED:
            locked.status, locked.finished_at = JobStatus.CANCELLED, now
            locked.error = gettext("Cancelled by a manager.")
            fields += ["status", "finished_at", "error"]
            undo = True
        locked.save(update_fields=fields)
    if undo:
        _undo(locked)  # a job sent back to the queue may hold rows from an earlier run
    return locked


def job_retry(*, job: Job, by: AuthUser) -> Job:
    """Queue a failed or cancelled job again, as it was first asked (same id, same input)."""
    require(by, job.project_id, Capability.MANAGE)
    spec = _spec(job.kind)
    with transaction.atomic():
        locked = Job.objects.select_for_update(of=("self",)).get(pk=job.pk)
        if locked.status not in RETRYABLE_STATUSES:
            raise ValidationError(gettext("Only a failed or cancelled job can be retried."))
        if locked.input_file.name and not locked.input_file.storage.exists(locked.input_file.name):
            raise ValidationError(gettext("This job's uploaded file is gone; upload it again."))
        Job.objects.filter(pk=locked.pk).update(
            status=JobStatus.QUEUED, error="", result={}, phase="", progress_done=0,
            progress_total=0, attempts=0, lease="", heartbeat_at=None, worker="",
            cancel_requested_at=None, started_at=None, finished_at=None, queued_at=timezone.now(),
        )
        if spec is not None:
            job_enqueue(locked, spec.task)
    locked.refresh_from_db()
    return locked


# --- the reconciler ------------------------------------------------------------------------------


@dataclass
class Reconciled:
    """What one sweep of the reconciler did."""

    requeued: list[int]
    failed: list[int]
    cancelled: list[int]
    resent: list[int]

    def __bool__(self) -> bool:
        return bool(self.requeued or self.failed or self.cancelled or self.resent)


def jobs_reconcile(*, now: datetime | None = None) -> Reconciled:
    """Take back runs whose heartbeat stopped, and resend queued jobs no worker has taken.

    A stale run is queued again (or failed after JOB_MAX_ATTEMPTS runs, or cancelled if that
    was asked, undoing its partial work); a job run by a command whose process died is failed.
    Each change is a conditional update, so several workers sweeping at once change a job once.
    """
    now = now or timezone.now()
    stale = now - _seconds("JOB_STALE_SECONDS")
    done = Reconciled([], [], [], [])
    running = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True)
    )
    for job in running.select_related("project"):
        same = Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, lease=job.lease, heartbeat_at=job.heartbeat_at
        )
        if job.cancel_requested_at is not None:
            status, error, bucket = JobStatus.CANCELLED, gettext("Cancelled by a manager."), done.cancelled
        elif job.params.get("inline"):
            status, error = JobStatus.FAILED, gettext("The command running this job stopped before it finished.")
            bucket = done.failed
        elif job.attempts >= settings.JOB_MAX_ATTEMPTS:
            status, error, bucket = JobStatus.FAILED, _gave_up(job.attempts), done.failed
        else:
            if same.update(
                status=JobStatus.QUEUED, lease="", heartbeat_at=None, queued_at=now,
                phase=gettext("queued again: its worker stopped"),
            ):
                done.requeued.append(job.pk)
            continue
        if same.update(status=status, error=error, finished_at=now, heartbeat_at=None):
            bucket.append(job.pk)
            _undo(job)
    resend_before = now - _seconds("JOB_RESEND_QUEUED_SECONDS")
    waiting = (
        Job.objects.filter(status=JobStatus.QUEUED)
        .annotate(since=Coalesce("queued_at", "created_at"))
        .filter(since__lt=resend_before)
        .values_list("pk", "since", "params")
    )
    for pk, since, params in waiting:
        if params.get("inline"):
            continue  # a command runs it in its own process; no worker may take it
        if Job.objects.filter(pk=pk, status=JobStatus.QUEUED).filter(
            Q(queued_at=since) | Q(queued_at__isnull=True)
        ).update(queued_at=now):
            done.resent.append(pk)
    for pk in done.requeued + done.resent:
        kind = Job.objects.filter(pk=pk).values_list("kind", flat=True).first()
        spec = _spec(kind) if kind else None
        if spec is None:
            continue
        try:
            spec.task.apply_async((pk,), retry=True, retry_policy=PUBLISH_RETRY)
        except Exception as exc:  # noqa: BLE001 - the next sweep sends it again
            log.warning("job %s: could not be sent again yet: %s", pk, exc)
    if done:
        log.info("job reconciler: %s", done)
    return done

