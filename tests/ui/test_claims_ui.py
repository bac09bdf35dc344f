"""Writes from the article page: claims (code-point offsets), decisions, edits with optimistic
locking, verdicts, evidence and links; htmx partials, plain fallbacks, CSRF and refusals."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import (
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Project,
    body_hash,
)
from annotations.services.projects import default_scheme
from tests.conftest import BODY
from tests.ui import fixtures_article
from tests.ui.fixtures_article import claim_on

pytestmark = pytest.mark.django_db

# Fixtures shared by the article page's tests (assigned, so pytest finds them here).
busy_article = fixtures_article.busy_article

HX = {"HTTP_HX_REQUEST": "true"}


def post(client: Client, name: str, pk: int, data: dict, htmx: bool = True):
    return client.post(reverse(f"ui:{name}", args=[pk]), data, **(HX if htmx else {}))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- making claims ----------------------------------------------------------------------------


def test_a_span_after_an_emoji_is_stored_in_code_points(article, alice, client_for):
    quote = "Le sommet a eu lieu le 15 août 2025 à Anchorage."
    start = BODY.index(quote)
    assert "🙂" in BODY[:start]  # the browser would count this one twice
    assert utf16_len(BODY[:start]) == start + 1
    response = post(client_for(alice), "claim_create", article.pk,
                    {"start": start, "end": start + len(quote), "quote": quote})
    assert response.status_code == 200
    claim = Claim.objects.get(article=article)
    assert (claim.start, claim.end, claim.quote) == (start, start + len(quote), quote)
    assert claim.status == ClaimStatus.ACCEPTED and claim.origin == ClaimOrigin.MANUAL
    assert claim.created_by == alice
    html = response.content.decode()
    # The panel, focused on the new claim, and the body and list swapped out of band.
    assert f'<section id="claim-panel" class="card panel" aria-live="polite" aria-label="Claim" data-claim-id="{claim.pk}">' in html
    assert 'id="article-body"' in html and 'id="claim-list"' in html
    assert html.count('hx-swap-oob="true"') == 2
    assert f'data-claim="{claim.pk}"' in html


def test_utf16_offsets_are_refused_and_nothing_is_created(article, alice, client_for):
    quote = "Le sommet a eu lieu"
    start = utf16_len(BODY[: BODY.index(quote)])  # what a browser would send unconverted
    response = post(client_for(alice), "claim_create", article.pk,
                    {"start": start, "end": start + len(quote), "quote": quote})
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#selection-flash"
    assert "quote: The quote does not match the article" in response.content.decode()
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"start": "", "end": 4, "quote": "Le m"}, "start"),
        ({"start": 5, "end": 3, "quote": "x"}, "end"),
        ({"start": 0, "end": 10_000, "quote": "x"}, "end"),
        ({"start": 0, "end": 2, "quote": ""}, "quote"),
    ],
)
def test_bad_spans_name_the_field(article, alice, client_for, data, field):
    response = post(client_for(alice), "claim_create", article.pk, data)
    assert f"{field}: " in response.content.decode().lower()  # the field's label
    assert not Claim.objects.exists()


def test_the_same_span_twice_is_refused(article, claim, alice, client_for):
    response = post(client_for(alice), "claim_create", article.pk,
                    {"start": claim.start, "end": claim.end, "quote": claim.quote})
    assert "Another claim already covers exactly this span" in response.content.decode()
    assert Claim.objects.count() == 1


def test_without_htmx_making_a_claim_redirects_to_it(article, alice, client_for):
    quote = "JD Vance a affirmé"
    start = BODY.index(quote)
    client = client_for(alice)
    response = post(client, "claim_create", article.pk,
                    {"start": start, "end": start + len(quote), "quote": quote}, htmx=False)
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ui:article", args=[article.pk]) + f"?claim={claim.pk}"
    assert "Claim created." in client.get(response.url).content.decode()
    response = post(client, "claim_create", article.pk, {"start": 0, "end": 3, "quote": "zzz"},
                    htmx=False)
    assert response.url == reverse("ui:article", args=[article.pk])
    assert "Could not make a claim: quote:" in client.get(response.url).content.decode()


def test_claim_writes_need_a_role_that_finds_claims(article, claim, rhea, charlie, client_for, client):
    data = {"start": 0, "end": 2, "quote": BODY[:2]}
    assert post(client_for(rhea), "claim_create", article.pk, data).status_code == 403
    assert post(client_for(charlie), "claim_create", article.pk, data).status_code == 404
    response = post(client, "claim_create", article.pk, data)
    assert response.status_code == 302 and response.url.startswith(reverse("ui:login"))
    for name, pk, payload in [
        ("claim_update", claim.pk, {"statement": "x", "version": 1}),
        ("claim_decide", claim.pk, {"status": "rejected", "version": 1}),
        ("evidence_add", claim.pk, {"stance": "supports", "url": "https://e.org"}),
        ("claim_relate", claim.pk, {"target": claim.pk, "kind": "same"}),
    ]:
        assert post(client_for(rhea), name, pk, payload).status_code == 403, name
        assert post(client_for(charlie), name, pk, payload).status_code == 404, name
        assert post(client, name, pk, payload).status_code == 302, name
    assert Claim.objects.count() == 1 and Claim.objects.get().version == 1
    assert client_for(rhea).get(reverse("ui:claim_create", args=[article.pk])).status_code == 405


def test_every_write_refuses_outsiders_and_anonymous_visitors(
    article, claim, alice, charlie, rhea, verdicts, client_for, client
):
    evidence = Evidence.objects.create(claim=claim, added_by=alice, url="https://a.org",
                                       stance="supports")
    other = claim_on(article, "Le sommet a eu lieu")
    relation = ClaimRelation.objects.create(source=claim, target=other, kind="same")
    writes = [
        ("claim_create", article.pk, {"start": 0, "end": 2, "quote": BODY[:2]}),
        ("claim_update", claim.pk, {"statement": "x", "version": 1}),
        ("claim_decide", claim.pk, {"status": "rejected", "version": 1}),
        ("annotation_save", claim.pk, {"verdict": verdicts["supported"].pk}),
        ("evidence_add", claim.pk, {"stance": "supports", "url": "https://e.org"}),
        ("evidence_delete", evidence.pk, {}),
        ("claim_relate", claim.pk, {"target": other.pk, "kind": "contradicts"}),
        ("claim_unrelate", relation.pk, {}),
    ]
    for name, pk, data in writes:
        assert post(client_for(charlie), name, pk, data).status_code == 404, name
        response = post(client, name, pk, data)
        assert response.status_code == 302 and response.url.startswith(reverse("ui:login")), name
        assert post(client_for(rhea), name, pk, data).status_code == 403, name
        assert client_for(alice).get(reverse(f"ui:{name}", args=[pk])).status_code == 405, name
    assert Claim.objects.count() == 2 and Claim.objects.get(pk=claim.pk).version == 1
    assert Evidence.objects.count() == 1 and ClaimRelation.objects.count() == 1
    assert not Annotation.objects.exists()


def test_posts_need_the_csrf_token(article, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    quote = "JD Vance"
    start = BODY.index(quote)
    data = {"start": start, "end": start + len(quote), "quote": quote}
    assert client.post(reverse("ui:claim_create", args=[article.pk]), data, **HX).status_code == 403
    assert not Claim.objects.exists()
    page = client.get(reverse("ui:article", args=[article.pk]))
    token = page.cookies["csrftoken"].value
    # htmx sends the token from <body hx-headers>; the forms carry it too for plain posts.
    assert "X-CSRFToken" in page.content.decode() and 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post(reverse("ui:claim_create", args=[article.pk]), data,
                           HTTP_X_CSRFTOKEN=token, **HX)
    assert response.status_code == 200 and Claim.objects.count() == 1


# --- deciding and editing -----------------------------------------------------------------------


def test_accepting_and_rejecting_a_suggestion(article, alice, client_for):
    candidate = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                         origin=ClaimOrigin.SUGGESTED, score=0.7)
    client = client_for(alice)
    response = post(client, "claim_decide", candidate.pk, {"status": "accepted", "version": 1})
    candidate.refresh_from_db()
    assert candidate.status == ClaimStatus.ACCEPTED and candidate.decided_by == alice
    html = response.content.decode()
    assert "Claim accepted." in html and 'id="claim-list" class="card claim-list" hx-swap-oob="true"' in html
    assert 'id="annotation-form"' in html  # accepted: it can be judged now
    response = post(client, "claim_decide", candidate.pk, {"status": "rejected", "version": 2})
    candidate.refresh_from_db()
    assert candidate.status == ClaimStatus.REJECTED
    assert f'data-claim="{candidate.pk}"' not in response.content.decode().split('id="claim-panel"')[1].split('id="claim-list"')[0].split('id="article-body"')[-1]
    response = post(client, "claim_decide", candidate.pk, {"status": "candidate", "version": 3})
    assert "status: " in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == ClaimStatus.REJECTED and candidate.version == 3


def test_editing_statement_speaker_and_date(article, claim, alice, client_for):
    response = post(client_for(alice), "claim_update", claim.pk, {
        "statement": "  Lavrov dit que la position russe est inchangée. ", "speaker": "Sergueï Lavrov",
        "statement_date": "2025-08-17", "version": 1,
    })
    claim.refresh_from_db()
    assert claim.statement == "Lavrov dit que la position russe est inchangée."
    assert claim.speaker == "Sergueï Lavrov" and str(claim.statement_date) == "2025-08-17"
    assert claim.version == 2
    html = response.content.decode()
    assert "Claim saved." in html
    # The claim's list row is swapped too, with the new statement.
    assert f'id="claim-row-{claim.pk}"' in html and "Lavrov dit que la position" in html
    response = post(client_for(alice), "claim_update", claim.pk,
                    {"statement": "x", "statement_date": "17/08/2025x", "version": 2})
    assert error_beside(response.content.decode(), "statement_date")
    claim.refresh_from_db()
    assert claim.version == 2 and claim.statement.startswith("Lavrov")


def test_a_stale_claim_edit_is_refused_and_shows_the_newer_version(
    article, claim, alice, bob, client_for
):
    # alice and bob both open version 1; alice saves first.
    post(client_for(alice), "claim_update", claim.pk,
         {"statement": "ALICE-STATEMENT", "speaker": "Lavrov", "version": 1})
    response = post(client_for(bob), "claim_update", claim.pk,
                    {"statement": "BOB-STATEMENT", "speaker": "Vance", "version": 1})
    claim.refresh_from_db()
    assert claim.statement == "ALICE-STATEMENT" and claim.speaker == "Lavrov" and claim.version == 2
    html = response.content.decode()
    assert "Not saved." in html and "version 2" in html
    newer = html.split('<dl class="newer">')[1].split("</dl>")[0]
    assert "ALICE-STATEMENT" in newer and "Lavrov" in newer
    # bob's text is kept in his form, now at version 2: saving again is his explicit choice.
    assert "BOB-STATEMENT</textarea>" in html
    assert 'name="version" value="2"' in html
    # Without htmx: a message naming the newer values, and still nothing overwritten.
    client = client_for(bob)
    response = post(client, "claim_update", claim.pk,
                    {"statement": "BOB-AGAIN", "version": 1}, htmx=False)
    message = client.get(response.url).content.decode()
    assert "Not saved: this was changed by someone else" in message and "ALICE-STATEMENT" in message
    claim.refresh_from_db()
    assert claim.statement == "ALICE-STATEMENT"


def test_a_stale_decision_is_refused(article, alice, bob, client_for):
    candidate = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                         origin=ClaimOrigin.SUGGESTED)
    post(client_for(alice), "claim_decide", candidate.pk, {"status": "accepted", "version": 1})
    response = post(client_for(bob), "claim_decide", candidate.pk,
                    {"status": "rejected", "version": 1})
    candidate.refresh_from_db()
    assert candidate.status == ClaimStatus.ACCEPTED
    assert "Not saved." in response.content.decode() and "Accepted" in response.content.decode()


# --- verdicts -----------------------------------------------------------------------------------


def test_saving_a_verdict_then_updating_it(article, claim, alice, verdicts, client_for):
    client = client_for(alice)
    response = post(client, "annotation_save", claim.pk, {
        "verdict": verdicts["refuted"].pk, "confidence": 4, "rationale": " Lavrov dit l'inverse. ",
        "time_spent_seconds": 42, "version": "",
    })
    annotation = Annotation.objects.get(claim=claim, annotator=alice)
    assert annotation.verdict == verdicts["refuted"] and annotation.confidence == 4
    assert annotation.rationale == "Lavrov dit l'inverse." and annotation.time_spent_seconds == 42
    html = response.content.decode()
    assert "Verdict saved." in html
    assert f'name="verdict" value="{verdicts["refuted"].pk}" checked' in html
    assert 'name="version" value="1"' in html
    # The list row now carries alice's verdict.
    row = html.split(f'id="claim-row-{claim.pk}"')[1].split("</li>")[0]
    assert "Refuted" in row
    post(client, "annotation_save", claim.pk, {
        "verdict": verdicts["supported"].pk, "confidence": "", "rationale": "", "version": 1,
        "time_spent_seconds": 50,
    })
    annotation.refresh_from_db()
    assert annotation.verdict == verdicts["supported"] and annotation.confidence is None
    assert annotation.version == 2 and annotation.time_spent_seconds == 50


def test_two_saves_from_the_same_version_keep_the_first(article, claim, alice, verdicts, client_for):
    client = client_for(alice)
    post(client, "annotation_save", claim.pk,
         {"verdict": verdicts["refuted"].pk, "rationale": "FIRST-TAB", "version": ""})
    # A second tab that opened the claim before the first save also creates.
    response = post(client, "annotation_save", claim.pk,
                    {"verdict": verdicts["supported"].pk, "rationale": "SECOND-TAB", "version": ""})
    annotation = Annotation.objects.get(claim=claim, annotator=alice)
    assert annotation.rationale == "FIRST-TAB" and annotation.verdict == verdicts["refuted"]
    html = response.content.decode()
    newer = html.split('<dl class="newer">')[1].split("</dl>")[0]
    assert "FIRST-TAB" in newer and "Refuted" in newer
    assert "SECOND-TAB</textarea>" in html and 'name="version" value="1"' in html
    # Updates at an old version are refused the same way.
    post(client, "annotation_save", claim.pk, {"verdict": verdicts["refuted"].pk,
                                               "rationale": "UPDATED", "version": 1})
    response = post(client, "annotation_save", claim.pk,
                    {"verdict": verdicts["supported"].pk, "rationale": "LATE", "version": 1})
    annotation.refresh_from_db()
    assert annotation.rationale == "UPDATED" and annotation.version == 2
    assert "Not saved." in response.content.decode()


def test_bad_verdict_input_names_the_field_and_saves_nothing(project, article, claim, alice,
                                                             client_for):
    from annotations.models import Verdict, VerdictScheme

    other_scheme = VerdictScheme.objects.create(name="Other", slug="other")
    foreign = Verdict.objects.create(scheme=other_scheme, code="yes", name="Yes")
    client = client_for(alice)
    for data, field in [
        ({"verdict": foreign.pk}, "verdict"),
        ({"verdict": "", "confidence": 9}, "confidence"),
        ({"verdict": "", "time_spent_seconds": -3}, "time_spent_seconds"),
    ]:
        response = post(client, "annotation_save", claim.pk, data)
        page = response.content.decode()
        # Shown beside the field; a hidden field's error at the top, under the field's name.
        assert error_beside(page, field) if field != "time_spent_seconds" else f"{field}: " in page, field
    assert not Annotation.objects.exists()


def test_only_annotators_give_verdicts_and_only_on_accepted_claims(
    article, claim, rita, alice, verdicts, client_for
):
    data = {"verdict": verdicts["supported"].pk}
    assert post(client_for(rita), "annotation_save", claim.pk, data).status_code == 403
    candidate = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                         origin=ClaimOrigin.SUGGESTED)
    response = post(client_for(alice), "annotation_save", candidate.pk, data)
    assert response.content.decode().count("Only accepted claims are judged.") == 1
    assert not Annotation.objects.exists()


# --- evidence -----------------------------------------------------------------------------------


def test_adding_web_evidence(article, claim, alice, client_for):
    response = post(client_for(alice), "evidence_add", claim.pk, {
        "stance": "refutes", "url": "https://www.mid.ru/fr/press/1", "title": "Conférence de presse",
        "publisher": "MID", "published_on": "2025-10-21", "passage": "La position reste inchangée.",
    })
    evidence = Evidence.objects.get()
    assert (evidence.claim, evidence.added_by, evidence.stance) == (claim, alice, "refutes")
    assert evidence.publisher == "MID" and str(evidence.published_on) == "2025-10-21"
    html = response.content.decode()
    assert "Evidence added." in html and 'href="https://www.mid.ru/fr/press/1"' in html


def test_evidence_may_say_which_question_it_answers(article, claim, alice, client_for):
    response = post(client_for(alice), "evidence_add", claim.pk, {
        "stance": "refutes", "url": "https://www.mid.ru/fr/press/1",
        "passage": "La position reste inchangée.", "question": "  La position russe a-t-elle changé ?  ",
    })
    assert Evidence.objects.get().question == "La position russe a-t-elle changé ?"
    assert "La position russe a-t-elle changé ?" in response.content.decode()
    too_long = post(client_for(alice), "evidence_add", claim.pk, {
        "stance": "refutes", "url": "https://e.org", "question": "?" * 1001,
    })
    assert error_beside(too_long.content.decode(), "question")
    assert Evidence.objects.count() == 1


def error_beside(page: str, field: str) -> bool:
    """Whether the form shows an error after the field's input, before the next field."""
    after = page[page.rindex(f'name="{field}"'):]
    following = after.find('class="field', 1)
    return '<p class="error">' in (after[:following] if following > 0 else after)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"stance": "supports", "url": "javascript:alert(1)"}, "url"),
        ({"stance": "supports", "url": "file:///etc/passwd"}, "url"),
        ({"stance": "supports"}, "url"),  # no source at all
        ({"stance": "maybe", "url": "https://e.org"}, "stance"),
        ({"stance": "supports", "url": "https://e.org", "published_on": "yesterday"}, "published_on"),
        ({"stance": "supports", "linked_claim": "abc"}, "linked_claim"),
    ],
)
def test_bad_evidence_names_the_field_and_saves_nothing(article, claim, alice, client_for, data, field):
    response = post(client_for(alice), "evidence_add", claim.pk, data)
    assert error_beside(response.content.decode(), field), field
    assert not Evidence.objects.exists()


def test_evidence_can_point_to_a_claim_or_an_article_of_the_project(
    project, article, claim, alice, client_for
):
    other = claim_on(article, "JD Vance a affirmé dimanche")
    client = client_for(alice)
    post(client, "evidence_add", claim.pk, {"stance": "context", "linked_claim": str(other.pk)})
    # A pasted page address works as well as an id.
    page = f"http://testserver/articles/{article.pk}/?claim=1"
    post(client, "evidence_add", claim.pk, {"stance": "context", "linked_article": page})
    rows = list(Evidence.objects.order_by("pk"))
    assert rows[0].linked_claim == other and rows[1].linked_article == article
    html = client.get(reverse("ui:article", args=[article.pk]) + f"?claim={claim.pk}").content.decode()
    assert f'href="/articles/{article.pk}/?claim={other.pk}"' in html
    # Both a URL and a claim: refused, as is a claim of another project.
    foreign_project = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    body = "Un autre texte."
    foreign_article = Article.objects.create(project=foreign_project, body=body, body_hash=body_hash(body))
    foreign = Claim.objects.create(article=foreign_article, start=0, end=3, quote="Un ",
                                   origin="manual", status="accepted")
    response = post(client, "evidence_add", claim.pk, {"stance": "context", "linked_claim": foreign.pk})
    # Each problem once, beside its field, never under the field's name in the code.
    assert response.content.decode().count(f"No claim {foreign.pk} in this project.") == 1
    assert "linked_claim" not in response.content.decode().replace('name="linked_claim"', "")
    response = post(client, "evidence_add", claim.pk,
                    {"stance": "context", "linked_claim": other.pk, "url": "https://e.org"})
    assert response.content.decode().count("Give exactly one source") == 1
    assert "url: Give" not in response.content.decode()
    assert Evidence.objects.count() == 2


def test_deleting_evidence(project, article, claim, alice, bob, rita, client_for):
    mine = Evidence.objects.create(claim=claim, added_by=alice, url="https://a.org", stance="supports")
    bobs = Evidence.objects.create(claim=claim, added_by=bob, url="https://b.org", stance="supports")
    # In a blind project bob's evidence does not exist for alice.
    assert post(client_for(alice), "evidence_delete", bobs.pk, {}).status_code == 404
    response = post(client_for(alice), "evidence_delete", mine.pk, {})
    assert "Evidence removed." in response.content.decode()
    assert not Evidence.objects.filter(pk=mine.pk).exists()
    project.blind = False
    project.save()
    assert post(client_for(alice), "evidence_delete", bobs.pk, {}).status_code == 403
    assert post(client_for(rita), "evidence_delete", bobs.pk, {}).status_code == 200
    assert not Evidence.objects.exists()


# --- links between claims -----------------------------------------------------------------------


def test_linking_and_unlinking_claims(project, article, claim, alice, client_for, busy_article):
    other_article = busy_article(project, 2, title="Autre")
    target = other_article.claims.filter(status="accepted").first()
    client = client_for(alice)
    response = post(client, "claim_relate", claim.pk,
                    {"target": target.pk, "kind": "contradicts", "note": "Deux versions"})
    relation = ClaimRelation.objects.get()
    assert {relation.source_id, relation.target_id} == {claim.pk, target.pk}
    assert relation.kind == "contradicts" and relation.created_by == alice
    html = response.content.decode()
    assert "Claims linked." in html and "Autre" in html and "Deux versions" in html
    # The link shows from the other side too.
    panel = client.get(reverse("ui:claim_panel", args=[target.pk]), **HX).content.decode()
    assert "Contradicts" in panel and claim.quote[:40] in panel
    for data, message in [
        ({"target": claim.pk, "kind": "same"}, "Claim: A claim cannot be related to itself."),
        ({"target": 99999, "kind": "same"}, "Claim: No claim 99999 in this project."),
        ({"target": target.pk, "kind": "cousin"}, "Kind: "),
    ]:
        assert message in post(client, "claim_relate", claim.pk, data).content.decode()
    assert ClaimRelation.objects.count() == 1
    response = post(client, "claim_unrelate", relation.pk, {"claim": target.pk})
    assert not ClaimRelation.objects.exists()
    assert f'data-claim-id="{target.pk}"' in response.content.decode()


def test_unrelate_refuses_outsiders_and_researchers(article, claim, alice, rhea, charlie, client_for):
    other = claim_on(article, "Le sommet a eu lieu")
    relation = ClaimRelation.objects.create(source=claim, target=other, kind="same")
    assert post(client_for(charlie), "claim_unrelate", relation.pk, {}).status_code == 404
    assert post(client_for(rhea), "claim_unrelate", relation.pk, {}).status_code == 403
    assert ClaimRelation.objects.exists()


def test_writes_run_as_many_queries_on_a_big_article_as_on_a_small_one(
    project, alice, verdicts, busy_article, client_for, django_assert_max_num_queries,
    django_assert_num_queries,
):
    small = busy_article(project, 8, title="Small")
    big = busy_article(project, 200, title="Big")
    client = client_for(alice)
    client.get("/")

    def writes(article):
        claim = article.claims.filter(status="accepted").first()
        text = article.body[-10:-2]
        start = len(article.body) - 10
        yield lambda: post(client, "annotation_save", claim.pk,
                           {"verdict": verdicts["supported"].pk})
        yield lambda: post(client, "evidence_add", claim.pk,
                           {"stance": "supports", "url": "https://e.org"})
        yield lambda: post(client, "claim_update", claim.pk, {"statement": "s", "version": 1})
        yield lambda: post(client, "claim_create", article.pk,
                           {"start": start, "end": start + len(text), "quote": text})

    for on_small, on_big in zip(writes(small), writes(big)):
        with django_assert_max_num_queries(40) as counted:
            assert on_small().status_code == 200
        with django_assert_num_queries(len(counted.captured_queries)):
            assert on_big().status_code == 200


def test_a_bad_evidence_url_is_shown_once_beside_its_field(project, article, claim, alice, client_for):
    """Not also at the top of the panel, prefixed with the field's name in the code ("url: …")."""
    client = client_for(alice)
    response = post(client, "evidence_add", claim.pk, {"stance": "supports", "url": "ftp://example.org/x"})
    page = response.content.decode()
    messages = re.findall(r'<p class="error">([^<]*)</p>', page)
    assert len(messages) == 1 and "http" in messages[0], messages
    assert page.count(messages[0]) == 1 and "url:" not in page.lower().replace('placeholder="https://"', "")
    assert "Nothing was saved: see the form below." in page
    # Without htmx the form is not shown again: the message names the field by its label.
    response = post(client, "evidence_add", claim.pk, {"stance": "supports", "url": "ftp://example.org/x"}, htmx=False)
    shown = [str(m) for m in response.wsgi_request._messages]
    assert len(shown) == 1 and shown[0].startswith("URL: "), shown
