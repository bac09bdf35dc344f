"""An import uploaded through the manager's UI, run by a real worker, watched through the UI."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Article, Job, JobKind, JobStatus
from tests.integration.worker import Worker, check_broker, isolated_queue, wait_for, wait_for_job
from tests.ui.fixtures_manage import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _jsonl(n: int) -> str:
    return "".join(
        json.dumps({"title": f"Article {i}", "body": f"Texte {i}. Le sommet a eu lieu le 15 août 2025."}) + "\n"
        for i in range(n)
    )


def test_an_import_uploaded_in_the_ui_runs_on_a_worker_and_its_page_shows_the_outcome(
    project, max_, tmp_path, settings
):
    check_broker()
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker is started with this MEDIA_ROOT
    client = Client()
    client.force_login(max_)
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            response = client.post(
                reverse("ui:import", args=[project.slug]),
                {"file": upload("articles.jsonl", _jsonl(40) + _jsonl(2)), "suggest": "on"},
            )
            assert response.status_code == 302, response.content.decode()[:2000]
            job = Job.objects.get(kind=JobKind.IMPORT)
            assert response["Location"] == reverse("ui:job", args=[job.pk])
            wait_for_job(job.pk, worker=worker, what="the import job")
            # The suggestion job asked for on the form follows the import on the same worker.
            suggest = wait_for(
                lambda: Job.objects.filter(kind=JobKind.SUGGEST, params__import_job=job.pk).first(),
                timeout=60, worker=worker, what="the suggestion job to be queued",
            )
            wait_for_job(suggest.pk, worker=worker, what="the suggestion job")
        finally:
            worker.stop()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Article.objects.filter(project=project).count() == 40

    partial = client.get(reverse("ui:job_progress", args=[job.pk]) + "?on=detail", headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.content.decode()
    assert partial["HX-Refresh"] == "true"
    page = client.get(reverse("ui:job", args=[job.pk])).content.decode()
    assert "<strong>42</strong> articles read" in page
    assert "<strong>40</strong> imported" in page
    assert "<strong>2</strong> duplicates skipped" in page
    listing = client.get(reverse("ui:jobs", args=[project.slug])).content.decode()
    assert "every 1s" not in listing  # every job finished: no job progress polls (the bell's own refresh stays)
    assert Job.objects.get(pk=suggest.pk).status == JobStatus.SUCCEEDED
