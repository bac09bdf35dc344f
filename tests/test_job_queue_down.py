"""A broker that is down when a job starts: the API answers 503, the UI and the admin a message.

The broker is really unreachable: the Celery app points at a port nobody listens on, and the
jobs are committed for real (transactional tests), so the send runs where it runs in production.
"""

from __future__ import annotations

import socket

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import Job, JobKind, JobStatus
from tests.api.test_job_controls import make_job
from tests.integration.faults import celery_broker

# Committed for real; serialized_rollback keeps the rows the migrations made for later tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _closed_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down():
    """Point the Celery app at a closed port for the test, then back at the real broker."""
    with celery_broker(f"redis://127.0.0.1:{_closed_port()}/0"):
        yield


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def only_job(reason: str = "The job queue could not be reached") -> Job:
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED, job.status  # failed with a reason, not left queued
    assert job.error.startswith(reason), job.error
    return job


def test_it_answers_503_to_an_api_job_start(project, max_, broker_down):
    client = APIClient()
    client.force_authenticate(max_)
    response = client.post("/api/v1/jobs/suggest/", {"project": project.slug}, format="json")
    assert response.status_code == 503, response.content
    job = only_job()
    assert response.json() == {
        "detail": (
            f"The job queue cannot be reached right now, so job #{job.pk} was not started. "
            "Try again in a moment (the job can be retried from its page)."
        ),
        "code": "job_queue_unavailable", "job": job.pk,
    }
    assert response["Retry-After"] == "30"


def test_it_answers_503_to_an_api_retry(project, max_, broker_down):
    job = make_job(project, max_, JobStatus.FAILED, error="Internal error (KeyError)")
    client = APIClient()
    client.force_authenticate(max_)
    response = client.post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 503
    assert response.json()["job"] == job.pk
    assert only_job().pk == job.pk


def test_it_shows_the_failed_job_and_a_message_when_the_ui_starts_one(project, max_, broker_down):
    client = Client()
    client.force_login(max_)
    response = client.post(reverse("ui:suggest_start", args=[project.slug]))
    job = only_job()
    assert response.status_code == 302 and response["Location"] == reverse("ui:job", args=[job.pk])
    assert said(response) == [
        f"The job queue cannot be reached right now, so job #{job.pk} was not started. "
        "Try again in a moment (the job can be retried from its page)."
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Why it failed" in page and "Retry job</button>" in page


def test_it_keeps_the_upload_of_an_import_it_could_not_queue(project, max_, broker_down, settings, tmp_path):
    """The failed import keeps its file, so Retry on its page runs it once the broker is back."""
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(max_)
    upload = SimpleUploadedFile("a.jsonl", b'{"title": "T", "body": "Un texte."}\n')
    response = client.post(reverse("ui:import", args=[project.slug]), {"file": upload})
    job = only_job()
    assert job.kind == JobKind.IMPORT and job.input_file.storage.exists(job.input_file.name)
    assert response["Location"] == reverse("ui:job", args=[job.pk])
    assert said(response)[0].startswith("The job queue cannot be reached right now")


def test_it_shows_a_message_when_a_ui_retry_finds_the_queue_down(project, max_, broker_down):
    job = make_job(project, max_, JobStatus.CANCELLED, error="Cancelled by a manager.")
    client = Client()
    client.force_login(max_)
    response = client.post(reverse("ui:job_retry", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302 and response["Location"] == reverse("ui:job", args=[job.pk])
    assert said(response) == [
        f"La file des tâches est injoignable pour le moment, la tâche n°\u00a0{job.pk} n'a donc pas "
        "été lancée. Réessayez dans un instant (la tâche peut être relancée depuis sa page)."
    ]
    # The stored reason is read by everyone who opens the job, so it is in the site's language.
    assert only_job().pk == job.pk


def test_it_sends_an_htmx_request_to_the_job_page_too(project, rita, broker_down):
    client = Client()
    client.force_login(rita)
    response = client.post(reverse("ui:agreement_job", args=[project.slug]), HTTP_HX_REQUEST="true")
    job = only_job()
    assert job.kind == JobKind.AGREEMENT
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("ui:job", args=[job.pk])
    # She started it, so she may see it fail (though only managers retry it).
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "Why it failed" in page and "Retry job</button>" not in page


def test_it_shows_the_failed_job_in_the_admin(project, max_, broker_down):
    client = Client()
    client.force_login(max_)
    response = client.post(
        reverse("admin:annotations_project_changelist"),
        {"action": "retrain_suggestion_model", "_selected_action": [project.pk]},
    )
    job = only_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:annotations_job_change", args=[job.pk])
    assert said(response)[-1].startswith("The job queue cannot be reached right now")
    assert client.get(response["Location"]).status_code == 200


def test_the_admin_retry_action_stops_at_the_first_refusal_of_the_queue(project, max_, broker_down):
    first = make_job(project, max_, JobStatus.FAILED, error="boom")
    second = make_job(project, max_, JobStatus.FAILED, error="boom")
    client = Client()
    client.force_login(max_)
    response = client.post(
        reverse("admin:annotations_job_changelist"),
        {"action": "retry_jobs", "_selected_action": [first.pk, second.pk]},
    )
    messages = said(response)
    assert messages[0].startswith(f"Skipped #{first.pk}: The job queue cannot be reached")
    assert messages[1] == f"Not tried, as the job queue cannot be reached: #{second.pk}."
    assert Job.objects.get(pk=first.pk).error.startswith("The job queue could not be reached")
    assert Job.objects.get(pk=second.pk).error == "boom"
