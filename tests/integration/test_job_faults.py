"""Jobs under real faults: the database goes away mid-job, the worker is SIGKILLed, the broker
restarts without persistence. Each job ends finished once (or failed with a reason), never
`running` forever.

The database faults use a PostgreSQL cluster the test starts itself on its own port; they run in
the PostgreSQL stage of CI. The broker faults use a Redis the test starts itself, on either
database. Recovery times are written to test-artifacts/recovery.json (bench/RESULTS.md has them).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.conf import settings

from annotations.models import Article, Job, JobStatus
from tests.integration.faults import (
    ThrowawayPostgres,
    ThrowawayRedis,
    celery_broker,
    django_call,
    queue_import,
)
from tests.integration.worker import FAST_RECOVERY, Worker, check_broker, isolated_queue

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
OUTAGE_SECONDS = 15
FINISHED = {s.value for s in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)}


def _record(name: str, seconds: float) -> None:
    """Keep a measured recovery time where bench/RESULTS.md can quote it from."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "recovery.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = round(seconds, 1)
    path.write_text(json.dumps(figures, indent=2, sort_keys=True))


def _articles(n: int, path: Path) -> Path:
    filler = "Le sommet d'Anchorage a eu lieu le 15 août 2025. " * 20
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"title": f"T{i}", "body": f"Article {i}. {filler}"}) + "\n")
    return path


def _poll(predicate, *, timeout: float, worker: Worker, what: str):  # noqa: ANN001, ANN202
    """Like worker.wait_for, but the predicate may fail while the database is down."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - the database is away; keep polling
            value = None
        if value:
            return value
        if worker.process.poll() is not None:
            raise AssertionError(f"worker exited while waiting for {what}:\n{worker.output()}")
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{worker.output()}")


# --- the database goes away ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    """A migrated throwaway PostgreSQL with a project managed by `max`."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the database-outage tests run in the PostgreSQL stage (CI runs them there)")
    pg = ThrowawayPostgres()
    try:
        pg.migrate_with_project()
        yield pg
    finally:
        pg.destroy()


def _env(pg: ThrowawayPostgres, queue: str) -> dict[str, str]:
    return {
        "DATABASE_URL": pg.url, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "BROKER_DIR": str(settings.BROKER_DIR), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_QUEUE": queue,
    }


def _job_row(pg: ThrowawayPostgres, job_id: int) -> dict:
    cols = ("status", "phase", "progress_done", "attempts", "error", "result")
    row = pg.query(f"SELECT {', '.join(cols)} FROM annotations_job WHERE id = %s", (job_id,))[0]
    return dict(zip(cols, row))


def _outage(pg: ThrowawayPostgres, job_id: int) -> float:
    """Stop the server for OUTAGE_SECONDS in the middle of the job; return the moment it is back."""
    assert _job_row(pg, job_id)["status"] == JobStatus.RUNNING, "the outage should land mid-job"
    pg.stop()
    time.sleep(OUTAGE_SECONDS)
    pg.start()
    return time.monotonic()


def _ride_out_outage(pg: ThrowawayPostgres, job_id: int, worker: Worker, phase: str, name: str) -> None:
    """Once the job is writing (`phase`), take the database away; wait for the job to end."""
    _poll(lambda: (r := _job_row(pg, job_id))["phase"] == phase and r["progress_done"],
          timeout=180, worker=worker, what=f"the job to start {phase}")
    back = _outage(pg, job_id)
    _poll(lambda: _job_row(pg, job_id)["status"] in FINISHED, timeout=300, worker=worker,
          what="the job to finish after the outage")
    _record(name, time.monotonic() - back)


def test_it_rides_out_a_database_outage_in_the_middle_of_an_import(cluster, tmp_path):
    check_broker()
    n = 20000
    source = _articles(n, tmp_path / "big.jsonl")
    with isolated_queue() as queue:
        env = _env(cluster, queue)
        worker = Worker(queue, tmp_path / "worker.log", {**env, **FAST_RECOVERY})
        try:
            job_id = queue_import(source, env)
            _ride_out_outage(cluster, job_id, worker, "importing", "import_after_15s_database_outage")
        finally:
            worker.stop()
    row = _job_row(cluster, job_id)
    assert row["status"] == JobStatus.SUCCEEDED, (row["error"], worker.output())
    assert (row["result"]["created"], row["result"]["duplicates"]) == (n, 0)
    [(count, distinct)] = cluster.query(
        "SELECT count(*), count(DISTINCT body_hash) FROM annotations_article WHERE import_job_id = %s",
        (job_id,),
    )
    assert count == distinct == n  # every article once: nothing lost, nothing written twice


def _release_world(pg: ThrowawayPostgres, queue: str, version: str, claims: int) -> int:
    """Generate an adjudicated project on the cluster (once) and queue a release of it."""
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from annotations.models import Project\n"
        "from annotations.services.releases import release_job_start\n"
        "from bench.generate_project import generate\n"
        "if not Project.objects.filter(slug='gen').exists():\n"
        f"    generate('gen', claims={claims}, annotators_per_claim=3, annotators=10)\n"
        "p = Project.objects.get(slug='gen')\n"
        f"job = release_job_start(project=p, by=get_user_model().objects.get(username='gen-manager'), "
        f"version={version!r})\n"
        "print(job.pk)\n"
    )
    return int(django_call(code, _env(pg, queue)).split()[-1])


def _check_release(pg: ThrowawayPostgres, job_id: int) -> None:
    """The job made one release, and every file on disk is what the database says it is."""
    import hashlib

    rows = pg.query(
        "SELECT f.format, f.file, f.sha256, f.size FROM annotations_releasefile f "
        "JOIN annotations_datasetrelease r ON r.id = f.release_id WHERE r.job_id = %s", (job_id,),
    )
    assert {fmt for fmt, *_ in rows} >= {"jsonl", "zip", "sha256sums"}
    [(releases,)] = pg.query("SELECT count(*) FROM annotations_datasetrelease WHERE job_id = %s", (job_id,))
    assert releases == 1
    for fmt, name, digest, size in rows:
        data = (Path(settings.MEDIA_ROOT) / name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (digest, size), fmt
    folder = (Path(settings.MEDIA_ROOT) / rows[0][1]).parent
    assert not list(folder.parent.glob(".*.tmp")), "a run's temporary folder was left behind"


def test_it_rides_out_a_database_outage_in_the_middle_of_a_release(cluster, tmp_path):
    check_broker()
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log", {**_env(cluster, queue), **FAST_RECOVERY})
        try:
            job_id = _release_world(cluster, queue, "outage", claims=60000)
            _ride_out_outage(cluster, job_id, worker, "writing", "release_after_15s_database_outage")
        finally:
            worker.stop()
    row = _job_row(cluster, job_id)
    assert row["status"] == JobStatus.SUCCEEDED, (row["error"], worker.output())
    _check_release(cluster, job_id)


def test_it_finishes_a_release_whose_worker_was_killed(cluster, tmp_path):
    check_broker()
    with isolated_queue() as queue:
        env = {**_env(cluster, queue), **FAST_RECOVERY}
        first = Worker(queue, tmp_path / "worker1.log", env)
        try:
            job_id = _release_world(cluster, queue, "killed", claims=60000)
            _poll(lambda: (r := _job_row(cluster, job_id))["phase"] == "writing" and r["progress_done"],
                  timeout=180, worker=first, what="the release to start writing")
        finally:
            first.kill()
        assert _job_row(cluster, job_id)["status"] == JobStatus.RUNNING
        started = time.monotonic()
        second = Worker(queue, tmp_path / "worker2.log", env)
        try:
            _poll(lambda: _job_row(cluster, job_id)["attempts"] == 2, timeout=120, worker=second,
                  what="the new worker to take the job back")
            _record("release_taken_back_after_worker_kill", time.monotonic() - started)
            _poll(lambda: _job_row(cluster, job_id)["status"] in FINISHED, timeout=300, worker=second,
                  what="the release to finish")
        finally:
            second.stop()
    row = _job_row(cluster, job_id)
    assert row["status"] == JobStatus.SUCCEEDED, (row["error"], second.output())
    _check_release(cluster, job_id)


# --- the broker forgets --------------------------------------------------------------------------


@pytest.fixture
def redis_broker():
    """A Redis of the test's own that this process and its workers use as the broker."""
    redis = ThrowawayRedis()
    try:
        with celery_broker(redis.url):
            yield redis
    finally:
        redis.destroy()


def _import_job(project, max_, n: int, tmp_path: Path) -> Job:  # noqa: ANN001
    from annotations.services.imports import import_job_start

    return import_job_start(project=project, by=max_, path=str(_articles(n, tmp_path / "a.jsonl")))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_queued_before_the_broker_restarted_is_sent_again(redis_broker, project, max_, tmp_path):
    with isolated_queue() as queue:
        job = _import_job(project, max_, 50, tmp_path)
        redis_broker.restart()  # no persistence: the queued message is gone
        started = time.monotonic()
        worker = Worker(queue, tmp_path / "worker.log", {"CELERY_BROKER_URL": redis_broker.url, **FAST_RECOVERY})
        try:
            _poll(lambda: Job.objects.get(pk=job.pk).status in FINISHED, timeout=60, worker=worker,
                  what="the forgotten job to be sent again and run")
            _record("queued_job_resent_after_broker_restart", time.monotonic() - started)
        finally:
            worker.stop()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Article.objects.filter(import_job=job).count() == 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_worker_and_a_forgetful_broker_leave_no_orphan(redis_broker, project, max_, tmp_path):
    n = 20000
    with isolated_queue() as queue:
        env = {"CELERY_BROKER_URL": redis_broker.url, **FAST_RECOVERY}
        first = Worker(queue, tmp_path / "worker1.log", env)
        try:
            job = _import_job(project, max_, n, tmp_path)
            _poll(lambda: (j := Job.objects.get(pk=job.pk)).phase == "importing" and j.progress_done,
                  timeout=120, worker=first, what="the import to start writing")
        finally:
            first.kill()
        # The unacknowledged message dies with the broker: only the reconciler can save the job.
        redis_broker.restart()
        second = Worker(queue, tmp_path / "worker2.log", env)
        try:
            _poll(lambda: Job.objects.get(pk=job.pk).status in FINISHED, timeout=240, worker=second,
                  what="the orphaned import to be taken back and finished")
        finally:
            second.stop()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2
    assert (job.result["created"], job.result["duplicates"]) == (n, 0)
    assert Article.objects.filter(project=project).count() == n


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_starting_a_job_while_the_broker_is_down_fails_it_with_a_reason(redis_broker, project, max_):
    from annotations.services.jobs import JobQueueUnavailable
    from annotations.services.suggestions import retrain_job_start

    redis_broker.stop()
    with pytest.raises(JobQueueUnavailable) as caught:
        retrain_job_start(project=project, by=max_)
    job = Job.objects.get(pk=caught.value.job_id)
    assert job.status == JobStatus.FAILED  # not left queued with nobody to run it
    assert "job queue could not be reached" in job.error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_jobs_started_together_while_the_broker_is_down_all_fail_with_a_reason(redis_broker, project, max_):
    """Django skips the commit hooks after one that raised: the jobs they would have sent fail too."""
    from django.db import transaction

    from annotations.services.jobs import JobQueueUnavailable
    from annotations.services.suggestions import retrain_job_start

    redis_broker.stop()
    with pytest.raises(JobQueueUnavailable):
        with transaction.atomic():
            retrain_job_start(project=project, by=max_)
            retrain_job_start(project=project, by=max_)
    assert list(Job.objects.values_list("status", flat=True)) == [JobStatus.FAILED] * 2
