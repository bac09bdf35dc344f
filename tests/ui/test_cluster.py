"""The claim cluster page: linked claims side by side, transitively and within bounds, with
verdicts only where the user may see them."""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from annotations.models import Annotation, ClaimRelation, ClaimStatus
from annotations.selectors.article_page import claim_cluster_for_user
from tests.ui import fixtures_article
from tests.ui.fixtures_article import claim_on, seed_article

pytestmark = pytest.mark.django_db

# Fixtures shared by the article page's tests (assigned, so pytest finds them here).
busy_article = fixtures_article.busy_article
seeded = fixtures_article.seeded

VANCE = "la Russie a fait d' »importantes concessions » au président Donald Trump"
LAVROV = "la position de la Russie, y compris l’exigence de parvenir à un accord de paix avant un cessez-le-feu, restait totalement inchangée"


def cluster_url(claim) -> str:
    return reverse("ui:cluster", args=[claim.pk])


def test_seed_corpus_vance_stands_next_to_lavrov_once_linked(seeded, client_for):
    alice = get_user_model().objects.get(username="alice")
    article_003, article_004 = seed_article(seeded, "003"), seed_article(seeded, "004")
    vance = claim_on(article_003, VANCE, speaker="JD Vance")
    lavrov = claim_on(article_004, LAVROV, speaker="Sergueï Lavrov")
    client = client_for(alice)
    html = client.get(cluster_url(vance)).content.decode()
    assert "importantes concessions" in html and "inchangée" not in html
    # alice links them from the article page, as she would: search, then the link form.
    results = client.get(reverse("ui:claim_search", args=[vance.pk]) + "?q=inchangée",
                         HTTP_HX_REQUEST="true").content.decode()
    assert f'name="target" value="{lavrov.pk}"' in results
    response = client.post(reverse("ui:claim_relate", args=[vance.pk]),
                           {"target": lavrov.pk, "kind": "contradicts"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    for start in (vance, lavrov):
        html = unescape(client.get(cluster_url(start)).content.decode())
        assert "importantes concessions" in html and "inchangée" in html
        assert article_003.title[:30] in html and article_004.title[:30] in html
        assert "Contradicts" in html
        # Each quote is shown in its context, the words around it in its article.
        assert "JD Vance vient de révéler que" in html
        assert "Lavrov a souligné que" in html
    cluster = claim_cluster_for_user(alice, vance.pk)
    assert [m.claim.pk for m in cluster.members] == [vance.pk, lavrov.pk]


def test_the_cluster_follows_links_transitively(project, alice, busy_article, client_for):
    article = busy_article(project, 12)
    a, b, c, d, lonely = list(article.claims.filter(status="accepted"))[:5]
    ClaimRelation.objects.create(source=a, target=b, kind="same")
    ClaimRelation.objects.create(source=c, target=b, kind="supports")
    ClaimRelation.objects.create(source=c, target=d, kind="related")
    cluster = claim_cluster_for_user(alice, a.pk)
    assert {m.claim.pk for m in cluster.members} == {a.pk, b.pk, c.pk, d.pk}
    assert [m.depth for m in cluster.members] == [0, 1, 2, 3]
    assert not cluster.truncated
    html = client_for(alice).get(cluster_url(a)).content.decode()
    assert "Supported by" in html and "Supports" in html  # one relation, seen from both ends
    assert f'id="cluster-claim-{lonely.pk}"' not in html


def test_the_cluster_is_bounded(project, alice, busy_article):
    article = busy_article(project, 40)
    claims = list(article.claims.filter(status="accepted"))
    for left, right in zip(claims, claims[1:]):
        ClaimRelation.objects.create(source=left, target=right, kind="related")
    deep = claim_cluster_for_user(alice, claims[0].pk, max_depth=3)
    assert len(deep.members) == 4 and deep.truncated
    wide_root = claims[0]
    for other in claims[5:]:
        ClaimRelation.objects.get_or_create(source=wide_root, target=other, kind="same")
    wide = claim_cluster_for_user(alice, wide_root.pk, max_claims=10)
    assert len(wide.members) == 10 and wide.truncated


def test_verdicts_follow_blindness_and_roles(project, article, claim, alice, bob, rita, rhea,
                                              verdicts, client_for):
    other = claim_on(article, "Le sommet a eu lieu le 15 août 2025 à Anchorage.")
    ClaimRelation.objects.create(source=claim, target=other, kind="related")
    Annotation.objects.create(claim=other, annotator=alice, verdict=verdicts["supported"],
                              rationale="ALICE-RATIONALE")
    Annotation.objects.create(claim=other, annotator=bob, verdict=verdicts["refuted"],
                              rationale="BOB-RATIONALE")
    html = client_for(alice).get(cluster_url(claim)).content.decode()
    assert "ALICE-RATIONALE" in html and "BOB-RATIONALE" not in html and "Refuted" not in html
    assert "Blind project" in html
    html = client_for(rita).get(cluster_url(claim)).content.decode()
    assert "ALICE-RATIONALE" in html and "BOB-RATIONALE" in html
    html = client_for(rhea).get(cluster_url(claim)).content.decode()
    assert "RATIONALE" not in html and "verdict-chip" not in html
    project.blind = False
    project.save()
    html = client_for(alice).get(cluster_url(claim)).content.decode()
    assert "BOB-RATIONALE" in html


def test_the_batch_visibility_rule_matches_the_per_claim_selector(
    project, article, claim, users, verdicts
):
    """The cluster applies the visibility rule to all claims at once; it must agree with
    annotations_visible_to, claim by claim, for every persona, blind or not."""
    from annotations.selectors import annotations_visible_to

    other = claim_on(article, "Le sommet a eu lieu le 15 août 2025 à Anchorage.")
    ClaimRelation.objects.create(source=claim, target=other, kind="same")
    for c in (claim, other):
        for name in ("alice", "bob"):
            Annotation.objects.create(claim=c, annotator=users[name], verdict=verdicts["supported"])
    for blind in (True, False):
        project.blind = blind
        project.save()
        for name in ("alice", "bob", "rita", "max", "rhea"):
            user = users[name]
            cluster = claim_cluster_for_user(user, claim.pk)
            for member in cluster.members:
                expected = set(annotations_visible_to(user, member.claim).values_list("pk", flat=True))
                assert {a.pk for a in member.annotations} == expected, (name, blind)


def test_a_researcher_never_reaches_suggestions_through_the_cluster(article, claim, alice, rhea,
                                                                    client_for):
    candidate = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                         origin="suggested")
    ClaimRelation.objects.create(source=claim, target=candidate, kind="related")
    assert client_for(rhea).get(cluster_url(candidate)).status_code == 404
    html = client_for(rhea).get(cluster_url(claim)).content.decode()
    assert f'id="cluster-claim-{candidate.pk}"' not in html
    html = client_for(alice).get(cluster_url(claim)).content.decode()
    assert f'id="cluster-claim-{candidate.pk}"' in html


def test_cluster_refusals(article, claim, charlie, client_for, client):
    assert client_for(charlie).get(cluster_url(claim)).status_code == 404
    response = client.get(cluster_url(claim))
    assert response.status_code == 302 and response.url.startswith(reverse("ui:login"))
    assert client_for(charlie).post(cluster_url(claim)).status_code in (404, 405)


def test_cluster_query_count_does_not_grow_with_its_size(
    project, alice, busy_article, client_for, django_assert_num_queries
):
    article = busy_article(project, 60, annotators=[alice])
    claims = list(article.claims.filter(status="accepted"))
    small_root, big_root = claims[0], claims[10]
    ClaimRelation.objects.create(source=small_root, target=claims[1], kind="same")
    for other in claims[11:30]:
        ClaimRelation.objects.create(source=big_root, target=other, kind="contradicts")
    client = client_for(alice)
    client.get("/")
    # 10: … and the answers its claims give to check questions (the graph view)
    with django_assert_num_queries(9) as small:
        client.get(cluster_url(small_root))
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(cluster_url(big_root))
    assert response.content.decode().count('class="card cluster-card') == 20
