"""The agreement job end to end: a real worker process, the configured broker and database."""

from __future__ import annotations

import pytest

from annotations.models import Annotation, Claim, Job, JobKind, JobStatus
from annotations.selectors import agreement as agreement_selectors
from annotations.selectors.agreement import project_agreement_report
from annotations.services.adjudication import agreement_job_start
from tests.integration.worker import Worker, check_broker, isolated_queue, wait_for_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_worker_computes_the_report_a_big_project_then_shows(project, article, claim, alice, bob, rita,
                                                              verdicts, monkeypatch, tmp_path):
    check_broker()
    body = article.body
    claims = [claim]
    for text in ("JD Vance a affirmé dimanche", "Le sommet a eu lieu le 15 août 2025 à Anchorage."):
        start = body.index(text)
        claims.append(Claim.objects.create(
            article=article, start=start, end=start + len(text), quote=text, origin="manual", status="accepted",
        ))
    for c, (a, b) in zip(claims, [("supported", "supported"), ("refuted", "refuted"), ("supported", "misleading")]):
        Annotation.objects.create(claim=c, annotator=alice, verdict=verdicts[a])
        Annotation.objects.create(claim=c, annotator=bob, verdict=verdicts[b])
    monkeypatch.setattr(agreement_selectors, "INLINE_LIMIT", 4)  # this project counts as big
    assert project_agreement_report(rita, project)["available"] is False
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            job = agreement_job_start(project=project, by=rita)
            wait_for_job(job.pk, worker=worker, what="the agreement job")
        finally:
            worker.stop()
    job = Job.objects.get(pk=job.pk)
    assert (job.kind, job.status) == (JobKind.AGREEMENT, JobStatus.SUCCEEDED), job.error
    assert job.percent == 100
    shown = project_agreement_report(rita, project)
    assert shown["source"]["kind"] == "job" and shown["source"]["job"] == job.pk
    fresh = project_agreement_report(rita, project, fresh=True)
    for key in ("overall", "per_verdict", "per_pair", "coincidence", "labels"):
        assert shown[key] == fresh[key], key
    assert shown["overall"]["percent_agreement"]["value"] == pytest.approx(2 / 3)
