"""Searching a project's claims to link them: full text with stemming on PostgreSQL (through the
index of migration 0006 for French), a plain match on SQLite; the htmx partial and its refusals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from annotations.models import Article, ClaimStatus, Project, body_hash
from annotations.selectors.search import claims_search, search_terms, ts_config
from annotations.services.projects import default_scheme
from tests.ui import fixtures_article
from tests.ui.fixtures_article import claim_on, seed_article

pytestmark = pytest.mark.django_db

# Fixtures shared by the article page's tests (assigned, so pytest finds them here).
seeded = fixtures_article.seeded

HX = {"HTTP_HX_REQUEST": "true"}
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


def article_with(project: Project, body: str, title: str = "") -> Article:
    return Article.objects.create(project=project, body=body, body_hash=body_hash(body),
                                  title=title, language=project.language)


@pytest.fixture
def corpus(project, article, claim):
    """Claims in two articles: the Lavrov claim (fixture) and others."""
    second = article_with(project, "Vance parle de concessions importantes. Rubio confirme la position.",
                          title="Deuxième")
    vance = claim_on(second, "Vance parle de concessions importantes.", speaker="JD Vance")
    rubio = claim_on(second, "Rubio confirme la position.", statement="Rubio confirme la position russe")
    same_article = claim_on(article, "JD Vance a affirmé dimanche que la Russie avait fait d'importantes concessions.")
    return {"lavrov": claim, "vance": vance, "rubio": rubio, "same": same_article}


def test_words_of_a_query_are_letters_and_digits_only():
    assert search_terms("  Vance & (concessions) | !x:* 'a' ") == ["Vance", "concessions", "x", "a"]
    assert search_terms("") == [] and search_terms("&|!") == []


def test_search_finds_claims_of_other_articles_first(corpus, alice):
    lavrov = corpus["lavrov"]
    found = claims_search(alice, lavrov.article.project, "Vance", exclude_claim=lavrov)
    assert [c.pk for c in found] == [corpus["vance"].pk, corpus["same"].pk]
    # By speaker, and by statement as well as quote.
    assert {c.pk for c in claims_search(alice, lavrov.article.project, "JD Vance")} == {
        corpus["vance"].pk, corpus["same"].pk}
    assert corpus["rubio"] in claims_search(alice, lavrov.article.project, "russe")
    # The excluded claim never comes back; every word must match.
    assert lavrov not in claims_search(alice, lavrov.article.project, "Lavrov", exclude_claim=lavrov)
    assert claims_search(alice, lavrov.article.project, "Vance Rubio") == []
    assert claims_search(alice, lavrov.article.project, "   ") == []


def test_search_hides_rejected_claims_and_from_researchers_suggestions(corpus, alice, rhea):
    project = corpus["lavrov"].article.project
    corpus["vance"].status = ClaimStatus.REJECTED
    corpus["vance"].save()
    corpus["rubio"].status = ClaimStatus.CANDIDATE
    corpus["rubio"].save()
    assert corpus["vance"] not in claims_search(alice, project, "Vance")
    assert corpus["rubio"] in claims_search(alice, project, "Rubio")
    assert claims_search(rhea, project, "Rubio") == []


def test_search_stays_inside_the_project_and_refuses_outsiders(corpus, alice, charlie, max_):
    from annotations.access import NotFound
    from annotations.models import Membership

    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    Membership.objects.create(user=alice, project=other, role="annotator")
    claim_on(article_with(other, "Vance ailleurs."), "Vance ailleurs.")
    project = corpus["lavrov"].article.project
    assert all(c.article.project_id == project.pk for c in claims_search(alice, project, "Vance"))
    with pytest.raises(NotFound):
        claims_search(charlie, project, "Vance")


def test_the_limit_is_respected(project, alice):
    body = " ".join(f"Phrase {i} sur Vance." for i in range(30))
    article = article_with(project, body)
    for i in range(30):
        claim_on(article, f"Phrase {i} sur Vance.")
    assert len(claims_search(alice, project, "Vance", limit=7)) == 7
    assert len(claims_search(alice, project, "Vance")) == 20


@postgres_only
def test_french_stemming_and_prefixes_on_postgresql(corpus, alice):
    project = corpus["lavrov"].article.project
    assert ts_config(project) == "french"
    # "concession" finds "concessions"; "inchang" (as typed so far) finds "inchangée".
    assert corpus["vance"] in claims_search(alice, project, "concession")
    assert corpus["lavrov"] in claims_search(alice, project, "inchang")
    assert corpus["lavrov"] in claims_search(alice, project, "positions russes restaient")


@postgres_only
def test_the_french_search_uses_the_gin_index(corpus, alice):
    from annotations.models import Claim
    from annotations.selectors.search import _fulltext

    qs = _fulltext(Claim.objects.all(), "french", ["concessions"])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # Table statistics vary with what ran before (another test's ANALYZE of a tiny table
        # makes a plain index scan with a filter look cheapest): with sequential and plain index
        # scans off, only a bitmap scan on an index whose expression matches the query is left.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_indexscan = on")
    assert "claim_fts_french" in plan, plan


@postgres_only
def test_other_languages_use_english_or_simple(project, alice):
    project.language = "en"
    project.save()
    article = article_with(project, "The talks were running smoothly.")
    talk = claim_on(article, "The talks were running smoothly.")
    assert ts_config(project) == "english"
    assert talk in claims_search(alice, project, "run talk")
    project.language = "de"
    project.save()
    assert ts_config(project) == "simple"
    assert talk in claims_search(alice, project, "talks")
    assert claims_search(alice, project, "running talk") == [talk]  # prefix on the last word
    assert claims_search(alice, project, "talk running") == []  # no stemming in simple


def test_the_search_partial_for_linking_and_for_evidence(corpus, alice, client_for):
    lavrov = corpus["lavrov"]
    url = reverse("ui:claim_search", args=[lavrov.pk])
    html = client_for(alice).get(url + "?q=Vance", **HX).content.decode()
    assert "<html" not in html
    assert f'name="target" value="{corpus["vance"].pk}"' in html and "Deuxième" in html
    assert html.index(f'value="{corpus["vance"].pk}"') < html.index(f'value="{corpus["same"].pk}"')
    html = client_for(alice).get(url + "?q=Vance&mode=evidence", **HX).content.decode()
    assert f'data-pick-claim="{corpus["vance"].pk}"' in html
    assert f'data-pick-article="{corpus["vance"].article_id}"' in html
    html = client_for(alice).get(url + "?q=zzzz", **HX).content.decode()
    assert "No claim matches" in html
    # Without htmx: a page with its own link form.
    html = client_for(alice).get(url + "?q=Vance").content.decode()
    assert 'id="relate-page-form"' in html and 'form="relate-page-form"' in html


def test_the_search_partial_refuses_outsiders_and_anonymous(corpus, charlie, rhea, client_for, client,
                                                            django_assert_max_num_queries):
    url = reverse("ui:claim_search", args=[corpus["lavrov"].pk]) + "?q=Vance"
    assert client_for(charlie).get(url, **HX).status_code == 404
    response = client.get(url, **HX)
    assert response.status_code == 302 and response.url.startswith(reverse("ui:login"))
    # A researcher may search (read-only): no link buttons.
    researcher = client_for(rhea)
    html = researcher.get(url, **HX).content.decode()
    assert "Deuxième" in html and 'name="target"' not in html
    with django_assert_max_num_queries(7):
        researcher.get(url, **HX)


def test_seed_search_finds_lavrov_from_vance(seeded, client_for):
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    vance = claim_on(seed_article(seeded, "003"), "la Russie a fait d' »importantes concessions »")
    lavrov = claim_on(seed_article(seeded, "004"), "restait totalement inchangée")
    found = claims_search(alice, seeded, "inchangée", exclude_claim=vance)
    assert found[:1] == [lavrov]
