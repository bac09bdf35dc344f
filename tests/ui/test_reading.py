"""The article page's reading view and control over suggestions: the layout keeps every character,
many suggestions decided at once and undone, one's own claim deleted and restored, the warning
before a stray claim, and an evidence stance that must be chosen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotations.models import Annotation, Article, Claim, ClaimBatch, ClaimOrigin, ClaimStatus, Evidence, body_hash
from tests.ui.test_article_page import page_url, read_body

pytestmark = pytest.mark.django_db

TEXT = (
    "\n\n\n## Le sommet d'Anchorage\n\n"
    "Lavrov a dit que la position restait *inchangée*. Vance a parlé de **concessions**.\n\n"
    "*Felix Abt*\n\n"
    "Le sommet a eu lieu le 15 août. Il a duré trois heures. 🙂\n"
)
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def doc(project) -> Article:
    return Article.objects.create(project=project, title="Anchorage", body=TEXT, body_hash=body_hash(TEXT),
                                  language="fr")


def on(article: Article, text: str, **fields) -> Claim:
    start = article.body.index(text)
    fields.setdefault("origin", ClaimOrigin.SUGGESTED)
    fields.setdefault("status", ClaimStatus.CANDIDATE)
    return Claim.objects.create(article=article, start=start, end=start + len(text), quote=text, **fields)


@pytest.fixture
def suggestions(doc) -> dict[str, Claim]:
    return {
        "lavrov": on(doc, "Lavrov a dit que la position restait *inchangée*.", score=0.9),
        "vance": on(doc, "Vance a parlé de **concessions**.", score=0.3),
        "date": on(doc, "Le sommet a eu lieu le 15 août.", score=0.8),
    }


def status_of(claim: Claim) -> str:
    return Claim.objects.get(pk=claim.pk).status


# --- the reading view ---------------------------------------------------------------------------


def test_the_body_is_laid_out_in_paragraphs_with_every_character_kept(doc, suggestions, alice, client_for):
    html = client_for(alice).get(page_url(doc)).content.decode()
    body = read_body(html)
    assert "".join(body.text) == TEXT  # blank lines and markdown markers included, in order
    assert "".join(body.by_claim[str(suggestions["lavrov"].pk)]) == suggestions["lavrov"].quote
    assert 'class="article-body reading' in html
    assert '<span class="gap" aria-hidden="true">\n\n\n</span><h3 class="para heading" data-para="0">' in html
    assert '<span class="md">## </span>' in html
    # Styles wrap the claims' marks, piece by piece, so the HTML nests whatever overlaps.
    assert re.search(r"<em><mark [^>]*>inchangée</mark></em>", html)
    assert re.search(r"<strong><mark [^>]*>concessions</mark></strong>", html)
    assert "<em>Felix Abt</em>" in html
    assert '<p class="para" data-para="3">' in html
    assert f'data-claim="{suggestions["lavrov"].pk}" data-score="0.9000"' in html


def test_the_suggestion_bar_is_offered_to_those_who_find_claims(doc, suggestions, users, client_for):
    assert 'id="suggestion-bar"' in client_for(users["alice"]).get(page_url(doc)).content.decode()
    html = client_for(users["rhea"]).get(page_url(doc)).content.decode()
    assert 'id="suggestion-bar"' not in html and 'name="claim_ids"' not in html


# --- many suggestions at once -------------------------------------------------------------------


def decide(client, article, **data):
    return client.post(reverse("ui:claims_decide_batch", args=[article.pk]), data, **HX)


def test_it_accepts_the_suggestions_shown_and_one_undo_restores_them(doc, suggestions, alice, client_for):
    client = client_for(alice)
    response = decide(client, doc, action="accept_above", score="0.5")
    html = response.content.decode()
    assert response.status_code == 200 and "2 suggestions accepted." in html
    assert [status_of(c) for c in suggestions.values()] == ["accepted", "candidate", "accepted"]
    batch = ClaimBatch.objects.get()
    assert reverse("ui:batch_undo", args=[batch.pk]) in html and 'data-hotkey="z"' in html
    response = client.post(reverse("ui:batch_undo", args=[batch.pk]), **HX)
    assert response.status_code == 200 and "Undone." in response.content.decode()
    assert [status_of(c) for c in suggestions.values()] == ["candidate"] * 3


def test_it_rejects_ticked_suggestions_or_a_paragraphs_or_those_below_a_score(doc, suggestions, alice, client_for):
    client = client_for(alice)
    decide(client, doc, action="reject_selected", claim_ids=[suggestions["vance"].pk])
    assert status_of(suggestions["vance"]) == "rejected"
    decide(client, doc, action="accept_paragraph", paragraph="3")
    assert status_of(suggestions["date"]) == "accepted" and status_of(suggestions["lavrov"]) == "candidate"
    decide(client, doc, action="reject_below", score="0.95")
    assert status_of(suggestions["lavrov"]) == "rejected"


def test_a_bulk_request_without_its_criterion_says_what_is_missing(doc, suggestions, alice, client_for):
    html = decide(client_for(alice), doc, action="accept_selected").content.decode()
    assert "Tick the suggestions to decide on first." in html
    html = decide(client_for(alice), doc, action="accept_paragraph").content.decode()
    assert "Open a suggestion, or put the caret in a paragraph, first." in html
    html = decide(client_for(alice), doc, action="accept_above", score="0.99").content.decode()
    assert "No suggestion waiting for a decision matches" in html
    assert not ClaimBatch.objects.exists() and status_of(suggestions["lavrov"]) == "candidate"


def test_without_htmx_the_page_offers_the_undo_after_the_change(doc, suggestions, alice, client_for):
    client = client_for(alice)
    response = client.post(reverse("ui:claims_decide_batch", args=[doc.pk]),
                           {"action": "accept_above", "score": "0.5"})
    batch = ClaimBatch.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"undo={batch.pk}")
    html = client.get(response.url).content.decode()
    assert reverse("ui:batch_undo", args=[batch.pk]) in html
    response = client.post(reverse("ui:batch_undo", args=[batch.pk]))
    assert response.status_code == 302 and status_of(suggestions["lavrov"]) == "candidate"


def test_another_annotator_may_not_undo_someone_elses_batch(doc, suggestions, alice, bob, client_for):
    decide(client_for(alice), doc, action="accept_above", score="0.5")
    batch = ClaimBatch.objects.get()
    assert client_for(bob).post(reverse("ui:batch_undo", args=[batch.pk]), **HX).status_code == 403
    assert status_of(suggestions["lavrov"]) == "accepted"


# --- deleting one's own claim -------------------------------------------------------------------


def test_an_author_deletes_their_claim_and_undoes_it_from_the_page(doc, alice, client_for):
    mine = on(doc, "Il a duré trois heures.", origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
              created_by=alice)
    client = client_for(alice)
    panel = client.get(reverse("ui:claim_panel", args=[mine.pk]), **HX).content.decode()
    assert reverse("ui:claim_delete", args=[mine.pk]) in panel and 'data-hotkey="Delete"' in panel
    response = client.post(reverse("ui:claim_delete", args=[mine.pk]), **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "Claim deleted." in html
    assert not Claim.objects.filter(pk=mine.pk).exists()
    batch = ClaimBatch.objects.get()
    response = client.post(reverse("ui:batch_undo", args=[batch.pk]), **HX)
    assert response.status_code == 200
    assert f'data-claim-id="{mine.pk}"' in response.content.decode()  # the restored claim is open
    assert Claim.objects.filter(pk=mine.pk).exists()


def test_a_claim_someone_else_worked_on_is_not_deleted_and_the_page_says_why(
    doc, alice, bob, verdicts, client_for
):
    mine = on(doc, "Il a duré trois heures.", origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
              created_by=alice)
    Annotation.objects.create(claim=mine, annotator=bob, verdict=verdicts["refuted"])
    html = client_for(alice).post(reverse("ui:claim_delete", args=[mine.pk]), **HX).content.decode()
    assert "others have worked on it (another annotator&#x27;s verdict)" in html
    # Another's claim: no button, and a refusal naming the rule.
    panel = client_for(bob).get(reverse("ui:claim_panel", args=[mine.pk]), **HX).content.decode()
    assert reverse("ui:claim_delete", args=[mine.pk]) not in panel
    html = client_for(bob).post(reverse("ui:claim_delete", args=[mine.pk]), **HX).content.decode()
    assert "Only the person who marked a claim may delete it" in html
    assert Claim.objects.filter(pk=mine.pk).exists() and not ClaimBatch.objects.exists()


def test_outsiders_researchers_and_anonymous_visitors_change_nothing(doc, suggestions, users, client_for, client):
    decide(client_for(users["alice"]), doc, action="accept_above", score="0.5")
    batch = ClaimBatch.objects.get()
    mine = on(doc, "Il a duré trois heures.", origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
              created_by=users["alice"])
    posts = [
        (reverse("ui:claims_decide_batch", args=[doc.pk]), {"action": "reject_below", "score": "1"}),
        (reverse("ui:claim_delete", args=[mine.pk]), {}),
        (reverse("ui:batch_undo", args=[batch.pk]), {}),
    ]
    for url, data in posts:
        assert client_for(users["charlie"]).post(url, data, **HX).status_code == 404, url
        assert client_for(users["rhea"]).post(url, data, **HX).status_code == 403, url
        response = client.post(url, data)
        assert response.status_code == 302 and reverse("ui:login") in response.url, url
    assert Claim.objects.filter(pk=mine.pk).exists()
    assert status_of(suggestions["lavrov"]) == "accepted" and ClaimBatch.objects.get().undone_at is None


# --- the warning before a stray claim -----------------------------------------------------------


def make_claim(client, article, start, end, **extra):
    data = {"start": start, "end": end, "quote": article.body[start:end], **extra}
    return client.post(reverse("ui:claim_create", args=[article.pk]), data, **HX)


def test_a_claim_across_paragraphs_is_made_only_once_confirmed(doc, alice, client_for):
    start, end = TEXT.index("Vance a parlé"), TEXT.index(" Il a duré")
    response = make_claim(client_for(alice), doc, start, end)
    html = response.content.decode()
    assert response["HX-Retarget"] == "#selection-flash"
    assert "This selection crosses a paragraph break." in html and "data-claim-confirm" in html
    assert not Claim.objects.exists()
    response = make_claim(client_for(alice), doc, start, end, confirm="1")
    assert Claim.objects.get().quote == TEXT[start:end]


def test_a_very_long_claim_is_made_only_once_confirmed(project, alice, client_for):
    text = "Une phrase très longue " * 40
    article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))
    html = make_claim(client_for(alice), article, 0, 650).content.decode()
    assert "650 characters long (more than 600)" in html and not Claim.objects.exists()
    make_claim(client_for(alice), article, 0, 300)
    assert Claim.objects.count() == 1  # an ordinary span needs no confirmation


# --- the evidence stance ------------------------------------------------------------------------


def test_no_stance_is_chosen_in_advance_and_one_is_required(claim, alice, client_for):
    client = client_for(alice)
    panel = client.get(reverse("ui:claim_panel", args=[claim.pk]), **HX).content.decode()
    stances = [line for line in panel.splitlines() if 'name="stance"' in line]
    assert len(stances) == 3 and not any("checked" in line for line in stances)
    assert all("required" in line for line in stances)
    assert 'data-stance-key="1"' in panel and 'data-stance-key="2"' in panel
    html = client.post(reverse("ui:evidence_add", args=[claim.pk]), {"url": "https://example.org/x"},
                       **HX).content.decode()
    assert "Choose a stance: supports, refutes or context." in html
    assert not Evidence.objects.exists()
    client.post(reverse("ui:evidence_add", args=[claim.pk]), {"url": "https://example.org/x", "stance": "refutes"},
                **HX)
    assert Evidence.objects.get().stance == "refutes"
