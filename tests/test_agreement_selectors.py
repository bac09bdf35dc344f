"""Agreement read from the database: the same numbers as the pure functions, in bounded queries."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from annotations.access import NotFound
from annotations.agreement import Rating, Span, project_agreement, span_agreement
from annotations.models import (
    Annotation,
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Job,
    JobKind,
    JobStatus,
    Membership,
    Role,
    TaskKind,
    body_hash,
)
from annotations.pseudonyms import pseudonym
from annotations.selectors import agreement as agreement_selectors
from annotations.selectors.agreement import agreement_report, project_agreement_report, project_spans
from annotations.services import claims as claim_services
from annotations.services.adjudication import agreement_job_start, agreement_job_work
from annotations.services.jobs import job_run

pytestmark = pytest.mark.django_db

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12
# units with missing values; published nominal alpha .743. Values 1..5 become verdicts 1..5.
KRIPP = {
    "alice": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "bob": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "carol": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "dave": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
CODES = {1: "supported", 2: "refuted", 3: "misleading", 4: "conflicting", 5: "not_enough_evidence"}


@pytest.fixture
def kripp(project, users, verdicts, django_user_model) -> dict:
    """The worked example as annotations on 12 claims of one article (plus one rejected claim)."""
    people = {"alice": users["alice"], "bob": users["bob"]}
    for name in ("carol", "dave"):
        people[name] = django_user_model.objects.create_user(username=name, password="pw")
        Membership.objects.create(user=people[name], project=project, role=Role.ANNOTATOR)
    sentences = [f"Affirmation numéro {i} du texte." for i in range(13)]
    body = " ".join(sentences)
    article = Article.objects.create(project=project, body=body, body_hash=body_hash(body))
    claims, offset = [], 0
    for i, sentence in enumerate(sentences):
        claims.append(Claim.objects.create(
            article=article, start=offset, end=offset + len(sentence), quote=sentence,
            origin=ClaimOrigin.IMPORTED,
            status=ClaimStatus.REJECTED if i == 12 else ClaimStatus.ACCEPTED,
        ))
        offset += len(sentence) + 1
    ratings = []
    for name, values in KRIPP.items():
        for claim, value in zip(claims, values):
            if value is not None:
                Annotation.objects.create(claim=claim, annotator=people[name], verdict=verdicts[CODES[value]])
                ratings.append(Rating(claim.pk, people[name].pk, CODES[value]))
    # Work on a rejected claim, and an annotation without a verdict, count for nothing.
    Annotation.objects.create(claim=claims[12], annotator=people["alice"], verdict=verdicts["supported"])
    Annotation.objects.create(claim=claims[12], annotator=people["bob"], verdict=verdicts["refuted"])
    Annotation.objects.create(claim=claims[11], annotator=people["carol"], verdict=None)
    return {"people": people, "claims": claims, "ratings": ratings}


def test_db_figures_equal_the_pure_functions_and_the_published_value(project, rita, kripp):
    report = project_agreement_report(rita, project)
    codes = [v.code for v in project.scheme.verdicts.order_by("order")]
    pure = project_agreement(kripp["ratings"], labels=codes).to_dict()
    assert report["overall"]["alpha"] == pure["alpha"]
    assert round(report["overall"]["alpha"]["value"], 3) == 0.743  # Krippendorff (2011)
    for key in ("fleiss_kappa", "percent_agreement", "mean_pairwise_cohen", "n_items", "n_ratings", "n_raters"):
        assert report["overall"][key] == pure[key]
    assert report["per_verdict"] == pure["per_verdict"]
    ids = {p.pk: name for name, p in kripp["people"].items()}
    assert [(p["rater_a"], p["rater_b"]) for p in report["per_pair"]] == [
        (ids[p["rater_a"]], ids[p["rater_b"]]) for p in pure["per_pair"]
    ]
    for mine, theirs in zip(report["per_pair"], pure["per_pair"]):
        assert mine["cohen_kappa"] == theirs["cohen_kappa"]
        assert mine["confusion"]["counts"] == theirs["confusion"]["counts"]
    assert report["n_annotations"] == 41 and report["overall"]["n_items"] == 12
    assert [label["code"] for label in report["labels"]] == codes
    assert report["source"] == {"kind": "inline", "job": None, "computed_at": None}
    assert report["annotators"] == "usernames"
    json.dumps(report)  # serialisable as it is


def test_the_coincidence_matrix_counts_each_pair_of_verdicts_both_ways(project, rita, kripp):
    report = project_agreement_report(rita, project)
    matrix = report["coincidence"]["counts"]
    assert all(matrix[i][j] == matrix[j][i] for i in range(6) for j in range(6))
    pairs = sum(p["n_items"] for p in report["per_pair"])
    assert sum(map(sum, matrix)) == 2 * pairs
    agreeing = sum(round(p["percent_agreement"]["value"] * p["n_items"]) for p in report["per_pair"])
    assert sum(matrix[i][i] for i in range(6)) == 2 * agreeing


def test_only_reviewers_and_managers_see_the_report(project, users, kripp):
    assert project_agreement_report(users["max"], project)["available"]
    for name in ("alice", "rhea"):
        with pytest.raises(PermissionDenied):
            project_agreement_report(users[name], project)
    with pytest.raises(NotFound):
        project_agreement_report(users["charlie"], project)


def test_pseudonyms_replace_names_when_asked(project, kripp):
    report = agreement_report(project, names=False, n_boot=50)
    alice = kripp["people"]["alice"].pk
    assert report["annotators"] == "pseudonyms"
    assert report["per_pair"][0]["rater_a"] == pseudonym(project.pseudonym_salt, alice)
    assert "alice" not in json.dumps(report)


def test_loading_the_report_runs_a_bounded_number_of_queries(project, rita, kripp, verdicts,
                                                            django_assert_max_num_queries, django_user_model):
    with django_assert_max_num_queries(12):
        project_agreement_report(rita, project)
    # Five times the annotators and claims: still the same queries.
    article = kripp["claims"][0].article
    more = []
    for i in range(20):
        person = django_user_model.objects.create_user(username=f"more{i}", password="pw")
        Membership.objects.create(user=person, project=project, role=Role.ANNOTATOR)
        more.append(person)
    body = article.body + " Encore."
    other = Article.objects.create(project=project, body=body, body_hash=body_hash(body))
    for j in range(40):
        claim = Claim.objects.create(article=other, start=j, end=j + 3, quote=body[j:j + 3],
                                     origin=ClaimOrigin.IMPORTED, status=ClaimStatus.ACCEPTED)
        for person in more[j % 18: j % 18 + 3]:
            Annotation.objects.create(claim=claim, annotator=person, verdict=verdicts["refuted"])
    with django_assert_max_num_queries(12):
        report = project_agreement_report(rita, project)
    assert report["overall"]["n_raters"] == 4 + 20


def test_span_agreement_reads_who_found_which_claim_from_history(project, alice, bob, rita):
    text = "Lavrov a dit non. Vance a dit oui. Le sommet a eu lieu. Rien d'autre."
    article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))

    def mark(user, start: int, end: int) -> Claim:
        return claim_services.claim_create(article=article, start=start, end=end, by=user)

    mark(alice, 0, 17)  # "Lavrov a dit non."
    mark(bob, 0, 12)  # "Lavrov a dit": same claim by the overlap rule
    mark(alice, 18, 34)  # "Vance a dit oui."
    suggested = claim_services.claim_create(
        article=article, start=35, end=55, by=None, origin=ClaimOrigin.SUGGESTED,
    )
    claim_services.claim_decide(claim=suggested, by=bob, status=ClaimStatus.ACCEPTED, version=1)
    later = mark(bob, 56, 69)
    claim_services.claim_decide(claim=later, by=bob, status=ClaimStatus.REJECTED, version=1)  # taken back
    claim_services.claim_update(claim=Claim.objects.get(pk=suggested.pk), by=rita, version=2, speaker="x")
    spans, annotated = project_spans(project)
    assert sorted((s.annotator, s.start, s.end) for s in spans) == sorted([
        (alice.pk, 0, 17), (bob.pk, 0, 12), (alice.pk, 18, 34), (bob.pk, 35, 55),
    ])
    assert annotated == {(article.pk, alice.pk), (article.pk, bob.pk)}
    # A done finding assignment counts its article as annotated even with nothing found.
    empty_text = "Un texte sans affirmation."
    empty = Article.objects.create(project=project, body=empty_text, body_hash=body_hash(empty_text))
    Assignment.objects.create(project=project, article=empty, annotator=alice, slot=0, status=AssignmentStatus.DONE)
    report = agreement_report(project, names=True, n_boot=100)
    expected = span_agreement(
        [Span(article.pk, a, s, e) for (a, s, e) in [
            (alice.pk, 0, 17), (bob.pk, 0, 12), (alice.pk, 18, 34), (bob.pk, 35, 55)
        ]],
        annotated={(article.pk, alice.pk), (article.pk, bob.pk), (empty.pk, alice.pk)},
        n_boot=100,
    ).to_dict()
    assert report["spans"]["mean_f1"] == expected["mean_f1"]
    assert report["spans"]["mean_f1"]["value"] == pytest.approx(0.5)  # 1 of 2 hits each way
    assert report["spans"]["per_pair"][0]["annotator_a"] == "alice"
    project.task_kind = TaskKind.JUDGING
    assert agreement_report(project, names=True, n_boot=10)["spans"] is None


def test_big_projects_show_the_latest_finished_job(project, rita, max_, alice, kripp, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(agreement_selectors, "INLINE_LIMIT", 10)
    waiting = project_agreement_report(rita, project)
    assert (waiting["available"], waiting["big"], waiting["source"]["kind"]) == (False, True, "none")
    with pytest.raises(PermissionDenied):
        agreement_job_start(project=project, by=alice)
    with django_capture_on_commit_callbacks() as queued:
        job = agreement_job_start(project=project, by=rita)
        again = agreement_job_start(project=project, by=max_)
    assert again.pk == job.pk and job.kind == JobKind.AGREEMENT
    assert len(queued) == 1  # one task for the one job
    done = job_run(job.pk, agreement_job_work)
    assert done.status == JobStatus.SUCCEEDED, done.error
    shown = project_agreement_report(rita, project)
    assert shown["source"]["kind"] == "job" and shown["source"]["job"] == job.pk
    assert shown["overall"] == project_agreement_report(rita, project, fresh=True)["overall"]
    assert Job.objects.get(pk=job.pk).result["overall"]["alpha"] == shown["overall"]["alpha"]


def test_the_job_fails_cleanly_when_its_owner_lost_the_right(project, rita, kripp):
    job = agreement_job_start(project=project, by=rita)
    Membership.objects.filter(user=rita, project=project).delete()
    done = job_run(job.pk, agreement_job_work)
    assert done.status == JobStatus.FAILED and "Not allowed" in done.error
