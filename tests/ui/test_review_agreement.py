"""The agreement page: figures with intervals, tables, heatmaps; the job for big projects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Annotation, Article, Claim, ClaimOrigin, ClaimStatus, Job, JobKind, JobStatus, body_hash
from annotations.selectors import agreement as agreement_selectors
from annotations.services.adjudication import agreement_job_work
from annotations.services.jobs import job_run

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def rated(project, make_articles, alice, bob, verdicts) -> list[Claim]:
    """Six claims both annotators judged: four agreements, two disagreements."""
    (article,) = make_articles(project, 1, claims=6)
    claims = list(Claim.objects.filter(article=article).order_by("start"))
    pairs = [("supported", "supported"), ("supported", "supported"), ("refuted", "refuted"),
             ("refuted", "refuted"), ("supported", "refuted"), ("misleading", "refuted")]
    for claim, (a, b) in zip(claims, pairs):
        Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts[a])
        Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts[b])
    return claims


def url(name: str = "ui:agreement", slug: str = "test") -> str:
    return reverse(name, args=[slug])


def test_reviewers_see_the_figures_tables_and_heatmaps(client_for, rita, rated):
    response = client_for(rita).get(url())
    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert report["available"] and report["overall"]["n_items"] == 6
    assert report["overall"]["percent_agreement"]["value"] == pytest.approx(4 / 6)
    for text in ("Krippendorff", "Fleiss", "Cohen", "alice – bob", "class=\"heatmap\"", "class=\"bar",
                 "whisker", "Per verdict"):
        assert text in html, text
    coincidence = response.context["coincidence"]
    assert [cell["n"] for cell in coincidence[0]["cells"]][:3] == [4, 1, 0]  # supported row
    assert "Recompute as a job" not in html  # small project: computed on each visit


def test_a_manager_sees_it_too(client_for, max_, rated):
    assert client_for(max_).get(url()).status_code == 200


@pytest.mark.parametrize("name, status", [("alice", 403), ("rhea", 403), ("charlie", 404)])
def test_others_are_refused(client_for, users, rated, name, status):
    client = client_for(users[name])
    assert client.get(url()).status_code == status
    assert client.post(url("ui:agreement_job")).status_code == status
    assert client.get(url("ui:agreement_job_status")).status_code == status
    assert not Job.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, rated):
    for name in ("ui:agreement", "ui:agreement_job_status"):
        response = client.get(url(name))
        assert response.status_code == 302 and reverse("ui:login") in response["Location"]
    assert client.post(url("ui:agreement_job")).status_code == 302
    assert not Job.objects.exists()


def test_an_empty_project_shows_undefined_figures(client_for, rita, project):
    response = client_for(rita).get(url())
    assert response.status_code == 200
    assert response.context["report"]["overall"]["alpha"]["value"] is None
    assert "No two annotators have judged the same claim yet." in response.content.decode()


def test_names_and_verdicts_are_escaped(client_for, rita, rated, verdicts, alice):
    alice.username = XSS
    alice.save()
    verdicts["supported"].name = XSS
    verdicts["supported"].save()
    html = client_for(rita).get(url()).content.decode()
    assert XSS not in html and "&lt;script&gt;" in html


def test_big_projects_use_the_job_and_offer_to_recompute(client_for, rita, rated, monkeypatch,
                                                        django_capture_on_commit_callbacks,
                                                        django_assert_max_num_queries):
    monkeypatch.setattr(agreement_selectors, "INLINE_LIMIT", 5)
    client = client_for(rita)
    first = client.get(url())
    html = first.content.decode()
    assert not first.context["report"]["available"]
    assert "Recompute as a job" in html and "No agreement report yet" in html
    with django_capture_on_commit_callbacks() as queued:
        started = client.post(url("ui:agreement_job"))
    assert started.status_code == 302 and started["Location"] == url()
    assert len(queued) == 1
    job = Job.objects.get(kind=JobKind.AGREEMENT)
    with django_assert_max_num_queries(6):  # session, user, project, roles, the latest job
        status = client.get(url("ui:agreement_job_status"))
    assert status.status_code == 200 and 'hx-trigger="every 2s"' in status.content.decode()
    assert client.get(url("ui:agreement_job")).status_code == 405
    job_run(job.pk, agreement_job_work)
    status = client.get(url("ui:agreement_job_status"), headers={"HX-Request": "true"})
    assert "hx-trigger" not in status.content.decode() and "Succeeded" in status.content.decode()
    assert "Show the new figures" in status.content.decode()
    shown = client.get(url())
    assert shown.context["report"]["source"] == {
        "kind": "job", "job": job.pk, "computed_at": Job.objects.get(pk=job.pk).finished_at.isoformat()
    }
    assert f"Shown: the report of job #{job.pk}." in shown.content.decode()
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_queries_are_bounded(client_for, rita, project, rated, verdicts, django_user_model,
                             django_assert_max_num_queries):
    from annotations.models import Membership, Role

    client = client_for(rita)
    client.get(url())
    with django_assert_max_num_queries(16):
        client.get(url())
    people = []
    for i in range(6):
        person = django_user_model.objects.create_user(username=f"p{i}", password="pw")
        Membership.objects.create(user=person, project=project, role=Role.ANNOTATOR)
        people.append(person)
    body = "Un autre texte avec des affirmations diverses et variées."
    article = Article.objects.create(project=project, body=body, body_hash=body_hash(body))
    for j in range(20):
        claim = Claim.objects.create(article=article, start=j, end=j + 4, quote=body[j:j + 4],
                                     origin=ClaimOrigin.IMPORTED, status=ClaimStatus.ACCEPTED)
        for person in people[j % 4: j % 4 + 3]:
            Annotation.objects.create(claim=claim, annotator=person, verdict=verdicts["conflicting"])
    with django_assert_max_num_queries(16):
        response = client.get(url())
    assert len(response.context["pair_rows"]) == 10  # alice–bob and nine pairs among p0…p5
