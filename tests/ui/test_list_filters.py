"""Search, filters and sorting of the project's article list and the review queue, all in the URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from annotations.models import Article, Claim, Outlet, body_hash
from annotations.services import work
from annotations.services.adjudication import adjudication_decide

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [a.title for a in response.context["articles"]]


@pytest.fixture
def corpus(project, make_articles) -> dict:
    """Three articles: two outlets, two languages, three dates; one with claims."""
    monde = Outlet.objects.create(project=project, name="Le Monde", domain="lemonde.fr")
    figaro = Outlet.objects.create(project=project, name="Le Figaro", domain="lefigaro.fr")
    made = {}
    for title, outlet, lang, day, body in [
        ("Sommet d'Anchorage", monde, "fr", 15, "Lavrov parle de position inchangée."),
        ("Vance et les concessions", figaro, "fr", 17, "Vance évoque des concessions."),
        ("Summit recap", None, "en", 20, "A recap in English about Anchorage."),
    ]:
        made[title] = Article.objects.create(
            project=project, title=title, outlet=outlet, language=lang, body=body, body_hash=body_hash(body),
            published_on=dt.date(2025, 8, day),
        )
    body = made["Vance et les concessions"].body
    Claim.objects.create(article=made["Vance et les concessions"], start=0, end=len(body), quote=body,
                         origin="manual", status="accepted")
    return {"monde": monde, "figaro": figaro, **made}


def page(client, **params) -> object:
    return client.get(reverse("ui:project", args=["test"]), params)


def test_articles_filter_by_text_outlet_language_dates_and_progress(client_for, alice, corpus):
    client = client_for(alice)
    assert titles(page(client, q="anchorage")) == ["Sommet d'Anchorage", "Summit recap"]
    assert titles(page(client, q="anchorage recap")) == ["Summit recap"]
    assert titles(page(client, outlet=corpus["figaro"].pk)) == ["Vance et les concessions"]
    assert titles(page(client, language="en")) == ["Summit recap"]
    assert titles(page(client, published_after="2025-08-16", published_before="2025-08-18")) == ["Vance et les concessions"]
    assert titles(page(client, progress="claims")) == ["Vance et les concessions"]
    assert titles(page(client, progress="none")) == ["Sommet d'Anchorage", "Summit recap"]
    assert titles(page(client, progress="todo")) == ["Vance et les concessions"]


def test_articles_sort_and_the_pager_keeps_the_filters(client_for, alice, corpus, make_articles, project):
    client = client_for(alice)
    assert titles(page(client, sort="-published")) == ["Summit recap", "Vance et les concessions", "Sommet d'Anchorage"]
    assert titles(page(client, sort="title")) == ["Sommet d'Anchorage", "Summit recap", "Vance et les concessions"]
    make_articles(project, 30, title="Lot {i}")
    response = page(client, q="Lot", sort="title")
    assert len(titles(response)) == 25
    html = response.content.decode()
    assert "?q=Lot&amp;sort=title&amp;page=2#articles" in html
    assert 'value="Lot"' in html  # the form shows the search it applied


def test_bad_filter_values_are_named_and_nothing_breaks(client_for, alice, corpus):
    response = page(client_for(alice), published_after="15/08/2025x", outlet="999999", sort="nope")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Published from:" in html and "Outlet:" in html and "Sort by:" in html


def test_an_outlet_of_another_project_is_not_accepted(client_for, alice, corpus, django_user_model):
    from annotations.models import Project
    from annotations.services.projects import default_scheme

    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    foreign = Outlet.objects.create(project=other, name="Ailleurs", domain="ailleurs.fr")
    response = page(client_for(alice), outlet=foreign.pk)
    assert "Outlet:" in response.content.decode()


def test_filtered_list_urls_refuse_anonymous_and_outsiders(client, client_for, charlie, corpus):
    url = reverse("ui:project", args=["test"]) + "?q=anchorage"
    assert client.get(url).status_code == 302
    assert client_for(charlie).get(url).status_code == 404
    queue = reverse("ui:review_queue", args=["test"]) + "?q=x"
    assert client.get(queue).status_code == 302
    assert client_for(charlie).get(queue).status_code == 404


# --- the review queue ---------------------------------------------------------------------------


@pytest.fixture
def judged(project, make_articles, alice, bob, rita, verdicts) -> dict:
    first, second = make_articles(project, 2, claims=2, title="Papier {i}")
    a1, a2 = first.claims.order_by("start")
    b1, b2 = second.claims.order_by("start")
    work.annotation_save(claim=a1, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=a1, annotator=bob, verdict=verdicts["refuted"])
    work.annotation_save(claim=a2, annotator=alice, verdict=verdicts["misleading"])
    work.annotation_save(claim=b1, annotator=bob, verdict=verdicts["refuted"])
    work.annotation_save(claim=b2, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=b2, annotator=bob, verdict=verdicts["refuted"])
    adjudication_decide(claim=b2, by=rita, verdict=verdicts["refuted"])
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2, "first": first, "second": second}


def shown(response) -> list[int]:
    return [row.claim.pk for row in response.context["queue"].rows]


def queue(client, **params):
    return client.get(reverse("ui:review_queue", args=["test"]), {"filter": "all", **params})


def test_the_queue_filters_by_article_annotator_verdict_method_date_and_text(client_for, rita, bob, judged):
    client = client_for(rita)
    j = judged
    assert shown(queue(client, article=j["second"].title)) == [j["b1"].pk, j["b2"].pk]
    assert shown(queue(client, article=str(j["first"].pk))) == [j["a1"].pk, j["a2"].pk]
    assert shown(queue(client, annotator=str(bob.pk))) == [j["a1"].pk, j["b1"].pk, j["b2"].pk]
    assert shown(queue(client, verdict="misleading")) == [j["a2"].pk]
    assert shown(queue(client, method="adjudicated")) == [j["b2"].pk]
    today = dt.date.today().isoformat()
    assert len(shown(queue(client, judged_after=today, judged_before=today))) == 4
    assert shown(queue(client, judged_before="2000-01-01")) == []
    Claim.objects.filter(pk=j["a2"].pk).update(statement="Lavrov : position inchangée")
    assert shown(queue(client, q="LAVROV inchangée")) == [j["a2"].pk]


def test_the_tab_counts_follow_the_filters_and_links_keep_them(client_for, rita, bob, judged):
    response = queue(client_for(rita), annotator=str(bob.pk))
    assert response.context["queue"].tab_counts["all"] == 3
    html = response.content.decode()
    assert f"?filter=pending&amp;annotator={bob.pk}" in html or f"annotator={bob.pk}&amp;filter=pending" in html
    assert 'name="filter" value="all"' in html  # applying the form keeps the tab


def test_the_queue_sorts(client_for, rita, judged):
    client = client_for(rita)
    first = shown(queue(client, sort="-disagreement"))
    assert set(first[:2]) == {judged["a1"].pk, judged["b2"].pk}
    assert shown(queue(client, sort="verdicts"))[0] in {judged["a2"].pk, judged["b1"].pk}


def test_annotators_cannot_use_the_queue(client_for, alice, judged):
    assert queue(client_for(alice), q="x").status_code == 403


@pytest.mark.parametrize("data", [
    None,
    {"q": 'Vance "concessions" <b>', "language": "fr", "sort": "-title", "published_after": "2025-08-15"},
    {"outlet": "999999", "published_before": "not a date", "progress": "nonsense"},  # errors shown
])
def test_the_flat_widgets_draw_what_djangos_own_templates_draw(corpus, project, data) -> None:
    """The list pages' filter forms drawn by FlatWidgets (one template per widget) give Django's own
    HTML, values, selections, attributes and escaping included, whitespace aside."""
    import re

    from django.forms.renderers import DjangoTemplates

    from annotations.models import Project
    from annotations.ui.filters import ArticleFilter, ReviewFilter

    def drawn(form, renderer) -> str:
        form.renderer = renderer
        html = "".join(str(field) for field in form)
        return re.sub(r">\s+<", "><", html).strip()

    scheme_project = Project.objects.select_related("scheme").get(pk=project.pk)
    for make in (
        lambda: ArticleFilter(data, Article.objects.filter(project=project), project=project),
        lambda: ReviewFilter(data, project=scheme_project),
    ):
        flat, own = make(), make()
        flat.is_valid(), own.is_valid()
        flat_html, own_html = drawn(flat.form, flat.form.renderer), drawn(own.form, DjangoTemplates())
        assert flat_html == own_html
        assert "<option" in flat_html and "<select" in flat_html
        if data and "q" in data:
            assert "&lt;b&gt;" in flat_html and "&quot;concessions&quot;" in flat_html
