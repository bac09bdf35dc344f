"""Dataset releases: the service's refusals and validation, the records, filters, files, and the admin."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.access import NotFound
from annotations.models import (
    Article,
    ClaimRelation,
    CheckQuestion,
    QuestionAnswer,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    DatasetRelease,
    Job,
    JobKind,
    JobStatus,
    Membership,
    Outlet,
    ReleaseFile,
)
from annotations.pseudonyms import pseudonym
from annotations.selectors.releases import (
    RELEASE_FORMATS,
    ReleaseFilters,
    release_file_get_for_user,
    release_get_for_user,
    release_record_count,
    release_records,
    releases_for_user,
)
from annotations.services.adjudication import claim_adjudicate
from annotations.services.jobs import job_run
from annotations.services.releases import (
    release_delete,
    release_job_create,
    release_job_start,
    release_job_work,
)
from annotations.services.work import annotation_save, evidence_add

from . import conformance
from .conftest import BODY

pytestmark = pytest.mark.django_db

# The tables that come with the JSONL and the Parquet, and every file of a full release.
COMPANION_FILES = ("articles", "relations", "pairs", "articles-parquet", "relations-parquet", "pairs-parquet")
FILES_PER_RELEASE = len(RELEASE_FORMATS) + len(COMPANION_FILES) + 3  # card, checksums, zip

# (text of the claim in BODY, alice's verdict, bob's verdict, final verdict or None, statement date)
CLAIMS = [
    ("Sergueï Lavrov", "refuted", "refuted", None, dt.date(2025, 8, 14)),  # unanimous: automatic
    ("la position de la Russie restait inchangée", "supported", "refuted", "supported", None),
    ("JD Vance a affirmé dimanche", "misleading", "misleading", None, dt.date(2025, 8, 17)),
    ("d'importantes concessions", "not_checkable", "supported", "not_checkable", dt.date(2025, 8, 20)),
    ("Le sommet a eu lieu le 15 août 2025", "supported", "not_enough_evidence", None, None),  # pending
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(project, article, alice, bob, rita, verdicts) -> dict:
    """Five judged claims: two unanimous (adjudicated automatically), two adjudicated by rita,
    one disagreement still pending. The article is dated 2025-08-16."""
    Article.objects.filter(pk=article.pk).update(published_on=dt.date(2025, 8, 16), url="https://lemonde.example/a")
    article.refresh_from_db()
    project.public_base_url = "https://factcheck.example.org/checks/"
    project.save(update_fields=["public_base_url"])
    claims = []
    for text, va, vb, final, date in CLAIMS:
        start = BODY.index(text)
        claim = Claim.objects.create(
            article=article, start=start, end=start + len(text), quote=text,
            statement=f"{text} (énoncé) 🙂", speaker="Lavrov", statement_date=date,
            origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
        )
        annotation_save(claim=claim, annotator=alice, verdict=verdicts[va], confidence=4,
                        rationale=f'Alice: "{va}"\nsecond line')
        annotation_save(claim=claim, annotator=bob, verdict=verdicts[vb], confidence=2, rationale="Bob")
        evidence = evidence_add(
            claim=claim, by=bob, stance="refutes", url="https://source.example/x",
            title="Source 𝔘", passage="passage, with a comma",
        )
        if final is not None:
            claim_adjudicate(claim=claim, by=rita, verdict=verdicts[final], notes=f"kept {final}",
                             gold_evidence=[evidence])
        claims.append(claim)
    return {"claims": claims}


def build(project, by, version: str = "v1", **kwargs) -> Job:
    """Record a release job and run it here, as the command does."""
    job = release_job_create(project=project, by=by, version=version, inline=True, **kwargs)
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def jsonl_records(release: DatasetRelease) -> list[dict]:
    item = release.files.get(format="jsonl")
    with item.file.open("rb") as fh:
        return [json.loads(line) for line in fh]


# --- who may start a release ------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "refusal"), [
    ("alice", PermissionDenied), ("rita", PermissionDenied), ("rhea", PermissionDenied),
    ("charlie", NotFound), ("anonymous", NotFound),
])
def test_only_managers_start_a_release(project, users, persona, refusal, django_capture_on_commit_callbacks):
    user = AnonymousUser() if persona == "anonymous" else users[persona]
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(refusal):
        release_job_start(project=project, by=user, version="v1")
    assert not callbacks
    assert not Job.objects.exists()


def test_a_manager_queues_a_release_job_on_commit(world, project, max_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = release_job_start(
            project=project, by=max_, version="2025.09-rc_1", formats=["parquet", "jsonl"],
            filters={"min_agreement": "0.5", "verdicts": ["supported"], "since": "2025-08-01"},
        )
    assert len(callbacks) == 1
    assert (job.kind, job.status) == (JobKind.EXPORT, JobStatus.QUEUED)
    assert job.params["formats"] == ["jsonl", "parquet"]  # canonical order
    assert job.params["filters"] == {"min_agreement": 0.5, "verdicts": ["supported"], "since": "2025-08-01"}
    assert job.params["base_url"].startswith("http")


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"version": ""}, "version", "Give the release a version"),
    ({"version": "   "}, "version", "Give the release a version"),
    ({"version": "../etc"}, "version", "letters, digits"),
    ({"version": "v 1"}, "version", "letters, digits"),
    ({"version": ".hidden"}, "version", "letters, digits"),
    ({"version": "v" * 41}, "version", "at most 40"),
    ({"formats": ["jsonl", "xml"]}, "formats", "Unknown format 'xml'"),
    ({"formats": []}, "formats", "at least one format"),
    ({"filters": {"min_agreement": 1.5}}, "min_agreement", "between 0 and 1"),
    ({"filters": {"min_agreement": "high"}}, "min_agreement", "between 0 and 1"),
    ({"filters": {"verdicts": ["supported", "nonsense"]}}, "verdicts", "Not in the project's scheme: nonsense"),
    ({"filters": {"since": "15/08/2025"}}, "since", "is not a date"),
    ({"filters": {"since": "2025-09-01", "until": "2025-08-01"}}, "until", "comes before its start"),
    ({"filters": {"include_unadjudicated": "yes"}}, "include_unadjudicated", "true or false"),
    ({"filters": {"colour": "red"}}, "colour", "Unknown filter"),
    ({"base_url": "javascript:alert(1)"}, "base_url", "the workbench's address"),
])
def test_bad_requests_are_refused_by_field_and_change_nothing(project, max_, kwargs, field, message):
    request = {"version": "v1", **kwargs}
    with pytest.raises(ValidationError) as caught:
        release_job_start(project=project, by=max_, **request)
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert not Job.objects.exists()


def test_every_bad_field_is_reported_at_once(project, max_):
    with pytest.raises(ValidationError) as caught:
        release_job_start(project=project, by=max_, version="", formats=["xml"],
                          filters={"min_agreement": 7, "until": "never"})
    assert set(caught.value.message_dict) == {"version", "formats", "min_agreement", "until"}


def test_a_version_is_used_once_per_project(world, project, max_):
    build(project, max_, "v1")
    with pytest.raises(ValidationError, match="already has a release v1"):
        release_job_start(project=project, by=max_, version="v1")
    release_job_start(project=project, by=max_, version="v2")
    with pytest.raises(ValidationError, match="is already being built"):
        release_job_start(project=project, by=max_, version="v2")
    assert Job.objects.filter(kind=JobKind.EXPORT).count() == 2


# --- what a release holds ---------------------------------------------------------------------


def test_a_release_holds_the_adjudicated_claims_with_pseudonymous_annotators(world, project, max_, alice, bob, rita, media):
    job = build(project, max_)
    release = DatasetRelease.objects.get(job=job)
    records = jsonl_records(release)
    claims = world["claims"]
    assert [r["id"] for r in records] == [c.pk for c in claims[:4]]  # the pending one is left out
    first = records[0]
    assert first["article"] == {
        "id": claims[0].article_id, "external_id": "", "title": "Lavrov et Vance",
        "url": "https://lemonde.example/a", "outlet": "", "author": "", "published_on": "2025-08-16",
        "language": "fr",
    }
    assert (first["start"], first["end"]) == (claims[0].start, claims[0].end)
    assert BODY[first["start"]:first["end"]] == first["quote"] == "Sergueï Lavrov"
    assert first["statement_date"] == "2025-08-14"
    assert first["verdict"]["code"] == "refuted" and first["verdict"]["fever"] == "REFUTES"
    assert first["verdict"]["claimreview_name"] == "Faux"  # the project is French
    assert first["adjudication"]["method"] == "unanimous" and first["adjudication"]["adjudicator"] is None
    decided = claims[0].adjudication.decided_at
    assert first["adjudication"]["decided_at"].endswith("+00:00")  # ISO 8601 in UTC, on every database
    assert dt.datetime.fromisoformat(first["adjudication"]["decided_at"]) == decided
    salt = project.pseudonym_salt
    assert [a["annotator"] for a in first["annotations"]] == [pseudonym(salt, alice.pk), pseudonym(salt, bob.pk)]
    assert first["annotations"][0]["rationale"] == 'Alice: "refuted"\nsecond line'
    assert first["agreement"] == {"n_annotations": 2, "n_agreeing": 2, "share_agreeing": 1.0, "observed": 1.0}
    second = records[1]
    assert second["adjudication"]["adjudicator"] == pseudonym(salt, rita.pk)
    assert second["adjudication"]["notes"] == "kept supported"
    assert [g["title"] for g in second["gold_evidence"]] == ["Source 𝔘"]
    assert second["agreement"] == {"n_annotations": 2, "n_agreeing": 1, "share_agreeing": 0.5, "observed": 0.0}
    dump = json.dumps(records)
    assert "alice" not in dump and "rita" not in dump and "bob" not in dump.replace("Bob", "")


def test_evidence_with_a_question_goes_out_as_averitec_question_and_answer(world, project, bob, rita, verdicts, max_):
    claim = world["claims"][1]  # adjudicated "supported" with one gold source
    asked = evidence_add(
        claim=claim, by=bob, stance="supports", url="https://mid.example/position",
        passage="La position de la Russie reste inchangée.",
        question="La position russe a-t-elle changé après Anchorage ?",
    )
    claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"], notes="with a question",
                     gold_evidence=[claim.evidence.exclude(pk=asked.pk).get(), asked], version=1)
    release = DatasetRelease.objects.get(job=build(project, max_))
    records = {r["id"]: r for r in jsonl_records(release)}
    assert [g["question"] for g in records[claim.pk]["gold_evidence"]] == ["", asked.question]
    with release.files.get(format="averitec").file.open("rb") as fh:
        item = next(i for i in json.load(fh) if i["claim_id"] == claim.pk)
    assert item["questions"] == [{
        "question": "La position russe a-t-elle changé après Anchorage ?",
        "answers": [{"answer": "La position de la Russie reste inchangée.", "answer_type": "Extractive",
                     "source_url": "https://mid.example/position", "source_medium": "Web text",
                     "cached_source_url": "https://mid.example/position"}],
    }]
    assert [s["title"] for s in item["sources"]] == ["Source 𝔘"]  # the one without a question


def test_a_release_names_annotators_when_the_project_allows_it(world, project, max_):
    project.show_annotator_names = True
    project.save(update_fields=["show_annotator_names"])
    records = jsonl_records(DatasetRelease.objects.get(job=build(project, max_)))
    assert [a["annotator"] for a in records[1]["annotations"]] == ["alice", "bob"]
    assert records[1]["adjudication"]["adjudicator"] == "rita"
    release = DatasetRelease.objects.get()
    assert "user names" in release.card


def test_a_claim_the_article_asserts_goes_out_flagged_and_credited_to_the_outlet(world, project, max_, article):
    outlet = Outlet.objects.create(project=project, name="Le Monde")
    Article.objects.filter(pk=article.pk).update(outlet=outlet)
    own = world["claims"][1]  # adjudicated "supported": it has a ClaimReview rating
    Claim.objects.filter(pk=own.pk).update(speaker="Le Monde", asserted_by_article=True)
    release = DatasetRelease.objects.get(job=build(project, max_))
    records = jsonl_records(release)
    assert [(r["speaker"], r["asserted_by_article"]) for r in records] == [
        ("Lavrov", False), ("Le Monde", True), ("Lavrov", False), ("Lavrov", False),
    ]
    with release.files.get(format="claimreview").file.open("rb") as fh:
        reviews = {int(e["item"][0]["identifier"]): e["item"][0] for e in json.load(fh)["dataFeedElement"]}
    assert reviews[own.pk]["itemReviewed"]["author"] == {"@type": "Organization", "name": "Le Monde"}
    others = [r["itemReviewed"]["author"] for pk, r in reviews.items() if pk != own.pk]
    assert others and all(a == {"@type": "Person", "name": "Lavrov"} for a in others)
    with release.files.get(format="csv").file.open("rb") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode("utf-8-sig"))))
    assert [row["asserted_by_article"] for row in rows] == ["False", "True", "False", "False"]


def test_the_release_files_card_checksums_and_zip(world, project, max_, media):
    job = build(project, max_)
    release = DatasetRelease.objects.get()
    assert release.job_id == job.pk and release.created_by == max_
    assert job.result["release"] == release.pk and job.result["claims"] == 4
    folder = media / "releases" / project.slug / "v1"
    files = {f.format: f for f in release.files.all()}
    assert set(files) == {*RELEASE_FORMATS, *COMPANION_FILES, "card", "sha256sums", "zip"}
    for item in files.values():
        path = Path(item.file.path)
        assert path.parent == folder
        data = path.read_bytes()
        assert item.size == len(data)
        assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(f.file.name).name for f in files.values())
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(RELEASE_FORMATS) + len(COMPANION_FILES) + 1
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert (folder / "README.md").read_text() == release.card
    with zipfile.ZipFile(folder / "test-v1.zip") as zf:
        names = zf.namelist()
        assert sorted(names) == sorted([f"test-v1/{line.split('  ')[1]}" for line in sums] + ["test-v1/SHA256SUMS"])
        assert zf.read("test-v1/test-v1.jsonl") == (folder / "test-v1.jsonl").read_bytes()
    # The card and the row say the same.
    assert release.counts["claims"] == 4 and release.counts["annotations"] == 8
    assert release.counts["accepted_claims_not_released"] == 1  # the pending one, said in the card
    # Bob's evidence on the two unanimous claims was never chosen as gold: counted, in no file.
    assert release.counts["evidence_not_gold"] == 2
    assert "| accepted claims of the project not in this release (no final verdict, or filtered out) | 1 |" in release.card
    assert release.counts["verdicts"] == {"supported": 1, "refuted": 1, "misleading": 1, "not_checkable": 1}
    assert release.counts["formats"]["fever"] == {
        "records": 1,
        "left_out": {
            # Claim 0 was unanimous: accepted automatically, it has no gold evidence, which
            # FEVER's verifiable claims must have.
            "verifiable verdict without gold evidence": 1,
            "verdict 'misleading' has no FEVER label": 1, "verdict 'not_checkable' has no FEVER label": 1,
        },
    }
    assert release.agreement["claims_with_two_or_more_verdicts"] == 4
    assert release.agreement["unanimous_claims"] == 2
    assert "| claims | 4 |" in release.card and "CC-BY-4.0" in release.card
    assert "1 (verdict 'misleading' has no FEVER label)" in release.card


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, [0, 1, 2, 3]),
    ({"include_unadjudicated": True}, [0, 1, 2, 3, 4]),
    ({"min_agreement": 0.75}, [0, 2]),
    ({"min_agreement": 0.5}, [0, 1, 2, 3]),
    ({"min_agreement": 0, "include_unadjudicated": True}, [0, 1, 2, 3]),  # no final verdict: out
    ({"verdicts": ["supported", "misleading"]}, [1, 2]),
    # The claim's date: its statement date (14, 17, 20 August), else the article's (16 August).
    ({"since": "2025-08-16"}, [1, 2, 3]),
    ({"until": "2025-08-16"}, [0, 1]),
    ({"since": "2025-08-15", "until": "2025-08-17"}, [1, 2]),
])
def test_the_filters_select_claims(world, project, max_, filters, expected):
    claims = world["claims"]
    checked = ReleaseFilters.from_dict(release_job_create(
        project=project, by=max_, version="x", filters=filters).params["filters"])
    ids = [r["id"] for r in release_records(max_, project, checked)]
    assert ids == [claims[i].pk for i in expected]


def test_unadjudicated_claims_have_a_null_verdict_and_stay_out_of_mapped_formats(world, project, max_):
    release = DatasetRelease.objects.get(job=build(project, max_, filters={"include_unadjudicated": True}))
    records = jsonl_records(release)
    pending = records[-1]
    assert pending["verdict"] is None and pending["adjudication"] is None
    assert pending["agreement"]["share_agreeing"] is None and pending["agreement"]["observed"] == 0.0
    assert release.counts["unadjudicated"] == 1
    assert release.counts["formats"]["claimreview"]["left_out"] == {
        "no final verdict": 1, "verdict 'not_checkable' has no ClaimReview rating": 1,
    }


def test_only_the_asked_formats_are_written(world, project, max_):
    release = DatasetRelease.objects.get(job=build(project, max_, formats=["fever"]))
    assert sorted(release.files.values_list("format", flat=True)) == ["card", "fever", "sha256sums", "zip"]


def test_records_stream_with_a_bounded_number_of_queries_per_chunk(world, project, max_):
    """Four queries per chunk (annotations, gold evidence, check questions, links) besides the
    claims' cursor, however many annotations, evidence, answers and links the claims have."""

    def queries(chunk_size: int, filters: ReleaseFilters) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            records = list(release_records(max_, project, filters, chunk_size=chunk_size))
        return len(records), len(ctx.captured_queries)

    adjudicated = ReleaseFilters()
    # Roles, the scheme's verdicts and the claims' cursor; then four per chunk of claims.
    assert queries(1, adjudicated) == (4, 3 + 4 * 4)
    assert queries(3, adjudicated) == (4, 3 + 4 * 2)
    assert queries(1000, adjudicated) == (4, 3 + 4)
    # A chunk without any adjudicated claim has no gold evidence to ask for.
    everything = ReleaseFilters(include_unadjudicated=True)
    assert queries(2, everything) == (5, 3 + 4 + 4 + 3)
    # Claims that answer questions cost two more queries in their chunk (question texts, and
    # every answer to those questions), whatever the number of questions.
    claims = world["claims"]
    question = CheckQuestion.objects.create(project=project, text="Le sommet a-t-il eu lieu ?")
    for claim, answer in zip(claims[:3], ("yes", "no", "partly")):
        QuestionAnswer.objects.create(question=question, claim=claim, answer=answer)
    assert queries(1000, adjudicated) == (4, 3 + 4 + 2)


def test_only_managers_read_the_records(world, project, rita, rhea, charlie):
    with pytest.raises(PermissionDenied):
        next(release_records(rita, project))
    with pytest.raises(PermissionDenied):
        release_record_count(rhea, project)
    with pytest.raises(NotFound):
        next(release_records(charlie, project))


# --- what third-party tools accept, and a self-contained release ------------------------------


def read(release: DatasetRelease, fmt: str) -> bytes:
    with release.files.get(format=fmt).file.open("rb") as fh:
        return fh.read()


def lines(release: DatasetRelease, fmt: str) -> list[dict]:
    return [json.loads(line) for line in read(release, fmt).decode("utf-8").splitlines()]


@pytest.fixture
def graph(world, project, bob, rita, verdicts, alice) -> dict:
    """The world's claims linked (1 contradicts 3, 1 related to the pending 4) and answering a
    check question (1 no, 3 yes); claim 1's gold evidence also answers a question."""
    claims = world["claims"]
    asked = evidence_add(
        claim=claims[1], by=bob, stance="supports", url="https://mid.example/position",
        passage="La position de la Russie reste inchangée.", question="La position russe a-t-elle changé ?",
    )
    claim_adjudicate(claim=claims[1], by=rita, verdict=verdicts["supported"], notes="with a question",
                     gold_evidence=[claims[1].evidence.exclude(pk=asked.pk).get(), asked], version=1)
    question = CheckQuestion.objects.create(project=project, text="La Russie a-t-elle cédé ?", text_en="Did Russia concede?")
    QuestionAnswer.objects.create(question=question, claim=claims[1], answer="no")
    QuestionAnswer.objects.create(question=question, claim=claims[3], answer="yes")
    contradiction = ClaimRelation.objects.create(source=claims[1], target=claims[3], kind="contradicts",
                                                 note="Lavrov vs Vance", created_by=alice)
    ClaimRelation.objects.create(source=claims[1], target=claims[4], kind="related", created_by=alice)
    return {**world, "contradiction": contradiction}


def test_every_file_passes_its_communitys_reference_tool(graph, project, max_):
    release = DatasetRelease.objects.get(job=build(project, max_))
    fever = lines(release, "fever")
    assert fever and conformance.fever_oracle_scores(fever) == (1.0, 1.0, 1.0, 1.0, 1.0)
    items = conformance.check_averitec_file(read(release, "averitec"))
    (item,) = items
    assert item["claim_id"] == graph["claims"][1].pk
    # Its gold evidence's question, then the check question with claim 3's answer as evidence.
    assert [q["question"] for q in item["questions"]] == ["La position russe a-t-elle changé ?", "Did Russia concede?"]
    assert item["questions"][1]["answers"][0]["answer"] == "Yes"
    assert conformance.averitec_oracle_scores(items)["qa"] == 1.0
    assert release.counts["formats"]["averitec"]["left_out"] == {
        "no question-answer evidence": 2, "verdict 'not_checkable' has no AVeriTeC label": 1,
    }
    reviews = conformance.expand_claimreview(read(release, "claimreview"))
    assert len(reviews) == 3
    for review in reviews:
        conformance.check_claimreview(review)
    names = {Path(f.file.name).name for f in release.files.all()}
    meta = conformance.check_card(release.card, names)
    assert [c["config_name"] for c in meta["configs"]] == ["claims", "articles", "relations", "pairs"]


def test_claimreview_links_to_the_public_fact_check_dated_by_the_decision(graph, project, max_):
    release = DatasetRelease.objects.get(job=build(project, max_))
    feed = json.loads(read(release, "claimreview"))
    assert feed["sdLicense"] == "https://creativecommons.org/licenses/by/4.0/"
    claim = graph["claims"][1]
    (element,) = [e for e in feed["dataFeedElement"] if e["item"][0]["identifier"] == str(claim.pk)]
    review = element["item"][0]
    assert review["url"] == f"https://factcheck.example.org/checks/{claim.pk}"
    claim.adjudication.refresh_from_db()
    decided = claim.adjudication.decided_at.astimezone(dt.UTC).date().isoformat()
    assert review["datePublished"] == element["dateCreated"] == decided
    assert review["claimReviewed"] == claim.statement  # the statement, not the whole quote


def test_a_release_is_self_contained_and_reads_back_with_pandas(graph, project, max_, media, article):
    import pandas as pd

    claims = graph["claims"]
    # Claim 0 answers the check question yes, against claim 1's no: a contradiction without a
    # link, which the pairs file holds too (claims 1 and 3 are linked already: one pair).
    QuestionAnswer.objects.create(question=CheckQuestion.objects.get(), claim=claims[0], answer="yes")
    release = DatasetRelease.objects.get(job=build(project, max_))
    records = jsonl_records(release)
    (body,) = lines(release, "articles")
    assert body["id"] == article.pk and body["body"] == BODY
    for record in records:
        assert body["body"][record["start"]:record["end"]] == record["quote"]
    (link,) = lines(release, "relations")  # the link to the pending claim is left out, counted
    assert link == {
        "id": graph["contradiction"].pk, "source_claim_id": claims[1].pk, "target_claim_id": claims[3].pk,
        "kind": "contradicts", "note": "Lavrov vs Vance", "created_by": pseudonym(project.pseudonym_salt, graph["contradiction"].created_by_id),
        "created_at": link["created_at"], "source_verdict": "supported", "target_verdict": "not_checkable",
    }
    assert release.counts["formats"]["relations"]["left_out"] == {"a linked claim is not in this release": 1}
    assert release.counts["relations"] == 1
    linked, answered = lines(release, "pairs")
    assert (linked["id"], linked["origin"]) == (f"relation:{graph['contradiction'].pk}", "relation")
    assert (linked["claim_a"], linked["claim_b"], linked["label"]) == (claims[1].statement, claims[3].statement, "contradiction")
    assert (answered["origin"], answered["question"], answered["label"]) == ("question", "La Russie a-t-elle cédé ?", "contradiction")
    assert (answered["claim_a_id"], answered["claim_b_id"]) == (claims[0].pk, claims[1].pk)
    assert (answered["verdict_a"], answered["verdict_b"]) == ("refuted", "supported")
    folder = media / "releases" / project.slug / "v1"
    # Parquet and JSONL say the same, table by table, read as researchers read them.
    for table, stem in (("jsonl", "test-v1"), ("articles", "test-v1-articles"),
                        ("relations", "test-v1-relations"), ("pairs", "test-v1-pairs")):
        from_parquet = pd.read_parquet(folder / f"{stem}.parquet")
        from_jsonl = pd.read_json(folder / f"{stem}.jsonl", lines=True, dtype=False)
        assert list(from_parquet.columns) == list(from_jsonl.columns), table
        import pyarrow.parquet as pq
        assert pq.read_table(folder / f"{stem}.parquet").to_pylist() == lines(release, table), table
    with zipfile.ZipFile(folder / "test-v1.zip") as zf:
        assert {"test-v1/test-v1-articles.jsonl", "test-v1/test-v1-pairs.parquet"} <= set(zf.namelist())
    assert "test-v1-relations.jsonl" in (folder / "SHA256SUMS").read_text()
    assert "### `test-v1-pairs.jsonl` (pairs)" in release.card


def test_a_release_with_nothing_in_it_is_refused(project, max_, world):
    with pytest.raises(ValidationError, match="Nothing to release"):
        release_job_start(project=project, by=max_, version="v1", filters={"verdicts": ["misleading"], "since": "2025-09-01"})
    assert not Job.objects.exists()
    # The agreement threshold is applied while writing: a job that finds nothing fails, and
    # leaves no release behind.
    job = release_job_create(project=project, by=max_, version="v1", inline=True,
                             filters={"verdicts": ["supported"], "min_agreement": 0.9})
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.FAILED and "Nothing to release" in job.error
    assert not DatasetRelease.objects.exists()


def test_claimreview_needs_the_projects_public_address(world, project, max_):
    project.public_base_url = ""
    project.save(update_fields=["public_base_url"])
    with pytest.raises(ValidationError) as caught:
        release_job_start(project=project, by=max_, version="v1", formats=["jsonl", "claimreview"])
    assert "public address" in " ".join(caught.value.message_dict["formats"])
    job = release_job_start(project=project, by=max_, version="v1")  # all it can: no ClaimReview
    assert "claimreview" not in job.params["formats"] and "jsonl" in job.params["formats"]


# --- running twice, failing, deleting ---------------------------------------------------------


def test_running_the_job_twice_makes_one_release(world, project, max_):
    job = build(project, max_)
    before = {f.format: f.sha256 for f in DatasetRelease.objects.get().files.all()}
    assert job_run(job.pk, release_job_work) is None  # finished jobs are left alone
    again = release_job_work(Job.objects.get(pk=job.pk), lambda *a: None)  # a redelivered task
    assert again == job.result
    assert DatasetRelease.objects.count() == 1
    assert {f.format: f.sha256 for f in DatasetRelease.objects.get().files.all()} == before


def test_an_interrupted_run_is_redone_from_scratch(world, project, max_, media):
    with pytest.raises(OSError):
        # A crash after the folder was moved into place but before the rows were written: the
        # next run finds the folder owned by no release and replaces it.
        job = release_job_create(project=project, by=max_, version="v1")
        folder = media / "releases" / project.slug
        (folder / "v1").mkdir(parents=True)
        (folder / "v1" / "stale.txt").write_text("left by a crash")
        (folder / f".v1.job-{job.pk}.tmp").mkdir()
        (folder / f".v1.job-{job.pk}.tmp" / "half.jsonl").write_text("{")
        raise OSError("worker died")
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    names = sorted(p.name for p in (folder / "v1").iterdir())
    assert "stale.txt" not in names and "half.jsonl" not in names
    assert sorted(p.name for p in folder.iterdir()) == ["v1"]


def test_the_job_fails_when_its_owner_no_longer_manages_the_project(world, project, max_):
    job = release_job_create(project=project, by=max_, version="v1")
    Membership.objects.filter(user=max_, project=project).delete()
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.FAILED and job.error.startswith("Not allowed")
    assert not DatasetRelease.objects.exists()


def test_a_version_taken_while_the_job_waited_fails_the_job(world, project, max_):
    job = release_job_create(project=project, by=max_, version="v1")
    DatasetRelease.objects.create(project=project, version="v1", created_by=max_)
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.FAILED and "already has a release v1" in job.error


def test_a_manager_deletes_a_release_and_its_files(world, project, max_, rita, charlie, media, django_capture_on_commit_callbacks):
    build(project, max_)
    release = DatasetRelease.objects.get()
    folder = media / "releases" / project.slug / "v1"
    for persona, refusal in ((rita, PermissionDenied), (charlie, NotFound)):
        with pytest.raises(refusal):
            release_delete(release=release, by=persona)
    assert folder.exists() and ReleaseFile.objects.count() == FILES_PER_RELEASE
    with django_capture_on_commit_callbacks(execute=True):
        release_delete(release=release, by=max_)
    assert not DatasetRelease.objects.exists() and not ReleaseFile.objects.exists()
    assert not folder.exists()
    assert folder.parent.exists()  # only the release's own folder goes
    build(project, max_, "v1")  # the version is free again
    assert DatasetRelease.objects.get().version == "v1"


def test_there_is_no_way_to_change_a_release(client, world, project, max_):
    import annotations.services.releases as service

    assert not [name for name in dir(service) if "update" in name or "edit" in name]
    build(project, max_)
    release = DatasetRelease.objects.get()
    client.force_login(max_)
    url = reverse("admin:annotations_datasetrelease_change", args=[release.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert "test-v1.parquet" in page.content.decode()
    assert client.post(url, {"version": "v2"}).status_code == 403
    assert DatasetRelease.objects.get().version == "v1"


# --- reading releases -------------------------------------------------------------------------


def test_releases_are_listed_to_researchers_reviewers_and_managers(world, project, max_, rita, rhea, alice, charlie, django_assert_num_queries):
    build(project, max_, "v1")
    build(project, max_, "v2")
    for reader in (rhea, rita, max_):
        with django_assert_num_queries(3):  # roles, releases, their files
            listed = list(releases_for_user(reader, project))
            files = [len(r.files.all()) for r in listed]
        assert [r.version for r in listed] == ["v2", "v1"] and files == [FILES_PER_RELEASE] * 2
    release = listed[0]
    item = release.files.get(format="parquet")
    with django_assert_num_queries(3):  # release, its files, roles
        assert release_get_for_user(rhea, release.pk).version == "v2"
    with django_assert_num_queries(2):  # file with its release, roles
        assert release_file_get_for_user(rhea, item.pk).sha256 == item.sha256
    for reader, refusal in ((alice, PermissionDenied), (charlie, NotFound), (AnonymousUser(), NotFound)):
        with pytest.raises(refusal):
            releases_for_user(reader, project)
        with pytest.raises(refusal):
            release_get_for_user(reader, release.pk)
        with pytest.raises(refusal):
            release_file_get_for_user(reader, item.pk)
    with pytest.raises(NotFound):
        release_get_for_user(rhea, 987654)
    with pytest.raises(NotFound):
        release_file_get_for_user(rhea, 987654)


# --- the command and the admin ----------------------------------------------------------------


def test_the_command_builds_a_release_and_prints_a_summary(world, project, max_):
    out = io.StringIO()
    call_command("make_release", "--project", "test", "--version", "v1", "--format", "jsonl",
                 "--format", "fever", "--min-agreement", "0.5", "--since", "2025-08-01", stdout=out)
    text = out.getvalue()
    assert "release v1 of test: 4 claims from 1 articles, 8 annotations" in text
    fever = next(line for line in text.splitlines() if line.strip().startswith("fever "))
    assert "1 (verdict 'misleading' has no FEVER label)" in fever
    assert "1 (verifiable verdict without gold evidence)" in fever
    release = DatasetRelease.objects.get()
    assert release.filters == {"min_agreement": 0.5, "since": "2025-08-01"}
    assert Job.objects.get().params["inline"] is True


@pytest.mark.parametrize(("args", "message"), [
    (["--project", "test", "--version", "../x"], "version: Use letters"),
    (["--project", "test", "--version", "v1", "--verdict", "nope"], "verdicts: Not in the project's scheme"),
    (["--project", "nope", "--version", "v1"], "no project with slug 'nope'"),
    (["--project", "test", "--version", "v1", "--user", "alice"], "refused: Your role"),
])
def test_the_command_refuses_bad_requests(world, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("make_release", *args, stdout=io.StringIO())
    assert not DatasetRelease.objects.exists() and not Job.objects.exists()


def test_the_command_queues_on_request(world, project, max_, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("make_release", "--project", "test", "--version", "v1", "--queue", stdout=out)
    job = Job.objects.get()
    assert out.getvalue().strip() == f"queued release job {job.pk}"
    assert len(callbacks) == 1 and "inline" not in job.params


def test_the_admin_action_opens_a_release_form_that_queues_a_job(client, world, project, max_, django_capture_on_commit_callbacks):
    client.force_login(max_)
    changelist = reverse("admin:annotations_project_changelist")
    response = client.post(changelist, {"action": "build_release", "_selected_action": [project.pk]})
    form_url = reverse("admin:annotations_project_release", args=[project.pk])
    assert response.status_code == 302 and response["Location"] == form_url
    page = client.get(form_url)
    assert page.status_code == 200 and "Build a dataset release" in page.content.decode()
    bad = client.post(form_url, {"version": "../x", "formats": ["jsonl"]})
    assert bad.status_code == 200 and "version" in bad.context["form"].errors
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(form_url, {
            "version": "v1", "formats": ["jsonl", "csv"], "verdicts": ["supported"], "min_agreement": "0.5",
        })
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:annotations_job_change", args=[job.pk])
    assert len(callbacks) == 1
    assert job.params["formats"] == ["jsonl", "csv"]
    assert job.params["filters"] == {"min_agreement": 0.5, "verdicts": ["supported"]}
    assert job.params["base_url"] == "http://testserver"


def test_the_admin_release_form_is_for_managers_only(client, world, project, rita, charlie):
    form_url = reverse("admin:annotations_project_release", args=[project.pk])
    client.force_login(rita)
    assert client.get(form_url).status_code == 403
    client.force_login(charlie)
    charlie.is_staff = True
    charlie.save()
    assert client.get(form_url).status_code == 404
    client.logout()
    assert client.get(form_url).status_code == 302  # to the admin login


@pytest.mark.parametrize(("address", "page"), [
    ("https://factcheck.example.org/checks/", "https://factcheck.example.org/checks/41"),
    ("https://factcheck.example.org/checks", "https://factcheck.example.org/checks/41"),
    ("https://factcheck.example.org/c/{claim_id}.html", "https://factcheck.example.org/c/41.html"),
    ("https://factcheck.example.org/?q={x}&id={claim_id}", "https://factcheck.example.org/?q={x}&id=41"),
])
def test_the_public_page_of_a_fact_check(address, page):
    from annotations.services.releases import review_url_template

    assert review_url_template(address).format(claim_id=41) == page
