"""Celery tasks: thin wrappers that load a Job by id and run a service on it."""

from __future__ import annotations

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings

from .models import JobKind
from .services import imports, jobs, suggestions

RETRY_LIMIT = 3


def _run(task: Task, job_id: int, work: jobs.Work) -> None:
    """Run the work; retry on passing database faults, then give up and fail the job."""
    try:
        jobs.job_run(job_id, work)
    except jobs.RetryableError as exc:
        if task.request.retries < RETRY_LIMIT:
            raise task.retry(exc=exc, countdown=2 ** task.request.retries)
        jobs.job_fail(job_id, f"Gave up after {RETRY_LIMIT} retries: {exc}")


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def import_articles_task(self: Task, job_id: int) -> None:
    """Import the articles of an import job; rerunning resumes where it stopped."""
    _run(self, job_id, imports.import_job_work)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def suggest_claims_task(self: Task, job_id: int) -> None:
    """Suggest claims in a job's articles; rerunning skips the spans already suggested."""
    _run(self, job_id, suggestions.suggest_job_work)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def retrain_suggestions_task(self: Task, job_id: int) -> None:
    """Fit the project's suggestion model on its accept/reject decisions."""
    _run(self, job_id, suggestions.retrain_job_work)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def agreement_task(self: Task, job_id: int) -> None:
    """Compute a project's agreement report and store it on the job."""
    from .services.adjudication import agreement_job_work

    _run(self, job_id, agreement_job_work)


@shared_task(bind=True, max_retries=RETRY_LIMIT)
def build_release_task(self: Task, job_id: int) -> None:
    """Build a dataset release; rerunning redoes an interrupted build, never a finished one."""
    from .services.releases import release_job_work

    _run(self, job_id, release_job_work)


TASKS = {
    JobKind.IMPORT: import_articles_task,
    JobKind.SUGGEST: suggest_claims_task,
    JobKind.RETRAIN: retrain_suggestions_task,
    JobKind.AGREEMENT: agreement_task,
    JobKind.EXPORT: build_release_task,
}


@worker_ready.connect
def requeue_orphaned_jobs(**kwargs: object) -> None:
    """On the embedded runtime, hand jobs a killed worker left running to this new worker.

    The filesystem transport forgets a message once a worker has read it, so it cannot
    redeliver; Redis and RabbitMQ redeliver unacknowledged tasks themselves (late acks).
    """
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    for job in jobs.jobs_orphaned():
        task = TASKS.get(job.kind)  # type: ignore[call-overload]
        if task is not None:
            task.delay(job.pk)
