"""The admin for reviewers and managers: scoped by project role, writing through the services."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import (
    BatchKind,
    ClaimBatch,
    ReferenceFactCheck,
    CandidateOrigin,
    CandidateStatus,
    CheckQuestion,
    Comment,
    Notification,
    NotificationKind,
    QuestionAnswer,
    RelationCandidate,
    RelationModel,
    Adjudication,
    AdjudicationMethod,
    Annotation,
    ApiToken,
    Article,
    Assignment,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    DatasetRelease,
    Evidence,
    Job,
    JobKind,
    JobStatus,
    Membership,
    Outlet,
    Project,
    ReleaseFile,
    RelationKind,
    Role,
    Stance,
    SuggestionModel,
    body_hash,
)
from annotations.services.imports import import_job_start, import_job_work
from annotations.services.jobs import job_run
from annotations.services.projects import default_scheme
from annotations.services.work import claim_adjudicate

from .conftest import BODY

pytestmark = pytest.mark.django_db

MODELS = [
    "verdictscheme", "verdict", "project", "membership", "outlet", "article", "claim",
    "claimrelation", "annotation", "evidence", "adjudication", "assignment", "job",
    "datasetrelease", "releasefile", "suggestionmodel", "checkquestion", "questionanswer",
    "relationcandidate", "relationmodel", "comment", "notification", "referencefactcheck",
    "claimbatch",
]


def url(model: str, view: str = "changelist", *args: object) -> str:
    return reverse(f"admin:annotations_{model}_{view}", args=args)


def span(text: str) -> tuple[int, int]:
    start = BODY.index(text)
    return start, start + len(text)


def make_claim(article: Article, text: str, **fields: object) -> Claim:
    start, end = span(text) if article.body == BODY else (0, len(text))
    return Claim.objects.create(
        article=article, start=start, end=end, quote=article.body[start:end],
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, **fields,
    )


def make_article(project: Project, body: str, title: str = "") -> Article:
    return Article.objects.create(project=project, title=title, body=body, body_hash=body_hash(body))


def result_pks(response) -> list[int]:
    return sorted(obj.pk for obj in response.context["cl"].result_list)


@pytest.fixture
def elsewhere(django_user_model) -> dict:
    """A project none of the personas belongs to, with an article and a claim."""
    olga = django_user_model.objects.create_user(username="olga", password="pw", is_staff=True)
    project = Project.objects.create(name="Elsewhere", slug="elsewhere", scheme=default_scheme())
    Membership.objects.create(user=olga, project=project, role=Role.MANAGER)
    article = make_article(project, "Un autre texte, ailleurs.", "Ailleurs")
    claim = make_claim(article, "Un autre texte")
    return {"project": project, "article": article, "claim": claim, "olga": olga}


@pytest.fixture
def world(project, article, claim, verdicts, users) -> dict:
    """One of everything in the test project."""
    claim2 = make_claim(article, "la Russie avait fait d'importantes concessions")
    outlet = Outlet.objects.create(project=project, name="Le Monde", domain="lemonde.fr", country="FR")
    article.outlet = outlet
    article.save(update_fields=["outlet"])
    annotation = Annotation.objects.create(
        claim=claim, annotator=users["alice"], verdict=verdicts["supported"]
    )
    Annotation.objects.create(claim=claim, annotator=users["bob"], verdict=verdicts["refuted"])
    evidence = Evidence.objects.create(
        claim=claim, added_by=users["alice"], url="https://example.org/lavrov", stance=Stance.SUPPORTS
    )
    relation = ClaimRelation.objects.create(source=claim, target=claim2, kind=RelationKind.CONTRADICTS)
    adjudication = Adjudication.objects.create(
        claim=claim2, verdict=verdicts["refuted"], adjudicator=users["rita"],
        method=AdjudicationMethod.ADJUDICATED,
    )
    assignment = Assignment.objects.create(
        project=project, article=article, claim=claim, annotator=users["alice"], slot=0
    )
    job = Job.objects.create(
        project=project, kind=JobKind.IMPORT, status=JobStatus.SUCCEEDED, created_by=users["max"],
        result={
            "source": "a.jsonl", "records": 2, "created": 2, "duplicates": 0, "duplicate_lines": [],
        },
    )
    release = DatasetRelease.objects.create(
        project=project, version="v1", job=job, counts={"claims": 1}
    )
    release_file = ReleaseFile.objects.create(
        release=release, format="jsonl", file="releases/v1.jsonl", size=10, sha256="0" * 64
    )
    suggestion_model = SuggestionModel.objects.create(
        project=project, version=1, engine_version="rules", n_examples=40, n_positive=30,
        cv_precision=0.8, cv_recall=0.75, cv_folds=5, weights={},
    )
    question = CheckQuestion.objects.create(project=project, text="La Russie a-t-elle fait des concessions ?")
    answer = QuestionAnswer.objects.create(question=question, claim=claim2, answer="yes", answered_by=users["alice"])
    proposal = RelationCandidate.objects.create(
        project=project, kind=RelationKind.SAME, a_article=article, a_start=claim.start, a_end=claim.end,
        a_claim=claim, b_article=make_article(project, "Lavrov : la position reste inchangée.", "Lavrov"),
        b_start=0, b_end=6, score=0.7, reasons=["same entities: Lavrov"], origin=CandidateOrigin.ENGINE,
    )
    relation_model = RelationModel.objects.create(project=project, weights={"bias": 0}, decisions=20, positives=8)
    comment = Comment.objects.create(project=project, claim=claim, author=users["alice"], body="@rita un avis ?")
    notification = Notification.objects.create(
        user=users["rita"], project=project, kind=NotificationKind.MENTION, actor=users["alice"], claim=claim,
        comment=comment,
    )
    factcheck = ReferenceFactCheck.objects.create(
        project=project, url="https://factuel.example.org/v/lavrov", claim_reviewed="La position russe est inchangée.",
        rating_text="Vrai", created_by=users["max"],
    )
    batch = ClaimBatch.objects.create(
        article=article, kind=BatchKind.DECIDE, status="accepted", size=1,
        items=[{"id": claim2.pk, "status": "candidate", "decided_by": None, "version": 1, "after": 2}],
        created_by=users["alice"],
    )
    scheme = project.scheme
    return {
        "claimbatch": batch,
        "comment": comment, "notification": notification, "referencefactcheck": factcheck,
        "checkquestion": question, "questionanswer": answer, "relationcandidate": proposal,
        "relationmodel": relation_model,
        "verdictscheme": scheme, "verdict": verdicts["supported"], "project": project,
        "membership": Membership.objects.get(project=project, user=users["rita"]),
        "outlet": outlet, "article": article, "claim": claim, "claim2": claim2,
        "claimrelation": relation, "annotation": annotation, "evidence": evidence,
        "adjudication": adjudication, "assignment": assignment, "job": job,
        "datasetrelease": release, "releasefile": release_file, "suggestionmodel": suggestion_model,
    }


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded job inputs go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- registration and entry ------------------------------------------------------------------


def test_it_registers_every_model_of_the_domain():
    # API tokens belong to an account, not a project, and are not shown: changing the user's
    # password in the admin ends all of them.
    domain = {
        m for m in apps.get_app_config("annotations").get_models()
        if not m.__name__.startswith("Historical") and m is not ApiToken
    }
    assert domain == {m for m in domain if admin.site.is_registered(m)}
    assert {m._meta.model_name for m in domain} == set(MODELS)


def test_it_redirects_anonymous_visitors_to_the_login(client, world):
    for target in (reverse("admin:index"), url("claim"), url("claim", "change", world["claim"].pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("persona", ["alice", "rhea"])
def test_it_keeps_annotators_and_researchers_out(client, users, world, persona):
    client.force_login(users[persona])
    targets = (reverse("admin:index"), url("claim"), url("annotation", "change", world["annotation"].pk))
    for target in targets:
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- pages open for reviewers and managers -----------------------------------------------------


@pytest.mark.parametrize("persona", ["rita", "max"])
@pytest.mark.parametrize("model", MODELS)
def test_it_opens_every_changelist(client, users, world, persona, model):
    client.force_login(users[persona])
    response = client.get(url(model))
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_it_opens_every_change_page_for_the_manager(client, max_, world, model):
    client.force_login(max_)
    response = client.get(url(model, "change", world[model].pk))
    assert response.status_code == 200
    assert response.context["original"].pk == world[model].pk


@pytest.mark.parametrize("model", [m for m in MODELS if m not in ("job", "suggestionmodel", "relationmodel", "notification")])
def test_it_opens_every_change_page_for_the_reviewer(client, rita, world, model):
    client.force_login(rita)
    response = client.get(url(model, "change", world[model].pk))
    assert response.status_code == 200


def test_it_shows_jobs_to_managers_only(client, rita, max_, world):
    client.force_login(rita)
    assert result_pks(client.get(url("job"))) == []
    response = client.get(url("job", "change", world["job"].pk))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    client.force_login(max_)
    assert result_pks(client.get(url("job"))) == [world["job"].pk]


@pytest.mark.parametrize(
    ("persona", "model", "status"),
    [
        ("rita", "claim", 200), ("rita", "adjudication", 200), ("rita", "evidence", 200),
        ("rita", "claimrelation", 200), ("rita", "membership", 403), ("rita", "verdictscheme", 403),
        ("rita", "project", 403),
        ("max", "project", 200), ("max", "membership", 200), ("max", "verdictscheme", 200),
        ("max", "verdict", 200), ("max", "outlet", 200), ("max", "claim", 200),
        # Written only by imports, annotators, the assignment service and workers:
        ("max", "article", 403), ("max", "annotation", 403), ("max", "assignment", 403),
        ("max", "job", 403), ("max", "datasetrelease", 403), ("max", "releasefile", 403),
    ],
)
def test_it_offers_add_pages_by_role(client, users, world, persona, model, status):
    client.force_login(users[persona])
    assert client.get(url(model, "add")).status_code == status


def test_it_shows_the_reviewer_a_project_without_letting_her_change_it(client, rita, project):
    client.force_login(rita)
    response = client.get(url("project", "change", project.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    response = client.post(url("project", "change", project.pk), {"name": "Renamed"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.name == "Test project"


def test_it_lets_the_manager_change_project_settings(client, max_, project):
    client.force_login(max_)
    response = client.post(url("project", "change", project.pk), {
        "name": "Renamed", "slug": project.slug, "description": "", "organisation": "",
        "language": "fr", "scheme": project.scheme_id, "task_kind": project.task_kind, "overlap": 3,
        "blind": "on", "guidelines": "", "licence": project.licence, "suggest_threshold": "0.6",
        "suggest_per_10k": "20", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.overlap, project.auto_accept_unanimous) == ("Renamed", 3, False)
    assert (project.suggest_threshold, project.suggest_per_10k) == (0.6, 20)


# --- scoping by membership --------------------------------------------------------------------


def test_it_lists_only_the_users_projects(client, rita, world, elsewhere):
    client.force_login(rita)
    claims = client.get(url("claim"))
    assert elsewhere["claim"].pk not in result_pks(claims)
    assert world["claim"].pk in result_pks(claims)
    assert elsewhere["article"].pk not in result_pks(client.get(url("article")))
    assert result_pks(client.get(url("project"))) == [world["project"].pk]
    project_filter = next(
        spec for spec in claims.context["cl"].filter_specs if spec.parameter_name == "project"
    )
    assert [name for _, name in project_filter.lookup_choices] == ["Test project"]


def test_it_shows_a_superuser_every_project(client, django_user_model, world, elsewhere):
    root = django_user_model.objects.create_superuser(username="root", password="pw")
    client.force_login(root)
    assert result_pks(client.get(url("claim"))) == sorted(
        [world["claim"].pk, world["claim2"].pk, elsewhere["claim"].pk]
    )
    assert client.get(url("claim", "change", elsewhere["claim"].pk)).status_code == 200
    assert client.get(url("project", "import", elsewhere["project"].pk)).status_code == 200


def test_it_refuses_the_reviewer_objects_of_other_projects(client, rita, elsewhere):
    client.force_login(rita)
    response = client.get(url("claim", "change", elsewhere["claim"].pk))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    # Not 403: that would tell an object of another project from a missing one.
    assert client.get(url("claim", "history", elsewhere["claim"].pk)).status_code == 404


def test_it_shows_a_staff_outsider_empty_changelists(client, charlie, world):
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    for model in MODELS:
        response = client.get(url(model))
        assert response.status_code == 200, model
        assert response.context["cl"].result_count == 0, model
    assert client.get(reverse("admin:index")).context["app_list"] == []


def test_it_refuses_a_staff_outsider_every_object(client, charlie, world):
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    for model in MODELS:
        response = client.get(url(model, "change", world[model].pk))
        # The admin's answer for a row outside the user's queryset: back to the index.
        assert response.status_code == 302, model
        assert response["Location"] == reverse("admin:index"), model
    assert client.post(url("claim", "change", world["claim"].pk), {"statement": "x"}).status_code == 403
    assert client.get(url("claim", "history", world["claim"].pk)).status_code == 404
    assert client.get(url("project", "import", world["project"].pk)).status_code == 404
    assert client.get(url("claim", "add")).status_code == 403


def test_it_offers_foreign_keys_only_from_the_users_projects(client, rita, article, elsewhere):
    client.force_login(rita)
    response = client.post(url("claim", "add"), {
        "article": elsewhere["article"].pk, "start": 0, "end": 5, "status": ClaimStatus.ACCEPTED,
    })
    assert response.status_code == 200
    assert "article" in response.context["adminform"].form.errors
    assert not Claim.objects.filter(article=elsewhere["article"], end=5).exists()
    field = response.context["adminform"].form.fields["article"]
    assert set(field.queryset) == {article}


def test_it_scopes_autocomplete_to_the_users_projects(client, rita, world, elsewhere):
    client.force_login(rita)
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "annotations", "model_name": "evidence", "field_name": "claim", "term": "",
    })
    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert ids == {world["claim"].pk, world["claim2"].pk}


# --- bounded queries ------------------------------------------------------------------------


def _crowd(project: Project, article: Article, verdicts: dict, annotators: list, n: int) -> None:
    """n claims on the article, each with one annotation per annotator."""
    for i in range(n):
        claim = Claim.objects.create(
            article=article, start=i, end=i + 7, quote=article.body[i : i + 7],
            origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.ACCEPTED,
        )
        for person, code in zip(annotators, ["supported", "refuted", "misleading"]):
            Annotation.objects.create(claim=claim, annotator=person, verdict=verdicts[code])


@pytest.mark.parametrize("model", ["claim", "article", "annotation", "adjudication", "evidence"])
def test_it_keeps_changelist_queries_bounded(
    client, rita, users, project, verdicts, django_user_model, django_assert_max_num_queries, model
):
    carol = django_user_model.objects.create_user(username="carol")
    annotators = [users["alice"], users["bob"], carol]
    first = make_article(project, BODY, "first")
    _crowd(project, first, verdicts, annotators, 3)
    client.force_login(rita)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(model)).status_code == 200
    for n in range(9):
        body = f"{n} — {BODY}"
        _crowd(project, make_article(project, body, f"a{n}"), verdicts, annotators, 3)
    for claim in Claim.objects.all()[:20]:
        evidence = Evidence.objects.create(
            claim=claim, added_by=rita, url="https://e.org", stance="context"
        )
        if not hasattr(claim, "adjudication"):
            claim_adjudicate(
                claim=claim, by=rita, verdict=verdicts["refuted"], gold_evidence=[evidence]
            )
    assert Claim.objects.count() == 30 and Annotation.objects.count() == 90
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(model))
    assert response.context["cl"].result_count > 3


# --- the reviewer's filters -----------------------------------------------------------------


@pytest.fixture
def judged(article, claim, verdicts, users) -> dict:
    """Three claims: annotators disagree on one, agree on another, and the third has no work."""
    agreed = make_claim(article, "Le sommet a eu lieu le 15 août 2025 à Anchorage.")
    untouched = make_claim(article, "JD Vance a affirmé dimanche")
    Annotation.objects.create(claim=claim, annotator=users["alice"], verdict=verdicts["supported"])
    Annotation.objects.create(claim=claim, annotator=users["bob"], verdict=verdicts["refuted"])
    Annotation.objects.create(claim=agreed, annotator=users["alice"], verdict=verdicts["supported"])
    Annotation.objects.create(claim=agreed, annotator=users["bob"], verdict=verdicts["supported"])
    return {"disputed": claim, "agreed": agreed, "untouched": untouched}


def test_it_filters_claims_with_disagreement(client, rita, judged):
    client.force_login(rita)
    assert result_pks(client.get(url("claim"), {"disagreement": "yes"})) == [judged["disputed"].pk]
    assert result_pks(client.get(url("claim"), {"disagreement": "no"})) == sorted(
        [judged["agreed"].pk, judged["untouched"].pk]
    )


def test_it_filters_claims_pending_adjudication(client, rita, judged, verdicts):
    claim_adjudicate(claim=judged["agreed"], by=rita, verdict=verdicts["supported"])
    client.force_login(rita)
    assert result_pks(client.get(url("claim"), {"adjudication": "pending"})) == [judged["disputed"].pk]
    assert result_pks(client.get(url("claim"), {"adjudication": "adjudicated"})) == [judged["agreed"].pk]


def test_it_filters_by_verdict_annotator_and_status(client, rita, judged, users, verdicts):
    client.force_login(rita)
    refuted = client.get(url("claim"), {"annotations__verdict__id__exact": verdicts["refuted"].pk})
    assert result_pks(refuted) == [judged["disputed"].pk]
    by_alice = client.get(url("annotation"), {"annotator__id__exact": users["alice"].pk})
    assert {a.annotator_id for a in by_alice.context["cl"].result_list} == {users["alice"].pk}
    assert by_alice.context["cl"].result_count == 2
    Claim.objects.filter(pk=judged["untouched"].pk).update(status=ClaimStatus.REJECTED)
    assert result_pks(client.get(url("claim"), {"status__exact": "rejected"})) == [judged["untouched"].pk]


# --- writes go through the services -------------------------------------------------------------


def _claim_form(claim: Claim, **changes: object) -> dict:
    data = {
        "start": claim.start, "end": claim.end, "status": claim.status, "statement": claim.statement,
        "speaker": claim.speaker, "statement_date": "", "kind": claim.kind,
        "expected_version": claim.version,
        "annotations-TOTAL_FORMS": "0", "annotations-INITIAL_FORMS": "0",
        "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_it_edits_a_claim_through_the_services(client, rita, claim):
    client.force_login(rita)
    response = client.post(url("claim", "change", claim.pk), _claim_form(
        claim, speaker="Sergueï Lavrov", status=ClaimStatus.REJECTED,
    ))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.speaker == "Sergueï Lavrov"
    assert claim.status == ClaimStatus.REJECTED
    assert claim.decided_by == rita  # set by claim_decide
    assert claim.version == 3  # one bump by claim_update, one by claim_decide


def test_it_marks_a_claim_as_the_articles_own_and_filters_on_it(client, rita, claim):
    client.force_login(rita)
    response = client.post(url("claim", "change", claim.pk), _claim_form(
        claim, speaker="Le Monde", asserted_by_article="on",
    ))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.speaker, claim.asserted_by_article, claim.version) == ("Le Monde", True, 2)
    own = client.get(url("claim"), {"asserted_by_article__exact": "1"})
    assert [c.pk for c in own.context["cl"].result_list] == [claim.pk]
    quoted = client.get(url("claim"), {"asserted_by_article__exact": "0"})
    assert list(quoted.context["cl"].result_list) == []


def test_it_shows_a_stale_claim_edit_as_an_error(client, rita, claim):
    client.force_login(rita)
    Claim.objects.filter(pk=claim.pk).update(version=2, speaker="someone else")
    response = client.post(url("claim", "change", claim.pk), _claim_form(claim, speaker="Lavrov"))
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    # The typed value is kept on the form for the reviewer to re-apply.
    assert response.context["adminform"].form["speaker"].value() == "Lavrov"
    claim.refresh_from_db()
    assert claim.speaker == "someone else"


def test_it_shows_a_bad_span_as_a_field_error(client, rita, claim):
    client.force_login(rita)
    response = client.post(url("claim", "change", claim.pk), _claim_form(claim, end=len(BODY) + 10))
    assert response.status_code == 200
    assert "end" in response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.version == 1


def test_it_adds_a_claim_through_the_service(client, rita, article):
    client.force_login(rita)
    start, end = span("JD Vance")
    response = client.post(url("claim", "add"), {
        "article": article.pk, "start": start, "end": end, "status": ClaimStatus.ACCEPTED,
        "speaker": "", "statement": "", "kind": "",
    })
    assert response.status_code == 302
    claim = Claim.objects.get(article=article, start=start)
    assert (claim.quote, claim.origin, claim.created_by) == ("JD Vance", ClaimOrigin.MANUAL, rita)


def test_it_adjudicates_through_the_service(client, rita, claim, verdicts, users):
    Annotation.objects.create(claim=claim, annotator=users["alice"], verdict=verdicts["refuted"])
    Annotation.objects.create(claim=claim, annotator=users["bob"], verdict=verdicts["supported"])
    evidence = Evidence.objects.create(
        claim=claim, added_by=users["bob"], url="https://e.org/x", stance="refutes"
    )
    client.force_login(rita)
    page = client.get(url("adjudication", "add") + f"?claim={claim.pk}")
    assert list(page.context["adminform"].form.fields["gold_evidence"].queryset) == [evidence]
    response = client.post(url("adjudication", "add"), {
        "claim": claim.pk, "verdict": verdicts["refuted"].pk, "method": AdjudicationMethod.ADJUDICATED,
        "notes": "Lavrov is quoted accurately.", "gold_evidence": [evidence.pk],
    })
    assert response.status_code == 302
    adjudication = Adjudication.objects.get(claim=claim)
    assert adjudication.adjudicator == rita
    assert adjudication.method == AdjudicationMethod.ADJUDICATED
    assert list(adjudication.agrees_with.all()) == [users["alice"]]  # computed by the service
    assert list(adjudication.gold_evidence.all()) == [evidence]


def test_it_shows_a_stale_adjudication_as_an_error(client, rita, max_, claim, verdicts):
    adjudication = claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"])
    client.force_login(rita)
    page = client.get(url("adjudication", "change", adjudication.pk))
    assert page.context["adminform"].form["expected_version"].value() == 1
    claim_adjudicate(claim=claim, by=max_, verdict=verdicts["misleading"], version=1)
    response = client.post(url("adjudication", "change", adjudication.pk), {
        "verdict": verdicts["refuted"].pk, "method": AdjudicationMethod.ADJUDICATED, "notes": "",
        "expected_version": 1,
    })
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    adjudication.refresh_from_db()
    assert (adjudication.verdict, adjudication.adjudicator) == (verdicts["misleading"], max_)


def test_it_shows_a_verdict_from_another_scheme_as_an_error(client, rita, claim, verdicts):
    from annotations.models import Verdict, VerdictScheme

    other = VerdictScheme.objects.create(name="Other", slug="other")
    foreign = Verdict.objects.create(scheme=other, code="x", name="X")
    client.force_login(rita)
    response = client.post(url("adjudication", "add"), {
        "claim": claim.pk, "verdict": foreign.pk, "method": AdjudicationMethod.ADJUDICATED,
    })
    assert response.status_code == 200
    assert "verdict" in response.context["adminform"].form.errors
    assert not Adjudication.objects.exists()


def test_it_adds_evidence_through_the_service(client, rita, claim):
    client.force_login(rita)
    fields = {"claim": claim.pk, "stance": Stance.CONTEXT, "title": "", "publisher": "", "passage": ""}
    refused = client.post(url("evidence", "add"), {**fields, "url": "ftp://example.org/file"})
    assert refused.status_code == 200
    assert "http" in str(refused.context["adminform"].form.errors["url"])
    accepted = client.post(url("evidence", "add"), {**fields, "url": "https://example.org"})
    assert accepted.status_code == 302
    assert Evidence.objects.get().added_by == rita


def test_it_relates_claims_through_the_service(client, rita, article, claim):
    other = make_claim(article, "JD Vance")
    client.force_login(rita)
    response = client.post(url("claimrelation", "add"), {
        "source": other.pk, "target": claim.pk, "kind": RelationKind.CONTRADICTS, "note": "",
    })
    assert response.status_code == 302
    relation = ClaimRelation.objects.get()
    # Symmetric kinds are stored lower id first by claim_relate.
    assert (relation.source, relation.target, relation.created_by) == (claim, other, rita)
    page = client.get(url("claim", "change", claim.pk))
    assert "Contradicts" in page.content.decode()


def test_it_adds_and_removes_members_through_the_services(client, max_, project, charlie):
    client.force_login(max_)
    response = client.post(url("membership", "add"), {
        "project": project.pk, "user": "charlie", "role": Role.ANNOTATOR,
    })
    assert response.status_code == 302
    assert Membership.objects.filter(project=project, user=charlie, role=Role.ANNOTATOR).exists()
    unknown = client.post(
        url("membership", "add"), {"project": project.pk, "user": "nobody", "role": "annotator"}
    )
    assert "user" in unknown.context["adminform"].form.errors
    # The last manager cannot be removed: membership_remove refuses, the admin says why.
    own = Membership.objects.get(project=project, user=max_, role=Role.MANAGER)
    response = client.post(url("membership", "delete", own.pk), {"post": "yes"}, follow=True)
    assert "at least one manager" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_it_refuses_removing_the_last_manager_in_a_bulk_action(client, max_, project):
    client.force_login(max_)
    own = Membership.objects.get(project=project, user=max_, role=Role.MANAGER)
    alice_role = Membership.objects.get(project=project, user__username="alice")
    response = client.post(
        url("membership"),
        {"action": "delete_selected", "_selected_action": [alice_role.pk, own.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "at least one manager" in response.content.decode()
    # All or nothing: alice's role, listed first, was not removed either.
    assert Membership.objects.filter(pk__in=[own.pk, alice_role.pk]).count() == 2


def test_it_lets_the_reviewer_remove_evidence_through_the_service(client, rita, world):
    client.force_login(rita)
    evidence = world["evidence"]
    response = client.post(url("evidence", "delete", evidence.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert Evidence.history.filter(id=evidence.pk, history_type="-").get().history_user == rita


def test_it_refuses_the_reviewer_membership_changes(client, rita, project):
    client.force_login(rita)
    own = Membership.objects.get(project=project, user=rita)
    assert client.post(url("membership", "delete", own.pk), {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=own.pk).exists()


def test_it_creates_a_project_through_the_service(client, max_):
    client.force_login(max_)
    response = client.post(url("project", "add"), {
        "name": "Sommet", "slug": "sommet", "language": "fr", "scheme": default_scheme().pk,
        "overlap": 2, "blind": "on", "auto_accept_unanimous": "on", "description": "", "guidelines": "",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": "rita", "memberships-0-role": Role.REVIEWER,
    })
    assert response.status_code == 302
    created = Project.objects.get(slug="sommet")
    roles = set(Membership.objects.filter(project=created).values_list("user__username", "role"))
    assert roles == {("max", Role.MANAGER), ("rita", Role.REVIEWER)}


def test_it_freezes_an_article_body_once_claimed(client, max_, project, article, claim):
    bare = make_article(project, "Texte sans affirmation.", "Nu")
    client.force_login(max_)
    form = {
        "title": "Nu", "author": "", "url": "", "published_on": "", "language": "fr",
        "external_id": "", "metadata": "{}", "claims-TOTAL_FORMS": "0", "claims-INITIAL_FORMS": "0",
    }
    response = client.post(url("article", "change", bare.pk), {**form, "body": "Nouveau\r\ntexte "})
    assert response.status_code == 302
    bare.refresh_from_db()
    assert bare.body == "Nouveau\ntexte "  # line endings unified, nothing stripped
    assert bare.body_hash == body_hash("Nouveau\ntexte ")
    page = client.get(url("article", "change", article.pk))
    assert "body" not in page.context["adminform"].form.fields
    response = client.post(url("article", "change", article.pk), {**form, "title": "T", "body": "Autre"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body) == ("T", BODY)


def test_it_refuses_a_body_that_duplicates_another_article(client, max_, project, article):
    twin = make_article(project, "Texte jumeau.", "Jumeau")
    client.force_login(max_)
    response = client.post(url("article", "change", twin.pk), {
        "title": "Jumeau", "body": BODY, "language": "fr", "metadata": "{}",
        "claims-TOTAL_FORMS": "0", "claims-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors


def test_it_refuses_everyone_edits_of_annotations_and_releases(client, max_, world):
    client.force_login(max_)
    page = client.get(url("annotation", "change", world["annotation"].pk))
    assert page.context["has_change_permission"] is False
    assert client.post(url("annotation", "change", world["annotation"].pk), {}).status_code == 403
    release = world["datasetrelease"]
    assert client.post(url("datasetrelease", "delete", release.pk), {"post": "yes"}).status_code == 403
    assert DatasetRelease.objects.filter(pk=world["datasetrelease"].pk).exists()


# --- history --------------------------------------------------------------------------------


def test_it_shows_a_claims_history_read_only(client, rita, claim):
    client.force_login(rita)
    client.post(url("claim", "change", claim.pk), _claim_form(claim, speaker="Lavrov"))
    response = client.get(url("claim", "history", claim.pk))
    assert response.status_code == 200
    assert response.context["revert_disabled"] is True
    records = list(response.context["page_obj"].object_list)
    assert len(records) == 2 and records[0].history_user == rita
    old = records[-1]
    page = client.get(url("claim", "simple_history", claim.pk, old.history_id))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(
        url("claim", "simple_history", claim.pk, old.history_id), _claim_form(claim, speaker="")
    )
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.speaker == "Lavrov"


@pytest.mark.parametrize("model", ["claimrelation", "annotation", "evidence", "adjudication"])
def test_it_shows_history_for_every_tracked_model(client, rita, world, model):
    client.force_login(rita)
    assert client.get(url(model, "history", world[model].pk)).status_code == 200


# --- importing articles -------------------------------------------------------------------------


GOOD_JSONL = "\n".join(json.dumps(r, ensure_ascii=False) for r in [
    {
        "title": "Sommet d'Anchorage", "body": "Trump et Poutine se sont rencontrés en Alaska.",
        "outlet": "Le Monde",
    },
    {
        "title": "Concessions", "body": "Vance évoque des concessions importantes.",
        "url": "https://example.org/a",
    },
    {"title": "Concessions (bis)", "body": "Vance évoque des concessions importantes."},
]) + "\n"

BAD_JSONL = (
    json.dumps({"title": "Bon", "body": "Un texte valide."}) + "\n"
    + json.dumps({"title": "Sans texte"}) + "\n"
    + json.dumps({"body": "Daté", "published_on": "hier"}) + "\n"
)


def _upload(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/octet-stream")


def test_it_imports_articles_from_the_admin(
    client, max_, project, media, django_capture_on_commit_callbacks
):
    client.force_login(max_)
    page = client.get(url("project", "change", project.pk))
    assert url("project", "import", project.pk) in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("project", "import", project.pk), {
            "file": _upload("articles.jsonl", GOOD_JSONL), "format": "",
        })
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("job", "change", job.pk)
    assert (job.kind, job.status, job.project, job.created_by) == (
        JobKind.IMPORT, JobStatus.QUEUED, project, max_
    )
    assert job.input_file.name.endswith(".jsonl")
    with job.input_file.open("rb") as fh:
        assert fh.read().decode() == GOOD_JSONL
    assert len(callbacks) == 1  # the task is queued once, on commit
    assert not Article.objects.exists()

    job_run(job.pk, import_job_work)
    titles = sorted(Article.objects.values_list("title", flat=True))
    assert titles == ["Concessions", "Sommet d'Anchorage"]
    page = client.get(url("job", "change", job.pk))
    text = page.content.decode()
    assert "3 articles read, 2 imported, 1 duplicate skipped" in text
    assert "100%" in text and "<progress" in text


def test_it_shows_an_import_refusal_on_the_job_page(client, max_, project, media, tmp_path):
    client.force_login(max_)
    # An upload whose first bytes show a bad line is refused on the form, before any job ...
    refused = client.post(url("project", "import", project.pk), {"file": _upload("bad.jsonl", BAD_JSONL)})
    assert refused.status_code == 200 and "file" in refused.context["form"].errors
    assert "bad.jsonl, line 2, field &#x27;body&#x27;" in refused.content.decode()
    assert not Job.objects.exists()
    # ... and what a job finds (here a path a command named) is shown on the job's page.
    path = tmp_path / "bad.jsonl"
    path.write_text(BAD_JSONL, encoding="utf-8")
    import_job_start(project=project, by=max_, path=str(path))
    job = Job.objects.get()
    job_run(job.pk, import_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not Article.objects.exists()
    text = client.get(url("job", "change", job.pk)).content.decode()
    assert "Refused: 2 bad lines; nothing was imported." in text
    assert "<td>bad.jsonl</td><td>2</td><td>body</td>" in text
    assert "<td>bad.jsonl</td><td>3</td><td>published_on</td>" in text


def test_it_asks_for_a_format_it_cannot_tell(client, max_, project, media):
    client.force_login(max_)
    response = client.post(url("project", "import", project.pk), {"file": _upload("articles.doc", "x")})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not Job.objects.exists()
    response = client.post(url("project", "import", project.pk), {
        "file": _upload("articles.data", GOOD_JSONL), "format": "jsonl",
    })
    assert response.status_code == 302
    assert Job.objects.get().params == {"format": "jsonl"}


def test_it_refuses_the_import_to_non_managers(client, rita, charlie, project, media):
    client.force_login(rita)
    assert client.get(url("project", "import", project.pk)).status_code == 403
    response = client.post(url("project", "import", project.pk), {"file": _upload("a.jsonl", GOOD_JSONL)})
    assert response.status_code == 403
    page = client.get(url("project", "change", project.pk))
    assert url("project", "import", project.pk) not in page.content.decode()
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    assert client.get(url("project", "import", project.pk)).status_code == 404
    assert not Job.objects.exists()


def test_it_opens_the_import_page_from_the_changelist_action(client, max_, project, elsewhere):
    client.force_login(max_)
    action = {"action": "import_articles", "_selected_action": [project.pk]}
    response = client.post(url("project"), action)
    assert response.status_code == 302
    assert response["Location"] == url("project", "import", project.pk)
    assert client.get(response["Location"]).status_code == 200
    second = Project.objects.create(name="Second", slug="second", scheme=default_scheme())
    Membership.objects.create(user=max_, project=second, role=Role.MANAGER)
    response = client.post(
        url("project"), {"action": "import_articles", "_selected_action": [project.pk, second.pk]},
        follow=True,
    )
    assert "Select exactly one project" in response.content.decode()


# --- the claim graph ---------------------------------------------------------------------------


def test_a_reviewer_accepts_a_proposal_from_the_admin_and_it_links_the_claims(client, rita, alice, world):
    proposal = world["relationcandidate"]
    client.force_login(rita)
    response = client.post(url("relationcandidate"), {"action": "accept", "_selected_action": [proposal.pk]})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == CandidateStatus.ACCEPTED and proposal.decided_by == rita
    assert proposal.relation is not None and proposal.relation.kind == RelationKind.SAME
    assert proposal.b_claim is not None and proposal.b_claim.quote == "Lavrov"  # marked on acceptance


def test_a_reviewer_words_a_question_in_the_admin_through_the_service(client, rita, world, project):
    client.force_login(rita)
    question = world["checkquestion"]
    response = client.post(url("checkquestion", "change", question.pk), {
        "text": "  La Russie a-t-elle fait   la moindre concession ?", "text_en": "",
        "expected_version": question.version,
        "answers-TOTAL_FORMS": "0", "answers-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    question.refresh_from_db()
    assert (question.text, question.version) == ("La Russie a-t-elle fait la moindre concession ?", 2)
    assert question.history.first().history_user == rita


def test_the_graph_admin_shows_a_staff_outsider_nothing(client, charlie, world):
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    for model in ("checkquestion", "questionanswer", "relationcandidate"):
        assert result_pks(client.get(url(model))) == []
        assert client.get(url(model, "change", world[model].pk)).status_code == 302
