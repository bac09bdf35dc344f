"""A suggestion's panel names accepted claims of other articles that read like it ("Like: …")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Article, Claim, ClaimOrigin, ClaimStatus, Membership, Project, Role, body_hash
from annotations.selectors import similar
from annotations.selectors.similar import similar_accepted_claims
from annotations.services.projects import default_scheme

pytestmark = pytest.mark.django_db

ACCEPTED = "Les discussions entre Trump et Poutine ont duré environ trois heures."
LIKE_IT = "Les pourparlers entre Trump et Poutine ont duré près de trois heures."
UNLIKE = "Le prix du pain a augmenté de 5 % à Lyon depuis janvier."
OTHER_PROJECT = "Les pourparlers entre Trump et Poutine ont duré trois heures environ."


def _article(project: Project, title: str, *sentences: str) -> Article:
    body = " ".join(sentences)
    return Article.objects.create(project=project, title=title, body=body, body_hash=body_hash(body),
                                  language="fr")


def _claim(article: Article, quote: str, **fields) -> Claim:
    start = article.body.index(quote)
    return Claim.objects.create(article=article, start=start, end=start + len(quote), quote=quote,
                                **fields)


@pytest.fixture
def corpus(project, alice, charlie):
    """Project: an accepted claim in "Alaska", two suggestions in "Sommet". Charlie's own
    project holds an even closer accepted claim."""
    alaska = _article(project, "Alaska", "Introduction sans intérêt.", ACCEPTED)
    accepted = _claim(alaska, ACCEPTED, origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
                      created_by=alice)
    sommet = _article(project, "Sommet", LIKE_IT, UNLIKE)
    like = _claim(sommet, LIKE_IT, origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE, score=0.8)
    unlike = _claim(sommet, UNLIKE, origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE, score=0.7)
    theirs = Project.objects.create(name="Charlie's", slug="charlie", scheme=default_scheme())
    Membership.objects.create(user=charlie, project=theirs, role=Role.MANAGER)
    secret = _claim(_article(theirs, "Secret", OTHER_PROJECT), OTHER_PROJECT,
                    origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=charlie)
    return {"accepted": accepted, "like": like, "unlike": unlike, "secret": secret, "alaska": alaska}


def test_it_names_an_accepted_claim_of_another_article_that_reads_like_the_suggestion(corpus, alice):
    found = similar_accepted_claims(alice, corpus["like"])
    assert [s.claim_id for s in found] == [corpus["accepted"].pk]
    assert found[0].article_title == "Alaska" and found[0].similarity >= similar.SIMILAR_MIN_COSINE


def test_it_names_nothing_for_a_dissimilar_suggestion_or_a_claim_people_marked(corpus, alice):
    assert similar_accepted_claims(alice, corpus["unlike"]) == []
    assert similar_accepted_claims(alice, corpus["accepted"]) == []  # not a suggestion


def test_it_ignores_claims_not_accepted_and_those_of_the_same_article(corpus, alice):
    corpus["accepted"].status = ClaimStatus.REJECTED
    corpus["accepted"].save()
    assert similar_accepted_claims(alice, corpus["like"]) == []
    # An accepted claim in the suggestion's own article is not a reason either.
    corpus["unlike"].status = ClaimStatus.ACCEPTED
    corpus["unlike"].save()
    assert similar_accepted_claims(alice, corpus["like"]) == []


def test_the_panel_shows_it_with_a_link_to_that_claim(corpus, client_for, alice):
    like, accepted = corpus["like"], corpus["accepted"]
    page = client_for(alice).get(reverse("ui:article", args=[like.article_id]) + f"?claim={like.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    link = reverse("ui:article", args=[accepted.article_id]) + f"?claim={accepted.pk}"
    assert "Like:" in html and f'href="{link}"' in html and ACCEPTED in html and "(Alaska)" in html
    assert OTHER_PROJECT not in html  # charlie's project is not alice's
    panel = client_for(alice).get(reverse("ui:claim_panel", args=[corpus["unlike"].pk]),
                                  HTTP_HX_REQUEST="true").content.decode()
    assert "Like:" not in panel and ACCEPTED not in panel


def test_an_outsider_never_sees_another_projects_claims(corpus, client_for, charlie, alice):
    # Charlie's panel of alice's project's suggestion is refused, and shows nothing of it.
    for url in (reverse("ui:article", args=[corpus["like"].article_id]) + f"?claim={corpus['like'].pk}",
                reverse("ui:claim_panel", args=[corpus["like"].pk])):
        response = client_for(charlie).get(url, HTTP_HX_REQUEST="true")
        assert response.status_code in (403, 404)
        assert ACCEPTED not in response.content.decode()
    # A suggestion in charlie's project names his project's claim, never alice's project's.
    other = _article(corpus["secret"].article.project, "Autre", LIKE_IT, "Fin.")
    suggestion = _claim(other, LIKE_IT, origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE)
    assert [s.claim_id for s in similar_accepted_claims(charlie, suggestion)] == [corpus["secret"].pk]


def test_it_reembeds_a_claim_whose_quote_changed(corpus, alice):
    accepted = corpus["accepted"]
    assert similar_accepted_claims(alice, corpus["like"])
    assert (accepted.pk, accepted.version) in similar._vectors
    alaska = corpus["alaska"]
    start = alaska.body.index("Introduction")
    Claim.objects.filter(pk=accepted.pk).update(start=start, end=start + len("Introduction sans intérêt."),
                                                 quote="Introduction sans intérêt.",
                                                 version=accepted.version + 1)
    assert similar_accepted_claims(alice, corpus["like"]) == []


def test_the_api_returns_the_same_reasons_when_reading_a_claim(corpus, users):
    from rest_framework.test import APIClient

    from annotations.services.tokens import token_issue

    def api(name: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=users[name]).key}")
        return client

    like, accepted = corpus["like"], corpus["accepted"]
    data = api("alice").get(f"/api/v1/claims/{like.pk}/").json()
    assert [s["claim"] for s in data["reasons"]["similar"]] == [accepted.pk]
    assert data["reasons"]["similar"][0]["article_title"] == "Alaska"
    assert isinstance(data["reasons"]["cues"], list)
    assert api("alice").get(f"/api/v1/claims/{corpus['unlike'].pk}/").json()["reasons"]["similar"] == []
    assert api("alice").get(f"/api/v1/claims/{accepted.pk}/").json()["reasons"] is None
    response = api("charlie").get(f"/api/v1/claims/{like.pk}/")
    assert response.status_code == 404 and ACCEPTED not in response.content.decode()


def test_claims_the_graph_index_holds_are_not_embedded_again(project, alice, monkeypatch):
    """With the project's claim-graph index built, the pool's vectors come from it."""
    from annotations.selectors import similar
    from annotations.services.graph_jobs import index_articles

    body_a = "Les pourparlers ont duré près de trois heures à huis clos, selon le Kremlin."
    body_b = "Les discussions ont duré environ trois heures à huis clos, selon le Kremlin."
    a = Article.objects.create(project=project, title="A", body=body_a, body_hash=body_hash(body_a), language="fr")
    b = Article.objects.create(project=project, title="B", body=body_b, body_hash=body_hash(body_b), language="fr")
    accepted = Claim.objects.create(article=a, start=0, end=len(body_a), quote=body_a, origin=ClaimOrigin.MANUAL,
                                    status=ClaimStatus.ACCEPTED, created_by=alice)
    suggestion = Claim.objects.create(article=b, start=0, end=len(body_b), quote=body_b, score=0.8,
                                      origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE)
    index_articles(project, [a.pk, b.pk])
    similar._vectors.clear()
    embedded: list[list[str]] = []
    real = similar._embed

    def spy(rows, index=None):
        embedded.append([q for pk, _, q in rows if index is None or f"c{pk}" not in index])
        return real(rows, index)

    monkeypatch.setattr(similar, "_embed", spy)
    found = similar.similar_accepted_claims(alice, suggestion)
    assert [s.claim_id for s in found] == [accepted.pk]
    assert embedded[0] == []  # the accepted claim's vector came from the index
