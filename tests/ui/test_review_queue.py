"""The reviewer's queue: filter tabs, who may see it, the keyboard, bounded queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Adjudication, AdjudicationMethod, Annotation, Claim, Project
from annotations.services import work
from annotations.services.adjudication import adjudication_decide

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def judged(project, make_articles, alice, bob, verdicts) -> dict:
    """Four claims: a disagreement, a unanimous one (auto-adjudicated), a half-judged one, one untouched."""
    (article,) = make_articles(project, 1, claims=4)
    disputed, agreed, half, untouched = Claim.objects.filter(article=article).order_by("start")
    work.annotation_save(claim=disputed, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=disputed, annotator=bob, verdict=verdicts["refuted"])
    work.annotation_save(claim=agreed, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=agreed, annotator=bob, verdict=verdicts["supported"])
    work.annotation_save(claim=half, annotator=alice, verdict=verdicts["misleading"])
    return {"disputed": disputed, "agreed": agreed, "half": half, "untouched": untouched}


def queue(slug: str = "test", **params: str) -> str:
    url = reverse("ui:review_queue", args=[slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def shown(response) -> list[int]:
    return [row.claim.pk for row in response.context["queue"].rows]


def test_the_default_tab_lists_disagreements_waiting_for_a_verdict(client_for, rita, judged):
    response = client_for(rita).get(queue())
    assert response.status_code == 200
    assert shown(response) == [judged["disputed"].pk]
    assert response.context["queue"].tab_counts == {"disagreements": 1, "pending": 2, "adjudicated": 1, "all": 4}
    html = response.content.decode()
    assert reverse("ui:adjudicate", args=[judged["disputed"].pk]) + "?filter=disagreements" in html
    assert "data-review-row" in html and 'data-hotkey="1"' in html


def test_each_tab_filters(client_for, rita, judged):
    client = client_for(rita)
    assert shown(client.get(queue(filter="pending"))) == [judged["disputed"].pk, judged["half"].pk]
    assert shown(client.get(queue(filter="adjudicated"))) == [judged["agreed"].pk]
    assert shown(client.get(queue(filter="all"))) == [c.pk for c in judged.values()]


def test_an_unknown_filter_is_a_clear_400(client_for, rita, judged):
    response = client_for(rita).get(queue(filter="nope"))
    assert response.status_code == 400
    assert "filter" in response.content.decode() and "disagreements" in response.content.decode()


def test_a_manager_sees_the_queue(client_for, max_, judged):
    assert client_for(max_).get(queue()).status_code == 200


@pytest.mark.parametrize("name, status", [("alice", 403), ("rhea", 403), ("charlie", 404)])
def test_others_are_refused(client_for, users, judged, name, status):
    assert client_for(users[name]).get(queue()).status_code == status
    assert client_for(users[name]).post(reverse("ui:review_backfill", args=["test"])).status_code == status


def test_anonymous_people_are_sent_to_log_in(client, judged):
    response = client.get(queue())
    assert response.status_code == 302 and reverse("ui:login") in response["Location"]


def test_an_unknown_project_is_a_404(client_for, rita):
    assert client_for(rita).get(queue("nowhere")).status_code == 404


def test_user_text_is_escaped(client_for, rita, project, judged):
    Claim.objects.filter(pk=judged["disputed"].pk).update(speaker=XSS)
    judged["disputed"].article.__class__.objects.filter(pk=judged["disputed"].article_id).update(title=XSS)
    html = client_for(rita).get(queue()).content.decode()
    assert XSS not in html and "&lt;script&gt;" in html


def test_the_nav_partial_links_reviewers_to_their_pages(client_for, rita, alice, judged):
    from django.template.loader import render_to_string

    project = Project.objects.get(slug="test")
    html = render_to_string(
        "annotations/ui/review/_nav.html", {"project": project, "roles": {"reviewer"}, "user": rita}
    )
    assert reverse("ui:review_queue", args=["test"]) in html and reverse("ui:agreement", args=["test"]) in html
    hidden = render_to_string(
        "annotations/ui/review/_nav.html", {"project": project, "roles": {"annotator"}, "user": alice}
    )
    assert "href" not in hidden


def test_the_backfill_button_accepts_unanimous_claims(client_for, rita, project, judged, verdicts):
    Adjudication.objects.all().delete()
    response = client_for(rita).post(reverse("ui:review_backfill", args=["test"]), follow=True)
    assert response.status_code == 200
    assert "1 unanimous claims were adjudicated automatically." in response.content.decode()
    assert list(Adjudication.objects.values_list("claim", "method")) == [
        (judged["agreed"].pk, AdjudicationMethod.UNANIMOUS)
    ]
    assert client_for(rita).get(reverse("ui:review_backfill", args=["test"])).status_code == 405


def test_queries_are_bounded_and_pages_paginate(client_for, rita, project, make_articles, alice, bob, verdicts,
                                               django_assert_max_num_queries):
    client = client_for(rita)
    make_articles(project, 1, claims=2)
    client.get(queue(filter="all"))
    with django_assert_max_num_queries(10):
        client.get(queue(filter="all"))
    for article in make_articles(project, 6, claims=12):
        for claim in article.claims.all():
            Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["supported"])
            Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    some = Claim.objects.filter(article__project=project).order_by("pk")[:5]
    for claim in some:
        adjudication_decide(claim=claim, by=rita, verdict=verdicts["refuted"])
    with django_assert_max_num_queries(10):
        response = client.get(queue(filter="all"))
    assert len(response.context["queue"].rows) == 50
    assert response.context["queue"].page.paginator.num_pages == 2
    second = client.get(queue(filter="all", page="2"))
    assert len(second.context["queue"].rows) == 74 - 50
    assert shown(client.get(queue(filter="all", page="999"))) == shown(second)  # past the end: last page
