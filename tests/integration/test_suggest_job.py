"""The suggest and retrain jobs end to end: a real worker process, the configured broker and database."""

from __future__ import annotations

import pytest

from annotations.models import Article, Claim, ClaimOrigin, Job, JobStatus, body_hash
from annotations.services.suggestions import retrain_job_start, suggest_job_start
from tests.conftest import BODY
from tests.integration.worker import Worker, check_broker, isolated_queue, wait_for_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def test_it_runs_suggest_jobs_on_a_real_worker_and_never_duplicates(project, max_, tmp_path):
    check_broker()
    for i in range(4):
        body = f"Dépêche {i}. " + BODY
        Article.objects.create(project=project, body=body, body_hash=body_hash(body), language="fr")
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            first = suggest_job_start(project=project, by=max_)
            wait_for_job(first.pk, worker=worker, what="the suggest job")
            second = suggest_job_start(project=project, by=max_)
            wait_for_job(second.pk, worker=worker, what="the rerun")
            retrain = retrain_job_start(project=project, by=max_)
            wait_for_job(retrain.pk, worker=worker, what="the retrain job")
        finally:
            worker.stop()
    first, second, retrain = _job(first.pk), _job(second.pk), _job(retrain.pk)
    assert first.status == JobStatus.SUCCEEDED, first.error
    assert (first.percent, first.progress_done, first.progress_total) == (100, 4, 4)
    assert first.result["articles"] == 4
    suggested = Claim.objects.filter(article__project=project, origin=ClaimOrigin.SUGGESTED).count()
    assert suggested == first.result["suggested"] > 0
    assert second.status == JobStatus.SUCCEEDED, second.error
    assert (second.result["suggested"], second.result["skipped_existing"]) == (0, suggested)
    # Nobody has decided anything yet: the worker reports the refusal on the job.
    assert retrain.status == JobStatus.FAILED
    assert "at least 30 decided suggestions" in retrain.error
