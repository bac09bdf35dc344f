"""Cancelling and retrying a job through the API: managers only, 409 when the status forbids it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotations import tasks
from annotations.models import Job, JobKind, JobStatus

pytestmark = pytest.mark.django_db

P = "/api/v1/jobs"


def make_job(project, by, status: str, *, kind: str = JobKind.SUGGEST, **fields) -> Job:
    """A job of `project` in the given status, as a run would have left it."""
    finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
    running = status == JobStatus.RUNNING
    return Job.objects.create(
        project=project, kind=kind, status=status, created_by=by,
        finished_at=timezone.now() if finished else None,
        started_at=timezone.now() if finished or running else None,
        lease="a" * 32 if running else "", heartbeat_at=timezone.now() if running else None,
        worker="w1:42" if running else "", attempts=1 if finished or running else 0, **fields,
    )


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["cancel", "retry"])
@pytest.mark.parametrize(("persona", "expected"), [
    ("alice", 403), ("bob", 403), ("rita", 403), ("rhea", 403), ("charlie", 404),
])
def test_it_lets_only_managers_cancel_or_retry(project, max_, client_for, route, persona, expected):
    status = JobStatus.QUEUED if route == "cancel" else JobStatus.FAILED
    job = make_job(project, max_, status)
    response = client_for(persona).post(f"{P}/{job.pk}/{route}/")
    assert response.status_code == expected, response.content
    job.refresh_from_db()
    assert job.status == status and job.cancel_requested_at is None


@pytest.mark.parametrize("route", ["cancel", "retry"])
def test_it_refuses_anonymous_callers(project, max_, anon, route):
    job = make_job(project, max_, JobStatus.QUEUED)
    response = anon.post(f"{P}/{job.pk}/{route}/")
    assert response.status_code == 401
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


@pytest.mark.parametrize("route", ["cancel", "retry"])
def test_it_answers_an_outsider_as_for_a_job_that_does_not_exist(project, max_, client_for, route):
    job = make_job(project, max_, JobStatus.FAILED)
    hidden = client_for("charlie").post(f"{P}/{job.pk}/{route}/")
    missing = client_for("charlie").post(f"{P}/{job.pk + 1000}/{route}/")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert hidden.status_code == 404


def test_it_refuses_a_reviewer_her_own_agreement_job(project, rita, client_for):
    """Starting a job lets you watch it; cancelling or retrying it is the managers' call."""
    job = make_job(project, rita, JobStatus.QUEUED, kind=JobKind.AGREEMENT)
    assert client_for("rita").get(f"{P}/{job.pk}/").status_code == 200
    assert client_for("rita").post(f"{P}/{job.pk}/cancel/").status_code == 403
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


# --- cancel -------------------------------------------------------------------------------------


def test_it_cancels_a_queued_job_at_once(project, max_, client_for):
    job = make_job(project, max_, JobStatus.QUEUED)
    response = client_for("max").post(f"{P}/{job.pk}/cancel/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["cancel_requested"]) == (job.pk, "cancelled", True)
    assert body["error"] == "Cancelled by a manager."
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None


def test_it_asks_a_running_job_to_stop(project, max_, client_for):
    job = make_job(project, max_, JobStatus.RUNNING, progress_done=3, progress_total=10)
    response = client_for("max").post(f"{P}/{job.pk}/cancel/")
    assert response.status_code == 200
    body = response.json()
    # Still running until its next step notices; the body says a cancel is under way.
    assert (body["status"], body["cancel_requested"]) == ("running", True)
    assert body["heartbeat_at"] is not None and body["attempts"] == 1
    assert client_for("max").get(f"{P}/{job.pk}/").json()["cancel_requested"] is True


@pytest.mark.parametrize("status", [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_it_answers_409_to_cancelling_a_finished_job(project, max_, client_for, status):
    job = make_job(project, max_, status)
    response = client_for("max").post(f"{P}/{job.pk}/cancel/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This job has already finished; there is nothing to cancel.",
        "code": "job_not_cancellable", "status": status,
    }
    job.refresh_from_db()
    assert job.status == status and job.cancel_requested_at is None


# --- retry --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.CANCELLED])
def test_it_retries_a_failed_or_cancelled_job_and_sends_it_on_commit(
    project, max_, client_for, monkeypatch, django_capture_on_commit_callbacks, status
):
    job = make_job(project, max_, status, error="Internal error (KeyError)", params={"article_ids": None})
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.suggest_claims_task, "apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for("max").post(f"{P}/{job.pk}/retry/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["error"], body["cancel_requested"]) == (job.pk, "queued", "", False)
    assert body["params"] == {"article_ids": None}  # the same input
    assert len(callbacks) == 1 and sent == [(job.pk,)]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at) == (JobStatus.QUEUED, 0, None)
    assert Job.objects.count() == 1  # the same job, not a new one


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED])
def test_it_answers_409_to_retrying_a_job_that_did_not_fail(
    project, max_, client_for, django_capture_on_commit_callbacks, status
):
    job = make_job(project, max_, status)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for("max").post(f"{P}/{job.pk}/retry/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a failed or cancelled job can be retried.",
        "code": "job_not_retryable", "status": status,
    }
    assert callbacks == []
    assert Job.objects.get(pk=job.pk).status == status


def test_it_refuses_get_on_the_action_routes(project, max_, client_for):
    job = make_job(project, max_, JobStatus.QUEUED)
    assert client_for("max").get(f"{P}/{job.pk}/cancel/").status_code == 405


def test_it_lists_cancelled_jobs_by_status(project, max_, client_for):
    cancelled = make_job(project, max_, JobStatus.CANCELLED)
    make_job(project, max_, JobStatus.FAILED)
    results = client_for("max").get(f"{P}/?project=test&status=cancelled").json()["results"]
    assert [job["id"] for job in results] == [cancelled.pk]
