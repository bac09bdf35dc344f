"""Cancel and Retry buttons on a job's page and in the jobs list: managers only, POST with CSRF."""

from __future__ import annotations

import html

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from annotations import tasks
from annotations.models import Job, JobKind, JobStatus
from tests.api.test_job_controls import make_job
from tests.ui.fixtures_manage import *  # noqa: F401,F403
from tests.ui.fixtures_manage import assert_refused

pytestmark = pytest.mark.django_db

CANCEL = "Cancel job</button>"
RETRY = "Retry job</button>"


def page(client: Client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the buttons --------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "shown", "hidden"), [
    (JobStatus.QUEUED, CANCEL, RETRY),
    (JobStatus.RUNNING, CANCEL, RETRY),
    (JobStatus.FAILED, RETRY, CANCEL),
    (JobStatus.CANCELLED, RETRY, CANCEL),
])
def test_it_offers_the_manager_the_button_the_status_allows(people, project, max_, status, shown, hidden):
    job = make_job(project, max_, status)
    for url in (reverse("ui:job", args=[job.pk]), reverse("ui:jobs", args=[project.slug])):
        text = page(people["max"], url)
        assert shown in text and hidden not in text, url
    action = "job_cancel" if shown == CANCEL else "job_retry"
    assert f'action="{reverse(f"ui:{action}", args=[job.pk])}"' in text
    assert 'name="csrfmiddlewaretoken"' in text


def test_it_offers_no_button_for_a_succeeded_job(people, project, max_):
    job = make_job(project, max_, JobStatus.SUCCEEDED)
    text = page(people["max"], reverse("ui:job", args=[job.pk]))
    assert CANCEL not in text and RETRY not in text


def test_it_asks_before_cancelling(people, project, max_):
    job = make_job(project, max_, JobStatus.RUNNING)
    text = page(people["max"], reverse("ui:job", args=[job.pk]))
    assert f'data-confirm="Cancel job #{job.pk}? What it has done so far is undone."' in text


def test_it_shows_no_button_to_a_reviewer_watching_her_own_job(people, project, rita):
    """Whoever started a job may watch it; only managers cancel or retry it."""
    queued = make_job(project, rita, JobStatus.QUEUED, kind=JobKind.AGREEMENT)
    failed = make_job(project, rita, JobStatus.FAILED, kind=JobKind.AGREEMENT, error="boom")
    for job in (queued, failed):
        text = page(people["rita"], reverse("ui:job", args=[job.pk]))
        assert CANCEL not in text and RETRY not in text


@pytest.mark.parametrize("route", ["ui:job_cancel", "ui:job_retry"])
def test_it_lets_only_managers_post(people, project, max_, route):
    status = JobStatus.QUEUED if route == "ui:job_cancel" else JobStatus.FAILED
    jobs = iter([make_job(project, max_, status) for _ in range(len(people))])
    # One job per persona, so the manager's success does not change what the next one meets.
    for name, client in people.items():
        job = next(jobs)
        assert_refused({name: client}, reverse(route, args=[job.pk]), allowed={"max"}, method="post")
        job.refresh_from_db()
        assert (job.status != status) == (name == "max"), name


def test_it_refuses_a_get(people, project, max_):
    job = make_job(project, max_, JobStatus.QUEUED)
    assert people["max"].get(reverse("ui:job_cancel", args=[job.pk])).status_code == 405
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_it_needs_a_csrf_token(project, max_):
    job = make_job(project, max_, JobStatus.QUEUED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(max_)
    assert client.post(reverse("ui:job_cancel", args=[job.pk])).status_code == 403
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


# --- what they do -------------------------------------------------------------------------------


def test_it_cancels_a_queued_job(people, project, max_):
    job = make_job(project, max_, JobStatus.QUEUED)
    response = people["max"].post(reverse("ui:job_cancel", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("ui:job", args=[job.pk])
    assert said(response) == [f"Job #{job.pk} cancelled."]
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    text = page(people["max"], response["Location"])
    assert "Why it stopped" in text and "Cancelled by a manager." in text and RETRY in text


def test_it_asks_a_running_job_to_stop_and_shows_it_cancelling(people, project, max_):
    job = make_job(project, max_, JobStatus.RUNNING, progress_done=2, progress_total=8)
    response = people["max"].post(reverse("ui:job_cancel", args=[job.pk]))
    assert said(response) == [f"Job #{job.pk} will stop at its next step and undo what it did so far."]
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.cancel_requested_at is not None
    partial = page(people["max"], reverse("ui:job_progress", args=[job.pk]))
    assert "Cancelling…" in partial and 'hx-trigger="every 1s"' in partial  # still followed
    text = page(people["max"], reverse("ui:job", args=[job.pk]))
    assert CANCEL not in text  # asked once is enough


def test_the_progress_partial_stops_polling_once_cancelled(people, project, max_):
    job = make_job(project, max_, JobStatus.CANCELLED, error="Cancelled by a manager.")
    partial = page(people["max"], reverse("ui:job_progress", args=[job.pk]) + "?on=detail", HTTP_HX_REQUEST="true")
    assert ">Cancelled</span>" in partial and "Cancelling" not in partial
    assert "hx-trigger" not in partial


def test_it_says_why_a_finished_job_cannot_be_cancelled(people, project, max_):
    job = make_job(project, max_, JobStatus.SUCCEEDED)
    response = people["max"].post(reverse("ui:job_cancel", args=[job.pk]))
    assert response.status_code == 302
    assert said(response) == ["This job has already finished; there is nothing to cancel."]
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_it_retries_a_failed_job(people, project, max_, monkeypatch, django_capture_on_commit_callbacks):
    job = make_job(project, max_, JobStatus.FAILED, error="Internal error (KeyError)")
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.suggest_claims_task, "apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = people["max"].post(reverse("ui:job_retry", args=[job.pk]))
    assert response["Location"] == reverse("ui:job", args=[job.pk])
    assert said(response) == [f"Job #{job.pk} queued again."]
    assert sent == [(job.pk,)]
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.QUEUED, "")
    assert CANCEL in page(people["max"], response["Location"])


def test_it_says_why_a_running_job_cannot_be_retried(people, project, max_, django_capture_on_commit_callbacks):
    job = make_job(project, max_, JobStatus.RUNNING)
    with django_capture_on_commit_callbacks() as callbacks:
        response = people["max"].post(reverse("ui:job_retry", args=[job.pk]))
    assert said(response) == ["Only a failed or cancelled job can be retried."]
    assert callbacks == [] and Job.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_it_speaks_french(people, project, max_):
    running = make_job(project, max_, JobStatus.RUNNING)
    make_job(project, max_, JobStatus.FAILED, error="boom")
    text = page(people["max"], reverse("ui:jobs", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Annuler la tâche</button>" in text and "Relancer la tâche</button>" in text
    response = people["max"].post(reverse("ui:job_cancel", args=[running.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert said(response) == [
        f"La tâche n°\u00a0{running.pk} s'arrêtera à sa prochaine étape et défera ce qu'elle a déjà fait."
    ]
    partial = page(people["max"], reverse("ui:job_progress", args=[running.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Annulation…" in partial


def test_the_agreement_status_stops_polling_once_its_job_is_cancelled(people, project, rita):
    job = make_job(project, rita, JobStatus.RUNNING, kind=JobKind.AGREEMENT)
    url = reverse("ui:agreement_job_status", args=[project.slug])
    assert 'hx-trigger="every 2s"' in page(people["rita"], url)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED, error="Cancelled by a manager.")
    partial = page(people["rita"], url)
    assert "hx-trigger" not in partial and "Cancelled by a manager." in partial
