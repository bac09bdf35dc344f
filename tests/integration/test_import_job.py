"""The import job end to end: a real worker process, the configured broker, the real database."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Article, Job, JobStatus
from annotations.services.imports import import_job_start
from tests.integration.worker import (
    FAST_RECOVERY,
    Worker,
    check_broker,
    isolated_queue,
    wait_for,
    wait_for_job,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _jsonl(n: int, *, size: int = 300, tag: str = "") -> bytes:
    lines = []
    for i in range(n):
        body = f"Article {tag}{i}. " + ("Le sommet d'Anchorage a eu lieu le 15 août 2025. " * (size // 50))
        lines.append(json.dumps({"title": f"T{i}", "body": body, "outlet": "Le Monde"}))
    return ("\n".join(lines) + "\n").encode()


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def test_it_runs_an_import_job_to_100_percent_on_a_real_worker(project, max_, tmp_path):
    check_broker()
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            upload = SimpleUploadedFile("articles.jsonl", _jsonl(120) + _jsonl(3))  # 3 duplicates
            job = import_job_start(project=project, by=max_, upload=upload)
            wait_for_job(job.pk, worker=worker, what="the import job")
        finally:
            worker.stop()
    job = _job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.percent == 100
    assert job.progress_done == job.progress_total == 123
    assert job.attempts == 1
    assert job.result["created"] == 120
    assert job.result["duplicates"] == 3
    assert Article.objects.filter(project=project, import_job=job).count() == 120


def test_it_refuses_a_bad_file_through_the_worker_and_writes_nothing(project, max_, tmp_path):
    check_broker()
    # The bad lines come after the first 64 KB, past what the upload check reads, so the worker
    # is the one to find them (a bad first line is refused at upload, before any job).
    good = _jsonl(300)
    assert len(good) > 64 * 1024
    bad = good + _jsonl(1, tag="x").replace(b'"body"', b'"bodi"', 1) + b"{not json}\n"
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            job = import_job_start(
                project=project, by=max_, upload=SimpleUploadedFile("bad.jsonl", bad)
            )
            wait_for_job(job.pk, worker=worker, what="the import job")
        finally:
            worker.stop()
    job = _job(job.pk)
    assert job.status == JobStatus.FAILED
    assert "nothing was imported" in job.error
    assert [(e["line"], e["field"]) for e in job.result["errors"]] == [(301, "body"), (302, None)]
    assert not Article.objects.filter(project=project).exists()


def test_it_finishes_a_job_whose_worker_was_killed_mid_import(project, max_, tmp_path, settings):
    """The new worker's reconciler sees the killed run's heartbeat stop and queues the job again."""
    check_broker()
    # Short heartbeat timings so recovery happens within the test; the broker's own redelivery
    # (visibility timeout) is left long, so the reconciler alone must recover the job.
    env = FAST_RECOVERY
    with isolated_queue() as queue:
        first = Worker(queue, tmp_path / "worker1.log", env)
        try:
            job = import_job_start(
                project=project, by=max_,
                upload=SimpleUploadedFile("big.jsonl", _jsonl(20000, size=1000)),
            )
            wait_for(
                lambda: _job(job.pk).phase == "importing" and _job(job.pk).progress_done > 0,
                timeout=120, worker=first, what="the import to start writing",
            )
        finally:
            first.kill()
        partial = Article.objects.filter(import_job_id=job.pk).count()
        assert 0 < partial < 20000, "the kill should land mid-import"
        second = Worker(queue, tmp_path / "worker2.log", env)
        try:
            wait_for_job(job.pk, worker=second, timeout=240, what="the restarted job")
        finally:
            second.stop()
    job = _job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.result["created"] == 20000
    assert job.result["duplicates"] == 0
    assert Article.objects.filter(project=project).count() == 20000
