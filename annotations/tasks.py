"""Celery tasks: thin wrappers that load a Job by id and run a service on it.

Every worker also runs the job reconciler (services.jobs.jobs_reconcile) when it starts and then
every JOB_RECONCILE_SECONDS, in a thread of its main process: that is what takes back jobs whose
worker was killed and resends jobs a restarted broker forgot (and, on SQLite, analyses tables that
grew). No separate beat process is needed.
"""

from __future__ import annotations

import logging
import threading

from celery import Task, shared_task
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import DatabaseError, connection

from .models import JobKind
from .services import imports, jobs, statistics, suggestions

log = logging.getLogger(__name__)

# A database outage is ridden out by retrying the same run with its lease: waits of 1, 2, 4, 8
# and then 10 seconds, about five minutes in all, before the job is failed. The short ceiling
# means a job goes on within ten seconds of its database coming back.
RETRY_LIMIT = 32
RETRY_MAX_WAIT = 10


def _run(task: Task, job_id: int, work: jobs.Work, lease: str | None) -> None:
    """Run the work; retry on passing database faults, then give up and fail the job."""
    try:
        jobs.job_run(job_id, work, lease=lease)
    except jobs.RetryableError as exc:
        retries = task.request.retries
        if retries < RETRY_LIMIT:
            raise task.retry(
                exc=exc, countdown=min(2**retries, RETRY_MAX_WAIT),
                kwargs={"lease": exc.lease},  # the job id stays in the task's args
            )
        try:
            jobs.job_fail(job_id, f"Gave up after {RETRY_LIMIT} retries: {exc}", lease=exc.lease)
        except DatabaseError:
            # Still no database: the reconciler fails or resumes the job once it is back.
            log.exception("job %s: could not record the failure", job_id)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def import_articles_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Import the articles of an import job; rerunning resumes where it stopped."""
    _run(self, job_id, imports.import_job_work, lease)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def suggest_claims_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Suggest claims in a job's articles; rerunning skips the spans already suggested."""
    _run(self, job_id, suggestions.suggest_job_work, lease)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def retrain_suggestions_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Fit the project's suggestion model on its accept/reject decisions."""
    _run(self, job_id, suggestions.retrain_job_work, lease)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def agreement_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Compute a project's agreement report and store it on the job."""
    from .services.adjudication import agreement_job_work

    _run(self, job_id, agreement_job_work, lease)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def build_release_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Build a dataset release; rerunning redoes an interrupted build, never a finished one."""
    from .services.releases import release_job_work

    _run(self, job_id, release_job_work, lease)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def find_relations_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Index a project's articles for the claim graph and propose relations across them."""
    from .services.graph_jobs import relations_job_work

    _run(self, job_id, relations_job_work, lease)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def import_project_task(self: Task, job_id: int, lease: str | None = None) -> None:
    """Fill a project from its uploaded archive, all or nothing; a rerun finds it filled."""
    from .services.archive_jobs import archive_job_work

    _run(self, job_id, archive_job_work, lease)


@shared_task
def reconcile_jobs_task() -> dict:
    """One sweep of the job reconciler (for a beat schedule, if a deployment prefers one)."""
    done = jobs.jobs_reconcile()
    return {"requeued": done.requeued, "failed": done.failed, "cancelled": done.cancelled,
            "resent": done.resent}


jobs.job_kind_register(JobKind.IMPORT, task=import_articles_task, undo=imports.import_job_undo)
jobs.job_kind_register(JobKind.SUGGEST, task=suggest_claims_task)
jobs.job_kind_register(JobKind.RETRAIN, task=retrain_suggestions_task)
jobs.job_kind_register(JobKind.AGREEMENT, task=agreement_task)
jobs.job_kind_register(JobKind.EXPORT, task=build_release_task)
jobs.job_kind_register(JobKind.RELATIONS, task=find_relations_task)
jobs.job_kind_register(JobKind.ARCHIVE, task=import_project_task)


class _Reconciler(threading.Thread):
    """Sweeps for stopped and forgotten jobs (and stale SQLite statistics) at start-up, then every JOB_RECONCILE_SECONDS."""

    def __init__(self) -> None:
        super().__init__(name="job-reconciler", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = settings.JOB_RECONCILE_SECONDS
        try:
            while True:
                try:
                    jobs.jobs_reconcile()
                    # SQLite keeps no planner statistics up to date by itself (PostgreSQL's
                    # autovacuum does): a table that grew a tenth is analysed again.
                    statistics.sqlite_statistics_refresh()
                except DatabaseError as exc:
                    log.warning("job reconciler: database unavailable: %s", exc)
                    connection.close()
                except Exception:  # noqa: BLE001 - the sweep must outlive any one bad row
                    log.exception("job reconciler failed")
                if self.stopping.wait(interval):
                    return
        finally:
            connection.close()


_reconciler: _Reconciler | None = None


@worker_ready.connect
def start_reconciler(**kwargs: object) -> None:
    """Start this worker's reconciler (JOB_RECONCILE_SECONDS=0 turns it off)."""
    global _reconciler
    if settings.JOB_RECONCILE_SECONDS and _reconciler is None:
        _reconciler = _Reconciler()
        _reconciler.start()


@worker_shutdown.connect
def stop_reconciler(**kwargs: object) -> None:
    """Stop the reconciler with the worker."""
    if _reconciler is not None:
        _reconciler.stopping.set()
