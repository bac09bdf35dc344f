"""The benchmarks' data generator keeps up with the schema: its rows load, and a release of them works.

bench/ has no tests of its own and runs by hand, so a new NOT NULL column would otherwise break
the benchmarks unnoticed (as Evidence.question once did).
"""
from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from annotations.models import Annotation, Claim, DatasetRelease, Evidence, JobStatus, Project
from annotations.services.jobs import job_run
from annotations.services.releases import release_job_create, release_job_work

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_generated_project_loads_and_releases():
    if connection.vendor != "postgresql":
        pytest.skip("the generator writes with PostgreSQL's COPY (the PostgreSQL stage of CI runs this)")
    from bench.generate_project import generate

    info = generate("gen-check", claims=30, annotators_per_claim=3, annotators=5, claims_per_article=10)
    project = Project.objects.get(slug="gen-check")
    assert (info.articles, info.claims, info.annotations) == (3, 30, 90)
    assert Claim.objects.filter(article__project=project).count() == 30
    assert Annotation.objects.filter(claim__article__project=project).count() == 90
    assert Evidence.objects.filter(claim__article__project=project).exclude(question="").count() == 15

    manager = get_user_model().objects.get(username=info.manager)
    job = release_job_create(project=project, by=manager, version="v1", inline=True)
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    release = DatasetRelease.objects.get(job=job)
    with release.files.get(format="jsonl").file.open("rb") as fh:
        records = [json.loads(line) for line in fh]
    assert len(records) == 30 and all(r["verdict"] for r in records)
    with release.files.get(format="averitec").file.open("rb") as fh:
        assert sum(bool(item["questions"]) for item in json.load(fh)) > 0
