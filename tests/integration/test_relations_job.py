"""The relation job end to end on the seed articles: a real worker indexes and proposes; imports
then keep the index current by themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files import File

from annotations.models import (
    Article,
    CandidateOrigin,
    CandidateStatus,
    Job,
    JobKind,
    JobStatus,
    RelationCandidate,
    RelationKind,
    body_hash,
)
from annotations.services.graph import candidate_decide
from annotations.services.graph_jobs import open_index, relations_job_start
from annotations.services.imports import import_job_start
from tests.integration.worker import Worker, check_broker, isolated_queue, wait_for, wait_for_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
VANCE = "importantes concessions"
LAVROV = "restait totalement inchangée"


def _seed_articles(project) -> list[Article]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        out.append(Article.objects.create(
            project=project, title=path.stem, external_id=path.stem, body=body, body_hash=body_hash(body),
            language="fr",
        ))
    return out


def test_a_worker_indexes_the_project_and_proposes_vance_against_lavrov(project, max_, rita, tmp_path, settings):
    check_broker()
    articles = _seed_articles(project)
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            job = relations_job_start(project=project, by=max_)
            wait_for_job(job.pk, worker=worker, what="the relation job")
            job.refresh_from_db()
            assert job.status == JobStatus.SUCCEEDED, job.error
            assert job.result["articles"] == len(articles)
            index = open_index(project.pk)
            assert index is not None and len(index) == job.result["passages_indexed"] > 100

            proposals = RelationCandidate.objects.filter(project=project, origin=CandidateOrigin.ENGINE)
            assert proposals.count() == job.result["proposed"] > 0
            by_text = {
                (p.a_article.body[p.a_start:p.a_end], p.b_article.body[p.b_start:p.b_end]): p for p in proposals
            }
            vance_lavrov = [
                p for (a, b), p in by_text.items()
                if (VANCE in a and LAVROV in b) or (VANCE in b and LAVROV in a)
            ]
            assert vance_lavrov, "the seed corpus' contradiction was not proposed"
            assert vance_lavrov[0].kind == RelationKind.CONTRADICTS
            assert vance_lavrov[0].features and vance_lavrov[0].reasons
            candidate_decide(candidate=vance_lavrov[0], by=rita, status=CandidateStatus.ACCEPTED,
                             version=vance_lavrov[0].version)

            # From now on an import keeps the index current, without anyone asking.
            upload = tmp_path / "more.jsonl"
            upload.write_text(json.dumps({
                "title": "Moscou", "language": "fr",
                "body": "Lavrov a répété que la position de la Russie restait inchangée après le sommet.",
            }) + "\n", encoding="utf-8")
            with upload.open("rb") as fh:
                imported = import_job_start(project=project, by=max_, upload=File(fh, name="more.jsonl"),
                                            suggest=False)
            wait_for_job(imported.pk, worker=worker, what="the import")
            follow = wait_for(
                lambda: Job.objects.filter(kind=JobKind.RELATIONS, params__after_job=imported.pk).first(),
                timeout=60, worker=worker, what="the relation job after the import",
            )
            wait_for_job(follow.pk, worker=worker, what="the relation job after the import")
        finally:
            worker.stop()
    follow.refresh_from_db()
    assert follow.status == JobStatus.SUCCEEDED, follow.error
    new = Article.objects.get(title="Moscou")
    assert follow.params["article_ids"] == [new.pk]
    index = open_index(project.pk)
    assert index.keys_of([str(new.pk)])
    assert len(index) == job.result["passages_indexed"] + follow.result["passages_indexed"]
