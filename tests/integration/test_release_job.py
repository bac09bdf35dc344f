"""A release of the seed project, annotated and adjudicated, built end to end by a real worker."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.contrib.auth import get_user_model

from annotations.exporters.averitec import AVERITEC_LABELS
from annotations.exporters.fever import FEVER_LABELS
from annotations.models import Adjudication, Claim, DatasetRelease, Job, JobStatus, Project
from annotations.pseudonyms import pseudonym
from annotations.services.adjudication import claim_adjudicate
from annotations.services.claims import claim_create
from annotations.exporters import COMPANIONS
from annotations.services.releases import RELEASE_FORMATS, release_job_start
from annotations.services.seeds import PROJECT_SLUG, seeds_load
from annotations.services.work import annotation_save, evidence_add
from tests.integration.worker import Worker, check_broker, isolated_queue, wait_for_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GOLD = Path(__file__).resolve().parents[2] / "fixtures" / "eval" / "seeds_claims.jsonl"


def annotate_seed_project() -> tuple[Project, int]:
    """Mark the gold claims of the seed articles; alice and bob judge them; rita adjudicates the
    disagreements (the unanimous ones are adjudicated automatically). Returns the claim count."""
    seeds_load(password=None)
    users = {u.username: u for u in get_user_model().objects.all()}
    project = Project.objects.get(slug=PROJECT_SLUG)
    verdicts = list(project.scheme.verdicts.order_by("order"))
    articles = {a.external_id: a for a in project.articles.all()}
    n = 0
    for i, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        article = articles[row["doc"]]
        start = article.body.find(row["quote"])
        if start < 0 or Claim.objects.filter(article=article, start=start).exists():
            continue
        claim = claim_create(
            article=article, start=start, end=start + len(row["quote"]), by=users["alice"],
            statement=row["claim_en"], speaker=row["speaker"], kind=row["kind"],
        )
        first = verdicts[i % len(verdicts)]
        second = first if i % 3 else verdicts[(i + 1) % len(verdicts)]
        annotation_save(claim=claim, annotator=users["alice"], verdict=first, confidence=4,
                        rationale=f"« {row['quote'][:40]} » 🙂\nvoir la source")
        annotation_save(claim=claim, annotator=users["bob"], verdict=second, confidence=3,
                        rationale='Bob: "ok"')
        evidence = evidence_add(claim=claim, by=users["bob"], stance="supports",
                                url=f"https://example.org/source/{i}", title=f"Source {i}",
                                passage="Extrait, avec une virgule")
        if not Adjudication.objects.filter(claim=claim).exists():
            claim_adjudicate(claim=claim, by=users["rita"], verdict=first, notes="tranché",
                             gold_evidence=[evidence])
        n += 1
    return project, n


def test_a_worker_builds_a_release_of_the_annotated_seed_project(tmp_path, settings):
    check_broker()
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker gets the same MEDIA_ROOT
    project, n_claims = annotate_seed_project()
    assert n_claims > 100
    project.public_base_url = "https://factcheck.example.org/checks/"
    project.save(update_fields=["public_base_url"])
    manager = get_user_model().objects.get(username="max")
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log")
        try:
            job = release_job_start(project=project, by=manager, version="2025.1",
                                    base_url="https://workbench.example.org")
            wait_for_job(job.pk, worker=worker, timeout=120, what="the release job")
        finally:
            worker.stop()
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.percent == 100 and job.progress_done == job.progress_total == n_claims
    release = DatasetRelease.objects.get(job=job)
    folder = settings.MEDIA_ROOT / "releases" / PROJECT_SLUG / "2025.1"
    files = {f.format: folder / Path(f.file.name).name for f in release.files.all()}
    companions = {t for fmt in RELEASE_FORMATS for t in COMPANIONS.get(fmt, ())}
    assert set(files) == {*RELEASE_FORMATS, *companions, "card", "sha256sums", "zip"}
    for item in release.files.all():
        assert hashlib.sha256(files[item.format].read_bytes()).hexdigest() == item.sha256

    records = [json.loads(line) for line in files["jsonl"].read_text(encoding="utf-8").splitlines()]
    assert len(records) == n_claims == release.counts["claims"]
    alice = get_user_model().objects.get(username="alice")
    annotators = {a["annotator"] for r in records for a in r["annotations"]}
    assert pseudonym(project.pseudonym_salt, alice.pk) in annotators and "alice" not in annotators
    for record in records:
        body = project.articles.get(pk=record["article"]["id"]).body
        assert body[record["start"]:record["end"]] == record["quote"]

    assert pq.read_table(files["parquet"]).to_pylist() == records
    frame = pd.read_csv(files["csv"], keep_default_na=False, dtype=str)
    assert len(frame) == n_claims
    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text(encoding="utf-8-sig"), newline="")))
    assert [int(r["id"]) for r in rows] == [r["id"] for r in records]

    fever = [json.loads(line) for line in files["fever"].read_text(encoding="utf-8").splitlines()]
    assert {row["label"] for row in fever} <= FEVER_LABELS
    left = release.counts["formats"]["fever"]["left_out"]
    assert len(fever) + sum(left.values()) == n_claims and left
    averitec = json.loads(files["averitec"].read_text(encoding="utf-8"))
    assert {item["label"] for item in averitec} <= AVERITEC_LABELS
    feed = json.loads(files["claimreview"].read_text(encoding="utf-8"))
    reviews = [e["item"][0] for e in feed["dataFeedElement"]]
    assert reviews and all(r["url"].startswith("https://factcheck.example.org/checks/") for r in reviews)
    assert all(r["author"]["name"] == "Workbench demo desk" for r in reviews)
    # The articles file holds every body the claims index.
    bodies = {a["id"]: a["body"] for a in map(json.loads, files["articles"].read_text(encoding="utf-8").splitlines())}
    assert all(bodies[r["article"]["id"]][r["start"]:r["end"]] == r["quote"] for r in records)

    card = files["card"].read_text(encoding="utf-8")
    assert card == release.card and f"| claims | {n_claims} |" in card
    assert "Krippendorff's alpha (nominal)" in card and "CC-BY-4.0" in card
    with zipfile.ZipFile(files["zip"]) as zf:
        assert zf.read(f"{PROJECT_SLUG}-2025.1/README.md").decode() == card


def test_a_release_delivered_twice_to_two_workers_makes_one_release(tmp_path, settings):
    """The broker hands the same job to two workers at once: one builds it, the other sees the
    live lease and drops its copy; the recorded checksums match the files and the zip."""
    check_broker()
    settings.MEDIA_ROOT = tmp_path / "media"
    project, _ = annotate_seed_project()
    manager = get_user_model().objects.get(username="max")
    from annotations.tasks import build_release_task

    with isolated_queue() as queue:
        workers = [Worker(queue, tmp_path / f"worker{i}.log") for i in (1, 2)]
        try:
            job = release_job_start(project=project, by=manager, version="dup")
            build_release_task.delay(job.pk)  # the duplicate
            wait_for_job(job.pk, worker=workers[0], timeout=120, what="the release job")
        finally:
            for worker in workers:
                worker.stop()
    job = Job.objects.get(pk=job.pk)
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 1), job.error
    release = DatasetRelease.objects.get(job=job)
    assert DatasetRelease.objects.count() == 1
    folder = settings.MEDIA_ROOT / "releases" / PROJECT_SLUG
    assert sorted(p.name for p in folder.iterdir()) == ["dup"]
    sums = {}
    for item in release.files.all():
        data = (folder / "dup" / Path(item.file.name).name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (item.sha256, item.size)
        sums[Path(item.file.name).name] = item.sha256
    listed = dict(reversed(line.split("  ")) for line in (folder / "dup" / "SHA256SUMS").read_text().splitlines())
    assert all(sums[name] == digest for name, digest in listed.items())
