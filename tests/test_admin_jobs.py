"""The Job admin's Cancel and Retry actions: through the services, job by job, with a report."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from annotations import tasks
from annotations.models import Job, JobStatus, Membership, Project, Role
from annotations.services.projects import default_scheme
from tests.api.test_job_controls import make_job

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:annotations_job_changelist"


def act(client, action: str, jobs: list[Job]):
    return client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [j.pk for j in jobs]})


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def other(users) -> Project:
    """A second project where max only reviews."""
    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    Membership.objects.create(user=users["max"], project=other, role=Role.REVIEWER)
    return other


def test_it_cancels_the_cancellable_and_says_why_it_skipped_the_others(client, project, max_):
    queued = make_job(project, max_, JobStatus.QUEUED)
    running = make_job(project, max_, JobStatus.RUNNING)
    done = make_job(project, max_, JobStatus.SUCCEEDED)
    failed = make_job(project, max_, JobStatus.FAILED, error="boom")
    client.force_login(max_)
    response = act(client, "cancel_jobs", [queued, running, done, failed])
    assert response.status_code == 302
    assert said(response) == [
        "2 jobs cancelled (1 running: they stop at their next step and undo their work).",
        f"Skipped #{done.pk}, #{failed.pk}: This job has already finished; there is nothing to cancel.",
    ]
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {
        queued.pk: JobStatus.CANCELLED, running.pk: JobStatus.RUNNING,
        done.pk: JobStatus.SUCCEEDED, failed.pk: JobStatus.FAILED,
    }
    assert Job.objects.get(pk=running.pk).cancel_requested_at is not None


def test_it_retries_the_failed_and_cancelled(client, project, max_, monkeypatch, django_capture_on_commit_callbacks):
    failed = make_job(project, max_, JobStatus.FAILED, error="boom")
    cancelled = make_job(project, max_, JobStatus.CANCELLED, error="Cancelled by a manager.")
    queued = make_job(project, max_, JobStatus.QUEUED)
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.suggest_claims_task, "apply_async", lambda args, **kw: sent.append(args))
    client.force_login(max_)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "retry_jobs", [failed, cancelled, queued])
    assert said(response) == [
        "2 jobs queued again.",
        f"Skipped #{queued.pk}: Only a failed or cancelled job can be retried.",
    ]
    assert sorted(sent) == [(failed.pk,), (cancelled.pk,)]
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.QUEUED}


def test_it_leaves_jobs_of_projects_the_user_does_not_manage_alone(client, project, max_, rita, other):
    theirs = make_job(other, rita, JobStatus.QUEUED)
    ours = make_job(project, max_, JobStatus.QUEUED)
    client.force_login(max_)
    response = act(client, "cancel_jobs", [theirs, ours])
    assert said(response) == ["1 job cancelled."]
    assert Job.objects.get(pk=theirs.pk).status == JobStatus.QUEUED
    assert Job.objects.get(pk=ours.pk).status == JobStatus.CANCELLED


def test_it_offers_the_actions_to_managers_only(client, project, max_, rita):
    job = make_job(project, max_, JobStatus.QUEUED)
    client.force_login(max_)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="cancel_jobs"' in page and 'value="retry_jobs"' in page
    request = RequestFactory().get(reverse(CHANGELIST))
    request.user = rita
    actions = admin.site._registry[Job].get_actions(request)
    assert "cancel_jobs" not in actions and "retry_jobs" not in actions
    client.force_login(rita)
    act(client, "cancel_jobs", [job])
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_it_filters_by_the_cancelled_status(client, project, max_):
    cancelled = make_job(project, max_, JobStatus.CANCELLED, error="Cancelled by a manager.")
    failed = make_job(project, max_, JobStatus.FAILED, error="boom")
    client.force_login(max_)
    everything = client.get(reverse(CHANGELIST)).content.decode()
    assert "?status__exact=cancelled" in everything
    page = client.get(reverse(CHANGELIST), {"status__exact": "cancelled"}).content.decode()
    change = "admin:annotations_job_change"
    assert reverse(change, args=[cancelled.pk]) in page and reverse(change, args=[failed.pk]) not in page


def test_it_shows_a_cancelled_job_and_its_run(client, project, max_):
    job = make_job(project, max_, JobStatus.RUNNING)
    client.force_login(max_)
    act(client, "cancel_jobs", [job])
    page = client.get(reverse("admin:annotations_job_change", args=[job.pk])).content.decode()
    assert "Cancel requested at" in page and "w1:42" in page
