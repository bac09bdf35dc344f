"""The life of a job: one run holds it (lease and heartbeat), duplicates make one result, the
reconciler takes back stopped runs, managers cancel and retry. Real database, real threads."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from annotations.access import NotFound
from annotations.models import (
    Article,
    Claim,
    DatasetRelease,
    Job,
    JobKind,
    JobStatus,
    SuggestionModel,
)
from annotations.services import jobs
from annotations.services.adjudication import agreement_job_work
from annotations.services.imports import import_job_work
from annotations.services.jobs import job_cancel, job_claim, job_create, job_retry, job_run, jobs_reconcile
from annotations.services.releases import release_job_create, release_job_work
from annotations.services.suggestions import retrain_job_work, suggest_job_work
from tests.integration.worker import isolated_queue

from .test_releases import media, world  # noqa: F401 - fixtures
from .test_suggestions import decide, gold_spans, hits, run_suggest, seeds  # noqa: F401 - seeds is a fixture

pytestmark = pytest.mark.django_db


def _articles(path: Path, n: int) -> Path:
    path.write_text(
        "".join(json.dumps({"body": f"Article {i}. Le sommet a eu lieu."}) + "\n" for i in range(n)),
        encoding="utf-8",
    )
    return path


def _import_job(project, max_, tmp_path: Path, n: int = 30) -> Job:  # noqa: ANN001
    path = _articles(tmp_path / "a.jsonl", n)
    return job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})


def _age(job: Job, seconds: float) -> None:
    """Make the job's last heartbeat (and queueing) `seconds` old, as time passing would."""
    past = timezone.now() - dt.timedelta(seconds=seconds)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=past, queued_at=past)


# --- one run at a time ---------------------------------------------------------------------------


def test_it_leaves_a_job_alone_while_another_run_holds_it(project, max_, tmp_path):
    job = _import_job(project, max_, tmp_path)
    held = job_claim(job.pk)
    assert held is not None and held.status == JobStatus.RUNNING and held.lease
    assert job_claim(job.pk) is None  # a duplicate delivery
    assert job_run(job.pk, import_job_work) is None
    assert not Article.objects.exists()
    # The same run, resuming after a database fault, keeps its lease and its attempt count.
    resumed = job_claim(job.pk, lease=held.lease)
    assert resumed is not None and (resumed.lease, resumed.attempts) == (held.lease, 1)


def test_it_takes_over_a_run_whose_heartbeat_stopped(project, max_, tmp_path, settings):
    job = _import_job(project, max_, tmp_path)
    held = job_claim(job.pk)
    _age(held, settings.JOB_STALE_SECONDS + 1)
    done = job_run(job.pk, import_job_work)
    assert done is not None and done.status == JobStatus.SUCCEEDED
    assert done.attempts == 2 and done.lease != held.lease


def test_a_run_that_lost_its_job_records_nothing(world, project, max_, media):  # noqa: F811
    job = release_job_create(project=project, by=max_, version="v1")

    def overtaken(job: Job, progress: jobs.Progress) -> dict:
        # Another run takes the job over while this one writes.
        Job.objects.filter(pk=job.pk).update(lease="another-run", heartbeat_at=timezone.now())
        return release_job_work(job, progress)

    assert job_run(job.pk, overtaken) is not None
    assert not DatasetRelease.objects.exists()
    job.refresh_from_db()
    assert (job.status, job.lease) == (JobStatus.RUNNING, "another-run")  # the other run's to end
    assert not list((media / "releases" / project.slug).glob(".*.tmp"))


def test_it_gives_up_on_a_job_whose_runs_keep_dying(project, max_, tmp_path, settings):
    job = _import_job(project, max_, tmp_path)
    Job.objects.filter(pk=job.pk).update(attempts=settings.JOB_MAX_ATTEMPTS)
    assert job_run(job.pk, import_job_work) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped 5 times" in job.error


# --- duplicate delivery at the same moment ---------------------------------------------------------


def _twice_at_once(job_id: int, work: jobs.Work) -> list[Job | None]:
    """Run the job from two threads (two connections) released together; the first to hold the
    job is slowed down so the second surely arrives while it runs."""
    barrier = threading.Barrier(2)
    results: list[Job | None] = []
    errors: list[BaseException] = []

    def slowed(job: Job, progress: jobs.Progress) -> dict:
        time.sleep(0.5)
        return work(job, progress)

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(job_run(job_id, slowed))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(r is None for r in results) == [False, True], "exactly one delivery runs the job"
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_delivered_twice_at_once_imports_once(project, max_, tmp_path):
    job = _import_job(project, max_, tmp_path, n=50)
    _twice_at_once(job.pk, import_job_work)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["created"]) == (JobStatus.SUCCEEDED, 1, 50)
    assert Article.objects.count() == 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_suggest_job_delivered_twice_at_once_suggests_once(project, article, max_):
    job = job_create(project=project, kind=JobKind.SUGGEST, by=max_, params={})
    _twice_at_once(job.pk, suggest_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    spans = list(Claim.objects.values_list("start", "end"))
    assert spans and len(spans) == len(set(spans)) == job.result["suggested"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_retrain_delivered_twice_at_once_stores_one_model(project, seeds, max_, alice):  # noqa: F811
    run_suggest(project, max_)
    gold = gold_spans(seeds)
    decide(list(seeds.values()), lambda c: any(hits((c.start, c.end), g) for g in gold[c.article.external_id]), alice)
    job = job_create(project=project, kind=JobKind.RETRAIN, by=max_, params={})
    _twice_at_once(job.pk, retrain_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert list(SuggestionModel.objects.values_list("version", "job_id")) == [(1, job.pk)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_agreement_job_delivered_twice_at_once_reports_once(world, project, rita):  # noqa: F811
    job = job_create(project=project, kind=JobKind.AGREEMENT, by=rita, params={})
    _twice_at_once(job.pk, agreement_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1 and job.result


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_release_delivered_twice_at_once_makes_one_release_whose_files_match(world, project, max_, media):  # noqa: F811
    import hashlib

    job = release_job_create(project=project, by=max_, version="v1")
    _twice_at_once(job.pk, release_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    release = DatasetRelease.objects.get()
    for item in release.files.all():
        data = Path(item.file.path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (item.sha256, item.size), item.format
    assert sorted(p.name for p in (media / "releases" / project.slug).iterdir()) == ["v1"]


# --- cancelling ----------------------------------------------------------------------------------


def test_a_manager_cancels_a_queued_job_and_no_worker_runs_it(project, max_, tmp_path):
    job = _import_job(project, max_, tmp_path)
    cancelled = job_cancel(job=job, by=max_)
    assert cancelled.status == JobStatus.CANCELLED and cancelled.finished_at
    assert job_run(job.pk, import_job_work) is None
    assert not Article.objects.exists()
    with pytest.raises(ValidationError, match="already finished"):
        job_cancel(job=job, by=max_)


def test_a_cancelled_import_leaves_no_article(project, max_, tmp_path):
    from annotations.services.imports import CHUNK_SIZE

    path = _articles(tmp_path / "big.jsonl", CHUNK_SIZE + 100)
    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})

    def cancelled_after_first_chunk(job: Job, progress: jobs.Progress) -> dict:
        def watching(phase: str, done: int, total: int) -> None:
            progress(phase, done, total)
            if phase == "importing" and done >= CHUNK_SIZE:
                job_cancel(job=job, by=max_)  # the manager clicks Cancel; the next write sees it
        return import_job_work(job, watching)

    done = job_run(job.pk, cancelled_after_first_chunk)
    assert done is not None and done.status == JobStatus.CANCELLED, done.error
    assert not Article.objects.exists()


def test_a_cancelled_release_leaves_nothing_half_made(world, project, max_, media):  # noqa: F811
    job = release_job_create(project=project, by=max_, version="v1")

    def cancelled_while_writing(job: Job, progress: jobs.Progress) -> dict:
        def watching(phase: str, done: int, total: int) -> None:
            progress(phase, done, total)
            if phase == "writing":
                job_cancel(job=job, by=max_)
        return release_job_work(job, watching)

    done = job_run(job.pk, cancelled_while_writing)
    assert done is not None and done.status == JobStatus.CANCELLED
    assert not DatasetRelease.objects.exists()
    assert not any((media / "releases" / project.slug).iterdir())


def test_only_managers_cancel_and_retry(project, max_, users, tmp_path):
    job = _import_job(project, max_, tmp_path)
    for name in ("alice", "rita", "rhea"):
        with pytest.raises(PermissionDenied):
            job_cancel(job=job, by=users[name])
    with pytest.raises(NotFound):
        job_cancel(job=job, by=users["charlie"])
    job_cancel(job=job, by=max_)
    for name in ("alice", "rita", "rhea"):
        with pytest.raises(PermissionDenied):
            job_retry(job=job, by=users[name])
    with pytest.raises(NotFound):
        job_retry(job=job, by=users["charlie"])


# --- retrying ------------------------------------------------------------------------------------


def test_a_failed_job_is_retried_as_it_was_asked(project, max_, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "no body"}\n', encoding="utf-8")
    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})
    failed = job_run(job.pk, import_job_work)
    assert failed is not None and failed.status == JobStatus.FAILED
    with django_capture_on_commit_callbacks(execute=False) as sent:
        queued = job_retry(job=failed, by=max_)
    assert len(sent) == 1  # handed to the broker once the retry commits
    assert (queued.status, queued.error, queued.attempts, queued.result) == (JobStatus.QUEUED, "", 0, {})
    _articles(path, 3)  # the file was fixed meanwhile
    done = job_run(job.pk, import_job_work)
    assert done is not None and done.status == JobStatus.SUCCEEDED and Article.objects.count() == 3
    with pytest.raises(ValidationError, match="Only a failed or cancelled job"):
        job_retry(job=done, by=max_)


# --- the reconciler ------------------------------------------------------------------------------


def test_the_reconciler_queues_a_stopped_run_again(project, max_, tmp_path, settings):
    job = _import_job(project, max_, tmp_path)
    held = job_claim(job.pk)
    with isolated_queue():
        assert jobs_reconcile().requeued == []  # alive: left alone
        _age(held, settings.JOB_STALE_SECONDS + 1)
        done = jobs_reconcile()
    assert done.requeued == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.lease, job.heartbeat_at) == (JobStatus.QUEUED, "", None)
    finished = job_run(job.pk, import_job_work)
    assert finished is not None and finished.attempts == 2 and finished.status == JobStatus.SUCCEEDED


def test_the_reconciler_fails_a_job_that_keeps_dying_and_undoes_its_import(project, max_, tmp_path, settings):
    from annotations.services.imports import CHUNK_SIZE

    path = _articles(tmp_path / "big.jsonl", CHUNK_SIZE + 100)
    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"path": str(path)})

    def killed_after_first_chunk(job: Job, progress: jobs.Progress) -> dict:
        def dying(phase: str, done: int, total: int) -> None:
            progress(phase, done, total)
            if phase == "importing":
                raise SystemExit("worker killed")
        return import_job_work(job, dying)

    with pytest.raises(SystemExit):
        job_run(job.pk, killed_after_first_chunk)
    assert Article.objects.count() == CHUNK_SIZE
    Job.objects.filter(pk=job.pk).update(attempts=settings.JOB_MAX_ATTEMPTS)
    with isolated_queue():
        assert jobs_reconcile().failed == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped 5 times" in job.error
    assert not Article.objects.exists()  # all or nothing


def test_the_reconciler_ends_what_a_dead_worker_was_asked_to_cancel(project, max_, tmp_path, settings):
    job = _import_job(project, max_, tmp_path)
    held = job_claim(job.pk)
    job_cancel(job=held, by=max_)
    _age(held, settings.JOB_STALE_SECONDS + 1)
    with isolated_queue():
        assert jobs_reconcile().cancelled == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_the_reconciler_fails_a_job_whose_command_died(project, max_, tmp_path, settings):
    job = _import_job(project, max_, tmp_path)
    Job.objects.filter(pk=job.pk).update(params={**job.params, "inline": True})
    held = job_claim(job.pk)
    _age(held, settings.JOB_STALE_SECONDS + 1)
    with isolated_queue():
        assert jobs_reconcile().failed == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "command running this job stopped" in job.error


def test_the_reconciler_sends_a_forgotten_queued_job_again(project, max_, tmp_path, settings):
    job = _import_job(project, max_, tmp_path)
    inline = _import_job(project, max_, tmp_path)
    Job.objects.filter(pk=inline.pk).update(params={**inline.params, "inline": True})
    with isolated_queue():
        assert jobs_reconcile().resent == []  # just queued: the broker has it
        _age(job, settings.JOB_RESEND_QUEUED_SECONDS + 1)
        _age(inline, settings.JOB_RESEND_QUEUED_SECONDS + 1)
        assert jobs_reconcile().resent == [job.pk]
        assert jobs_reconcile().resent == []  # once per period, not every sweep
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_a_stopping_process_frees_its_job_for_the_next_delivery(project, max_, tmp_path):
    job = _import_job(project, max_, tmp_path)

    def interrupted(job: Job, progress: jobs.Progress) -> dict:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        job_run(job.pk, interrupted)
    assert Job.objects.get(pk=job.pk).heartbeat_at is None
    done = job_run(job.pk, import_job_work)
    assert done is not None and done.status == JobStatus.SUCCEEDED and done.attempts == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_heartbeat_renews_the_lease_of_a_quiet_run(project, max_, tmp_path, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.2
    job = _import_job(project, max_, tmp_path)
    seen: list[dt.datetime] = []

    def quiet(job: Job, progress: jobs.Progress) -> dict:
        for _ in range(8):
            time.sleep(0.1)
            seen.append(Job.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk))
        return {}

    assert job_run(job.pk, quiet).status == JobStatus.SUCCEEDED  # type: ignore[union-attr]
    assert len(set(seen)) > 1
